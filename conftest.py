"""pytest settings for the notebook tests (nbval), shared by every folder the test command runs."""
from __future__ import annotations

#: Seconds nbval waits for each output message *after* a cell has finished executing (its
#: "waiting for output" timeout). nbval hard-codes 5 s (computationalmodelling/nbval#136, #231),
#: which a notebook kernel sharing two busy cores with another one can exceed now and then; the
#: run time of a cell is limited separately by --nbval-cell-timeout (pyproject.toml).
NBVAL_OUTPUT_TIMEOUT = 60


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if hasattr(item, "output_timeout"):  # nbval's notebook cells
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT
