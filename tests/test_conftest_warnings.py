"""The notebook tests fail on warnings a student would see (see conftest.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("root_conftest", Path(__file__).resolve().parents[1] / "conftest.py")
root_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(root_conftest)


def test_warnings_in_stderr_are_found():
    outs = [
        {"output_type": "stream", "name": "stderr", "text": "/x/y.py:3: UserWarning: careful\n  warnings.warn(...)\n"},
        {"output_type": "stream", "name": "stderr", "text": "FutureWarning: soon\n"},
        {"output_type": "stream", "name": "stdout", "text": "UserWarning: printed on purpose in a lesson\n"},
        {"output_type": "stream", "name": "stderr", "text": "embed xvector: 100%|####| 10/10\n"},
    ]
    assert root_conftest.warnings_in_outputs(outs) == ["/x/y.py:3: UserWarning: careful", "FutureWarning: soon"]
    assert root_conftest.warnings_in_outputs([]) == []
