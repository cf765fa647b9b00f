"""course_utils.progress: bars can be hidden per call and, for CI, by TQDM_DISABLE."""
from __future__ import annotations

import pytest

from course_utils.progress import bars_disabled, progress_bar


@pytest.mark.parametrize("value, off", [("1", True), ("true", True), ("0", False), ("", False)])
def test_tqdm_disable_env(monkeypatch, value, off):
    monkeypatch.setenv("TQDM_DISABLE", value)
    assert bars_disabled() is off
    bar = progress_bar(range(3), desc="x")
    assert bar.disable is off and list(bar) == [0, 1, 2]


def test_progress_false_hides_and_total_works(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert progress_bar(range(2), progress=False).disable
    bar = progress_bar(total=5, desc="manual")  # a manual bar, as the training loops use
    bar.update(5)
    assert not bar.disable and bar.n == 5
    bar.close()
