"""The shipped sentence encoder: it loads only when its files match their checksums,
its vectors mean what they should, and its cache survives damage."""

from __future__ import annotations

import logging
import shutil

import numpy as np
import pytest

from core.understanding.encoder import DIMENSIONS, MODEL_DIR, EmbeddingCache, Encoder, EncoderUnavailable

TEXTS = [
    "does it hurt",
    "is the treatment painful",
    "where do I park",
    "How many microneedling sessions will I need before I see results?",
    "thx",
    "",
]


@pytest.fixture(scope="module")
def encoder():
    return Encoder.load()


@pytest.fixture
def model_copy(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(MODEL_DIR, folder)
    return folder


def test_the_shipped_model_loads_and_its_fingerprint_is_stable(encoder):
    assert len(encoder.fingerprint) == 64
    assert Encoder.load().fingerprint == encoder.fingerprint


def test_vectors_are_unit_length_float32_rows(encoder):
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSIONS) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, DIMENSIONS)


def test_a_paraphrase_is_closer_than_an_unrelated_question(encoder):
    hurt, painful, park = encoder.encode(["does it hurt", "is the treatment painful", "where do I park"])
    assert hurt @ painful > hurt @ park + 0.2


def test_a_text_gets_the_same_vector_alone_or_among_others(encoder):
    """The int8 model's activation scales depend on everything in a run: a text
    must never share one, or its vector would depend on its neighbours."""
    together = encoder.encode(TEXTS)
    singles = np.stack([encoder.encode_one(t) for t in TEXTS])
    np.testing.assert_allclose(together, singles, atol=1e-5)
    np.testing.assert_allclose(encoder.encode(TEXTS[::-1]), together[::-1], atol=1e-5)


def test_a_long_message_is_truncated_not_refused(encoder):
    assert encoder.encode_one("microneedling " * 500).shape == (DIMENSIONS,)


@pytest.mark.parametrize("name", ["model.onnx", "tokenizer.json"])
def test_a_tampered_file_is_refused_with_its_path(model_copy, name):
    with (model_copy / name).open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(EncoderUnavailable) as error:
        Encoder.load(model_copy)
    assert str(model_copy / name) in str(error.value)
    assert "tools/build_encoder.py" in str(error.value)


@pytest.mark.parametrize("name", ["model.onnx", "tokenizer.json", "SHA256SUMS"])
def test_a_missing_file_is_refused_with_its_path(model_copy, name):
    (model_copy / name).unlink()
    with pytest.raises(EncoderUnavailable, match=str(model_copy / name)):
        Encoder.load(model_copy)


class Counting:
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, encoder):
        self.encoder, self.encoded = encoder, 0
        self.fingerprint = encoder.fingerprint

    def encode(self, texts):
        self.encoded += len(texts)
        return self.encoder.encode(texts)


def test_the_cache_returns_the_same_vectors_from_memory_and_from_disk(encoder, tmp_path):
    texts = TEXTS[:3]
    first = EmbeddingCache(tmp_path).embed(encoder, texts)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    counting = Counting(encoder)
    cache = EmbeddingCache(tmp_path)  # a restart: read from disk
    from_disk = cache.embed(counting, texts)
    np.testing.assert_array_equal(from_disk, first)
    assert counting.encoded == 0
    assert cache.embed(counting, texts) is from_disk
    assert cache.embed(counting, texts[:2]).shape == (2, DIMENSIONS) and counting.encoded == 0
    assert not from_disk.flags.writeable


def test_an_edit_encodes_only_the_new_text(encoder, tmp_path):
    EmbeddingCache(tmp_path).embed(encoder, TEXTS)
    counting = Counting(encoder)
    edited = [*TEXTS[1:], "a brand new example nobody wrote before"]
    vectors = EmbeddingCache(tmp_path).embed(counting, edited)
    assert counting.encoded == 1
    np.testing.assert_allclose(vectors[-1], encoder.encode_one(edited[-1]), atol=1e-6)


@pytest.mark.parametrize("damage", [b"", b"not a numpy file", None])
def test_a_corrupt_cache_file_is_recomputed(encoder, tmp_path, caplog, damage):
    expected = EmbeddingCache(tmp_path).embed(encoder, TEXTS)
    (path,) = tmp_path.glob("*.npz")
    if damage is None:
        np.savez(path, texts=np.array(["x"]), vectors=np.zeros((2, 3), dtype=np.float32))  # valid file, wrong shape
    else:
        path.write_bytes(damage)
    with caplog.at_level(logging.WARNING):
        np.testing.assert_allclose(EmbeddingCache(tmp_path).embed(encoder, TEXTS), expected, atol=1e-6)
    assert str(path) in caplog.text
    with np.load(path) as repaired:
        np.testing.assert_allclose(repaired["vectors"], expected, atol=1e-6)


def test_an_unwritable_cache_folder_is_logged_not_fatal(encoder, tmp_path, caplog):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    with caplog.at_level(logging.WARNING):
        vectors = EmbeddingCache(blocked).embed(encoder, TEXTS[:2])
    assert vectors.shape == (2, DIMENSIONS)
    assert "not writable" in caplog.text
