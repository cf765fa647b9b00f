"""Unit tests of course_utils.paths: folders, seeding, librosa's data folder."""
from __future__ import annotations

import os
import random

import numpy as np
import torch

from course_utils import paths


def test_repo_root_and_folders(tmp_path, monkeypatch):
    root = paths.repo_root()
    assert (root / "pyproject.toml").exists() and (root / "course_utils").is_dir()
    assert paths.data_dir() == root / "data"
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "c"))
    assert paths.cache_dir("features", "x") == tmp_path / "c" / "features" / "x"
    assert (tmp_path / "c" / "features" / "x").is_dir()


def test_seed_everything_makes_runs_repeatable():
    rng = paths.seed_everything(3)
    a = (random.random(), np.random.rand(), torch.rand(1).item(), rng.random())
    rng = paths.seed_everything(3)
    assert a == (random.random(), np.random.rand(), torch.rand(1).item(), rng.random())


def test_configure_librosa_data(tmp_path, monkeypatch):
    (tmp_path / "librosa").mkdir()
    monkeypatch.delenv("LIBROSA_DATA_DIR", raising=False)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    paths.configure_librosa_data()
    assert os.environ["LIBROSA_DATA_DIR"] == str(tmp_path / "librosa")
    monkeypatch.setenv("LIBROSA_DATA_DIR", "/somewhere/else")
    paths.configure_librosa_data()  # an explicit setting wins
    assert os.environ["LIBROSA_DATA_DIR"] == "/somewhere/else"
