"""Shipped-checkpoint logic of course_utils.embeddings.load_or_train (synthetic signals only)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from course_utils import embeddings as E
from course_utils.cache import file_digest
from course_utils.embeddings import shipped


@pytest.fixture
def tiny_df(tmp_path, speaker_table, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return speaker_table(2, 3)


def _ship(tiny_df, folder, monkeypatch):
    """Write an mfcc_stats checkpoint for tiny_df into ``folder`` as the script does."""
    state, info, history = E.train_kind("mfcc_stats", tiny_df, 0, False)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({k: torch.from_numpy(v) for k, v in state.items()}, folder / "mfcc_stats-train.pt")
    (folder / "mfcc_stats-train.json").write_text(json.dumps(dict(info=info, history=history)))
    entry = dict(kind="mfcc_stats", split="train", file="mfcc_stats-train.pt",
                 key=E.portable_key("mfcc_stats", tiny_df, 0), sha256=file_digest(folder / "mfcc_stats-train.pt"))
    (folder / "embeddings_manifest.json").write_text(json.dumps(dict(checkpoints=[entry])))
    monkeypatch.setattr(shipped, "CHECKPOINT_DIR", folder)
    return state


def test_portable_key_ignores_folder_and_extension(tiny_df, tmp_path):
    moved = tiny_df.assign(path=[p.replace(str(tmp_path.parent), "/elsewhere").replace(".wav", ".flac") for p in tiny_df.path])
    assert E.portable_key("ivector", tiny_df) == E.portable_key("ivector", moved)
    assert E.portable_key("ivector", tiny_df) != E.portable_key("ivector", tiny_df.iloc[::-1])
    assert E.portable_key("ivector", tiny_df) != E.portable_key("ivector", tiny_df, seed=1)
    assert E.portable_key("ivector", tiny_df) != E.portable_key("dvector", tiny_df)


def test_shipped_checkpoint_is_verified_and_loaded(tiny_df, tmp_path, monkeypatch):
    state = _ship(tiny_df, tmp_path / "ck", monkeypatch)
    assert E.shipped_checkpoint("mfcc_stats", tiny_df) is not None
    assert E.model_path("mfcc_stats", tiny_df) == tmp_path / "ck" / "mfcc_stats-train.pt"
    emb = E.load_or_train("mfcc_stats", tiny_df, progress=False)
    assert "shipped checkpoint" in emb.info["trained_where"] and emb.info["sha256"]
    np.testing.assert_allclose(emb.mean, state["mean"])
    # other data, another seed, the synthetic corpus, or a pretrained kind: no checkpoint
    assert E.shipped_checkpoint("mfcc_stats", tiny_df.iloc[:4]) is None
    assert E.shipped_checkpoint("mfcc_stats", tiny_df, seed=1) is None
    assert E.shipped_checkpoint("resemblyzer", tiny_df) is None
    synth = tiny_df.copy()
    synth.attrs["synthetic"] = True
    assert E.shipped_checkpoint("mfcc_stats", synth) is None


def test_corrupt_checkpoint_is_not_loaded(tiny_df, tmp_path, monkeypatch):
    _ship(tiny_df, tmp_path / "ck", monkeypatch)
    with open(tmp_path / "ck" / "mfcc_stats-train.pt", "ab") as fh:
        fh.write(b"tampered")
    with pytest.warns(UserWarning, match="SHA-256"):
        emb = E.load_or_train("mfcc_stats", tiny_df, progress=False)
    assert emb.info["trained_where"] == "trained in this run"


def test_no_manifest_means_training(tiny_df, tmp_path, monkeypatch):
    monkeypatch.setattr(shipped, "CHECKPOINT_DIR", tmp_path / "nothing")
    assert E.shipped_checkpoint("mfcc_stats", tiny_df) is None
    assert E.model_path("mfcc_stats", tiny_df).parent.name == "models"


def test_code_digest_ignores_docstrings_comments_and_layout(tmp_path, monkeypatch):
    import importlib

    from course_utils.embeddings import shipped

    variants = {
        "a": 'def f(x):\n    """Doc."""\n    return x + 1  # comment\n',
        "b": 'def f(x):\n    """Another, longer\n    docstring."""\n\n    # a comment\n    return (x\n            + 1)\n',
        "c": 'def f(x):\n    """Doc."""\n    return x + 2\n',
    }
    monkeypatch.syspath_prepend(str(tmp_path))
    digests = {}
    for name, src in variants.items():
        (tmp_path / f"digest_mod_{name}.py").write_text(src)
        mod = importlib.import_module(f"digest_mod_{name}")
        monkeypatch.setattr(shipped, "training_code", lambda mod=mod: [mod.f])
        shipped.code_digest.cache_clear()
        digests[name] = shipped.code_digest()
    shipped.code_digest.cache_clear()
    assert digests["a"] == digests["b"] != digests["c"]
