"""Sentence vectors from all-MiniLM-L6-v2, run as ONNX int8 with onnxruntime.

Why this way: torch would add gigabytes to every install for one small model, and
no machine the bot runs on (nor CI) can reach a model hub. So the model is built
once into ``models/all-MiniLM-L6-v2/`` by ``tools/build_encoder.py`` and committed;
here only onnxruntime, tokenizers and numpy are needed. Both files are checked
against SHA256SUMS on load, so a swapped, truncated or half-copied model stops the
bot at start-up with a plain message instead of quietly changing its answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "all-MiniLM-L6-v2"
FILES = ("model.onnx", "tokenizer.json")
DIMENSIONS = 384
RECENT = 4096
"""Texts whose vectors are kept in memory (about 6 MB)."""
MAX_TOKENS = 128
"""The model was trained on at most 128 tokens; client messages are far shorter."""


class EncoderUnavailable(RuntimeError):
    """The model files are missing or are not the ones SHA256SUMS names."""


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _verified(folder: Path) -> dict[str, str]:
    """The checksums from SHA256SUMS, after checking that both files match them."""
    advice = "rebuild it with tools/build_encoder.py (see models/all-MiniLM-L6-v2/README.md)"
    sums = folder / "SHA256SUMS"
    try:
        expected = {name: digest for digest, name in (line.split() for line in sums.read_text().splitlines() if line.strip())}
    except (OSError, ValueError):
        raise EncoderUnavailable(f"{sums} is missing or unreadable; {advice}") from None
    for name in FILES:
        path = folder / name
        try:
            matches = _sha256(path) == expected.get(name)
        except OSError:
            matches = False
        if not matches:
            raise EncoderUnavailable(f"{path} is missing or differs from SHA256SUMS; {advice}")
    return expected


class Encoder:
    """Turns texts into L2-normalised 384-dimensional vectors: cosine similarity is a dot product."""

    def __init__(self, session: onnxruntime.InferenceSession, tokenizer: Tokenizer, fingerprint: str) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._fingerprint = fingerprint
        self.encode_one = lru_cache(maxsize=RECENT)(self._encode_one)
        """The vector of one text; recent texts are remembered (a message split into its
        questions, the parts of the content check, a client repeating themselves)."""

    @classmethod
    def load(cls, folder: Path | None = None, threads: int = 1) -> Encoder:
        """Check and load the model. One thread by default: a single short message is
        faster without the cost of handing work between threads, and the bot's other
        work keeps the remaining cores."""
        folder = MODEL_DIR if folder is None else Path(folder)
        sums = _verified(folder)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()  # the file pads everything to 128 tokens
        fingerprint = hashlib.sha256(
            f"{sums['model.onnx']} {sums['tokenizer.json']} onnxruntime {onnxruntime.__version__}".encode()
        ).hexdigest()
        return cls(session, tokenizer, fingerprint)

    @property
    def fingerprint(self) -> str:
        """Changes whenever the model, the tokenizer or onnxruntime does: part of every cache
        key. The runtime counts because its int8 kernels change between releases (from 1.17
        to 1.32 a few texts' vectors move by up to 0.03 in cosine)."""
        return self._fingerprint

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in input order.

        Each text is run alone, never batched: the int8 model scales its activations
        by what is in the run, so a text batched with others (and their padding) comes
        out different from the same text alone (cosine down to 0.94). Alone, a vector
        depends on its text only, and an example and the same words typed by a client
        match exactly. Batching would be about 1.8x faster; the content is encoded once
        and cached, so it is not worth that."""
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row] = self._encode_one(text)
        return vectors

    def _encode_one(self, text: str) -> np.ndarray:
        """The vector of one message: mean of its token vectors (no padding), L2-normalised."""
        tokens = self._tokenizer.encode(text)
        hidden = self._session.run(
            None,
            {
                "input_ids": np.array([tokens.ids], dtype=np.int64),
                "attention_mask": np.array([tokens.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([tokens.type_ids], dtype=np.int64),
            },
        )[0][0]
        vector = hidden.mean(axis=0)
        vector /= np.linalg.norm(vector)
        vector.flags.writeable = False  # cached and shared
        return vector


class EmbeddingCache:
    """Vectors of texts already encoded (every example message), kept in one .npz file
    per model.

    Encoding all the content takes seconds; a restart should not, and a content edit
    that adds one example should encode that one example. Entries are keyed by text
    in a file named after the model fingerprint, so a new model simply starts a new
    file. The cache is only an optimisation: an unreadable file is recomputed, an
    unwritable folder is logged.
    """

    MEMORY_ENTRIES = 8

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._known: dict[str, dict[str, np.ndarray]] = {}
        """Model fingerprint -> text -> vector, read from disk once."""
        self._lists: dict[str, np.ndarray] = {}
        """Recent whole lists, so asking again for the same list returns the same array."""

    def embed(self, encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
        """The texts' vectors (read-only), encoding only the texts never seen before."""
        key = hashlib.sha256(json.dumps([encoder.fingerprint, list(texts)]).encode()).hexdigest()
        if (vectors := self._lists.get(key)) is not None:
            return vectors
        path = self.folder / f"vectors-{encoder.fingerprint[:16]}.npz"
        known = self._known.get(encoder.fingerprint)
        if known is None:
            known = self._known[encoder.fingerprint] = self._read(path)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, encoder.encode(missing), strict=True))
            self._write(path, known)
        vectors = np.stack([known[t] for t in texts]) if texts else np.empty((0, DIMENSIONS), dtype=np.float32)
        vectors.flags.writeable = False  # shared by every caller
        if len(self._lists) >= self.MEMORY_ENTRIES:
            del self._lists[next(iter(self._lists))]
        self._lists[key] = vectors
        return vectors

    @staticmethod
    def _read(path: Path) -> dict[str, np.ndarray]:
        try:
            with np.load(path, allow_pickle=False) as data:
                texts, vectors = data["texts"], data["vectors"]
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, EOFError, KeyError) as error:
            log.warning("embedding cache file %s is unreadable (%s); recomputing", path, error)
            return {}
        if vectors.ndim != 2 or vectors.shape != (len(texts), DIMENSIONS) or vectors.dtype != np.float32:
            log.warning(
                "embedding cache file %s holds vectors of shape %s %s, not (%d, %d) float32; recomputing",
                path,
                vectors.shape,
                vectors.dtype,
                len(texts),
                DIMENSIONS,
            )
            return {}
        return dict(zip(texts.tolist(), vectors, strict=True))

    def _write(self, path: Path, known: dict[str, np.ndarray]) -> None:
        """Temporary file, then rename: a reader never sees half a file. No fsync: a
        file torn by a power cut is merely recomputed."""
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{path.stem}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.savez(f, texts=np.array(list(known), dtype=str), vectors=np.stack(list(known.values())))
            os.replace(tmp, path)
        except OSError as error:
            log.warning("embedding cache folder %s is not writable (%s); vectors will be recomputed next time", self.folder, error)
            if tmp is not None:
                with suppress(OSError):
                    os.unlink(tmp)
