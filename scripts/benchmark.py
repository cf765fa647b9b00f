"""Run notebooks one at a time and print a table: notebook, seconds cold and warm, peak memory.

    python scripts/benchmark.py                      # chapter notebooks, cold then warm cache
    python scripts/benchmark.py --repeat 3           # three runs each: the table gives min-max
    python scripts/benchmark.py solutions/*.ipynb    # any notebooks
    python scripts/benchmark.py --no-warm            # cold cache only
    python scripts/benchmark.py --env test           # as `make test` runs them (one math thread, one process)
    python scripts/benchmark.py --env one-thread     # one math thread, worker processes on every core
    python scripts/benchmark.py --keep runs/         # also save the executed notebooks there

"Cold" runs each notebook with its own empty feature/model cache (a fresh ``COURSE_CACHE_DIR``), as
a student's first run of that chapter does, even one who opens it before the others; "warm" runs it
again with that cache filled, as a second run does. By default the notebooks run in the environment a
student has (``--env student``: no thread limits, progress bars on), not the test command's. Peak
memory is the largest resident set of the notebook's kernel process. Point ``COURSE_DATA_DIR`` at the
data first; the table says which data was used.

Timings depend on the machine and on what else runs on it, so the script measures a small fixed
workload (the *machine probe*: NumPy matrix products on one thread and a pure-Python loop) before and
after the table: compare tables only together with their probes, and a probe that changed during the
run says the machine was not quiet. The README's table is this script's output.
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
#: Variables the test command sets and a student's default environment does not have.
TEST_ONLY_VARIABLES = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                       "COURSE_N_JOBS": "1", "TQDM_DISABLE": "1"}


def machine_probe(repeats: int = 5) -> float:
    """Seconds for a fixed workload (median of ``repeats``): 40 products of 300x300 matrices on one
    thread, and a 3-million-step Python loop. Smaller is faster; it moves with load on the machine."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    a = np.random.default_rng(0).normal(size=(300, 300))
    times = []
    with threadpool_limits(limits=1):
        for _ in range(repeats):
            start = time.perf_counter()
            b = a
            for _ in range(40):
                b = np.tanh(b @ a / 300.0)
            total = 0
            for i in range(3_000_000):
                total += i & 7
            times.append(time.perf_counter() - start)
    return float(sorted(times)[len(times) // 2])


def student_env(cache: str, kind: str) -> dict[str, str]:
    """The environment a notebook runs in: a student's (``"student"``), the test command's (``"test"``), or
    ``"one-thread"``: one math thread but worker processes on every core, the setting of the README's
    tables before the benchmark measured as a student runs."""
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES}
    if kind == "test":
        env.update(TEST_ONLY_VARIABLES)
    elif kind == "one-thread":
        env.update({k: v for k, v in TEST_ONLY_VARIABLES.items() if k != "COURSE_N_JOBS"})
    env.update(COURSE_CACHE_DIR=cache, MPLBACKEND="Agg")
    return env


def span(values: list[float]) -> str:
    """``"54"`` for one run, ``"51-58"`` (min-max) for several."""
    lo, hi = min(values), max(values)
    return f"{lo:.0f}" if round(lo) == round(hi) else f"{lo:.0f}-{hi:.0f}"


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


def bench_one(nb: Path, args) -> tuple[list[float], list[float], float] | str:
    """Cold and warm seconds over ``args.repeat`` runs, and the peak memory, of one notebook."""
    cold, warm, peak = [], [], 0.0
    for r in range(args.repeat):
        # every cold run starts from its own empty cache: the first run of a student who opens it first
        with tempfile.TemporaryDirectory(prefix="course-bench-") as cache:
            env = student_env(cache, args.env)
            keep = args.keep.resolve() if args.keep and r == 0 else None
            got = measure(nb.resolve(), env, keep)
            if isinstance(got, str):
                return got
            cold.append(got[0])
            peak = max(peak, got[1])
            if not args.no_warm:
                got = measure(nb.resolve(), env)
                if isinstance(got, str):
                    return got
                warm.append(got[0])
                peak = max(peak, got[1])
    return cold, warm, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--no-warm", action="store_true", help="skip the second (warm cache) run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook; the table shows min-max")
    parser.add_argument("--env", choices=("student", "test", "one-thread"), default="student",
                        help="student: default environment (default); test: one math thread and one process, as "
                             "make test; one-thread: one math thread, worker processes on every core")
    parser.add_argument("--keep", type=Path, help="save the executed notebooks (first cold run) in this folder")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.keep)
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    data = os.environ.get("COURSE_DATA_DIR") or "data/ (or the synthetic fallback)"
    probe = machine_probe()
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, data: {data}, environment: {args.env}, "
          f"{args.repeat} run(s) each; machine probe before: {probe:.2f} s, load average {os.getloadavg()[0]:.1f}\n")
    print("| notebook | seconds (cold cache) | seconds (warm cache) | peak memory (MB) |")
    print("|---|---:|---:|---:|")
    failed = False
    for nb in notebooks:
        result = bench_one(nb, args)
        name = nb.resolve().relative_to(ROOT) if nb.resolve().is_relative_to(ROOT) else nb
        if isinstance(result, str):
            failed = True
            print(f"| {name} | {result} | | |", flush=True)
            continue
        cold, warm, peak = result
        print(f"| {name} | {span(cold)} | {span(warm) if warm else ''} | {peak:.0f} |", flush=True)
    print(f"\nmachine probe after: {machine_probe():.2f} s, load average {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
