"""``python -m course_utils.datasets fetch`` / ``status`` (see :func:`course_utils.datasets.main`)."""
from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
