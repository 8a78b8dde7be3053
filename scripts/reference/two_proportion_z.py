"""Reference values for the pooled two-proportion z-test of the bias disparity signal.

Run with the models environment (it has scipy):
  "$SIGHTLINE_CACHE/models-venv/bin/python" scripts/reference/two_proportion_z.py \
      > evaluators/tests/golden/two_proportion_z.json
"""

import json
import math

from scipy.stats import norm

CASES = [((200, 30), (1000, 50)), ((180, 9), (1000, 50)), ((50, 25), (60, 20)),
         ((10_000, 1_234), (20_000, 2_000)), ((30, 1), (40, 0)), ((1000, 999), (1000, 950))]

out = []
for (n1, x1), (n2, x2) in CASES:
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    out.append({"a": [n1, x1], "b": [n2, x2], "z": z, "p": 2 * norm.sf(abs(z))})
print(json.dumps(out, indent=1))
