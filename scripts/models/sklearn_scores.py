"""Prints the scores of the scikit-learn original of the toxicity model (alt-profanity-check 1.9.1:
predict_proba[:, 1], float64) for every row of a CSV column, as a JSON list in file order. The
evaluators' tests compare Sightline's own scorer with it on the whole Davidson set.

Run in the models venv that scripts/models.sh builds:
    "$SIGHTLINE_SKLEARN_PYTHON" scripts/models/sklearn_scores.py labeled_data.csv [--column tweet]
"""

import argparse
import csv
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the clone
from convert_toxicity import sklearn_scores  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", help="a UTF-8 CSV file with a header row")
    ap.add_argument("--column", default="tweet")
    args = ap.parse_args()
    with open(args.csv, newline="", encoding="utf-8") as f:
        texts = [row[args.column] for row in csv.DictReader(f)]
    json.dump([float(s) for s in sklearn_scores(texts)], sys.stdout)


if __name__ == "__main__":
    main()
