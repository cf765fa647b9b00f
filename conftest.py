"""pytest settings for the notebook tests (nbval), shared by every folder the test command runs."""
from __future__ import annotations

import re

import pytest

#: Seconds nbval waits for each output message *after* a cell has finished executing (its
#: "waiting for output" timeout). nbval hard-codes 5 s (computationalmodelling/nbval#136, #231),
#: which a notebook kernel sharing two busy cores with another one can exceed now and then; the
#: run time of a cell is limited separately by --nbval-cell-timeout (pyproject.toml).
NBVAL_OUTPUT_TIMEOUT = 60

#: What a warning looks like in a cell's stderr ("...py:12: UserWarning: ...", "FutureWarning: ...").
WARNING_LINE = re.compile(r"\b\w*Warning\b:")


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if hasattr(item, "output_timeout"):  # nbval's notebook cells
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT


def warnings_in_outputs(outputs) -> list[str]:
    """Lines of a cell's stderr that are warnings (what a student would see printed in red)."""
    found = []
    for out in outputs or []:
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            found += [line.strip() for line in out.get("text", "").splitlines() if WARNING_LINE.search(line)]
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A notebook cell that prints a warning fails: silence known, harmless warnings where they arise."""
    result = yield  # raises if the cell itself failed
    found = warnings_in_outputs(getattr(item, "test_outputs", None))
    if found:
        pytest.fail(f"the cell printed {len(found)} warning(s) a student would see:\n" + "\n".join(found[:5]),
                    pytrace=False)
    return result
