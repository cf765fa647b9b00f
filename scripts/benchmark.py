"""Run notebooks one at a time and print a table: notebook, seconds, peak memory.

    python scripts/benchmark.py                      # chapter notebooks, cold then warm cache
    python scripts/benchmark.py solutions/*.ipynb    # any notebooks
    python scripts/benchmark.py --no-warm            # cold cache only
    python scripts/benchmark.py --keep runs/         # also save the executed notebooks there

"Cold" runs each notebook with its own empty feature/model cache (a fresh ``COURSE_CACHE_DIR``), as
a student's first run of that chapter does, even one who opens it before the others; "warm" runs it
again with that cache filled, as a second run does. Peak memory is the
largest resident set of the notebook's kernel process. Point ``COURSE_DATA_DIR`` at the data first;
the table says which data was used. The README's table is this script's output.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_one(path: Path, keep: Path | None = None) -> None:
    """Execute one notebook in this process's kernel; print 'seconds peak_mb'. (Internal.)"""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the kernel, reaped at shutdown
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, keep / path.name)
    print(f"{seconds:.1f} {peak_kb / 1024:.0f}")


def measure(path: Path, env: dict[str, str], keep: Path | None = None) -> tuple[float, float] | str:
    cmd = [sys.executable, __file__, "--one", str(path)] + (["--keep", str(keep)] if keep else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return "FAILED: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:120]
    seconds, mb = proc.stdout.split()[-2:]
    return float(seconds), float(mb)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--no-warm", action="store_true", help="skip the second (warm cache) run")
    parser.add_argument("--keep", type=Path, help="save the executed notebooks (cold run) in this folder")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.keep)
        return 0
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    data = os.environ.get("COURSE_DATA_DIR") or "data/ (or the synthetic fallback)"
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, data: {data}\n")
    print("| notebook | seconds (cold cache) | seconds (warm cache) | peak memory (MB) |")
    print("|---|---:|---:|---:|")
    failed = False
    for nb in notebooks:
        # every notebook starts from its own empty cache: the first run of a student who opens it first
        with tempfile.TemporaryDirectory(prefix="course-bench-") as cache:
            env = dict(os.environ, COURSE_CACHE_DIR=cache, TQDM_DISABLE="1", MPLBACKEND="Agg")
            cold = measure(nb.resolve(), env, args.keep.resolve() if args.keep else None)
            warm = None if args.no_warm or isinstance(cold, str) else measure(nb.resolve(), env)
        name = nb.resolve().relative_to(ROOT) if nb.resolve().is_relative_to(ROOT) else nb
        if isinstance(cold, str):
            failed = True
            print(f"| {name} | {cold} | | |", flush=True)
            continue
        warm_s = "" if warm is None else (warm if isinstance(warm, str) else f"{warm[0]:.0f}")
        peak = max(cold[1], warm[1] if isinstance(warm, tuple) else 0)
        print(f"| {name} | {cold[0]:.0f} | {warm_s} | {peak:.0f} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
