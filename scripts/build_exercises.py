"""Build ``exercises/`` from ``solutions/``: the only way exercise notebooks are made.

Markers follow nbgrader, so the notebooks also work with it:

* In a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become
  ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` at the same indentation.
* In a markdown cell, the same markers around a written answer become ``*YOUR ANSWER HERE*``.
* A code cell that holds a stub, calls a ``check_*`` function, or uses a name that a stub cell
  defines (a function, or a variable assigned in the answer) gets the ``raises-exception`` tag:
  nbval then accepts the ``NotImplementedError`` (or ``NameError``) a student sees first.
* Outputs and execution counts are cleared; the title's "Solutions" becomes "Exercises".

Usage::

    python scripts/build_exercises.py          # (re)write exercises/*.ipynb
    python scripts/build_exercises.py --check  # exit 1 if any exercise differs (used by tests)

Maintainers' tooling (not part of the ``course_utils`` package), tested by
``tests/test_exercises_build.py``.
"""
from __future__ import annotations

import argparse
import copy
import re
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


__all__ = ["make_exercise", "exercise_path", "build_all", "main"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_CHECK_CALL = re.compile(r"\bcheck_\w+\s*\(")


def _stub_code(source: str) -> str:
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"nested {BEGIN!r}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
        elif stripped == END:
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r}")
    return "\n".join(out)


def _stub_markdown(source: str) -> str:
    pattern = re.compile(rf"{re.escape(BEGIN)}.*?{re.escape(END)}", re.S)
    if source.count(BEGIN) != source.count(END):
        raise ValueError("unbalanced solution markers in a markdown cell")
    return pattern.sub("*YOUR ANSWER HERE*", source)


def _names_defined(source: str) -> set[str]:
    """Functions defined in a stub cell, and top-level names assigned inside its answer region."""
    names = set(re.findall(r"^\s*def (\w+)", source, re.M))
    for region in re.findall(rf"{re.escape(BEGIN)}(.*?){re.escape(END)}", source, re.S):
        names |= set(re.findall(r"^(\w+)\s*=", region, re.M))
    return names


def make_exercise(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the exercise version of a solution notebook (the input is not changed)."""
    nb = copy.deepcopy(solution)
    nb.nbformat_minor = 5  # cell ids (a 4.5 field) are kept from the solution, so generated files are stable
    stubbed: set[str] = set()
    for cell in nb.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "code":
            has_stub = BEGIN in cell.source or END in cell.source
            uses_stub = any(re.search(rf"\b{re.escape(n)}\b", cell.source) for n in stubbed)
            if has_stub:
                stubbed |= _names_defined(cell.source)
                cell.source = _stub_code(cell.source)
            if (has_stub or uses_stub or _CHECK_CALL.search(cell.source)) and "raises-exception" not in tags:
                tags.append("raises-exception")
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown" and (BEGIN in cell.source or END in cell.source):
            cell.source = _stub_markdown(cell.source)
        if tags:
            cell.metadata["tags"] = tags
    if nb.cells and nb.cells[0].cell_type == "markdown":
        nb.cells[0].source = nb.cells[0].source.replace("Solutions", "Exercises").replace("solutions", "exercises")
    return nb


def exercise_path(solution_path: Path) -> Path:
    """``solutions/NN_name_solutions.ipynb`` -> ``exercises/NN_name_exercises.ipynb``."""
    name = solution_path.name
    if not name.endswith("_solutions.ipynb"):
        raise ValueError(f"{solution_path}: solution notebooks are named NN_<topic>_solutions.ipynb")
    return solution_path.parent.parent / "exercises" / name.replace("_solutions.ipynb", "_exercises.ipynb")


def _dumps(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb, version=4) + "\n"


def build_all(root: Path | None = None, *, check: bool = False) -> list[Path]:
    """Write (or with ``check``, compare) every exercise; return those that were out of date."""
    root = root or REPO
    stale = []
    for sol in sorted((root / "solutions").glob("*_solutions.ipynb")):
        nb = nbformat.read(sol, as_version=4)
        text = _dumps(make_exercise(nb))
        target = exercise_path(sol)
        if not target.exists() or target.read_text() != text:
            stale.append(target)
            if not check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
    sols = {exercise_path(s).name for s in (root / "solutions").glob("*_solutions.ipynb")}
    orphans = [p for p in (root / "exercises").glob("*.ipynb") if p.name not in sols]
    return stale + orphans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course-exercises", description="Build exercises/ from solutions/.")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if anything differs")
    args = parser.parse_args(argv)
    stale = build_all(check=args.check)
    for p in stale:
        print(("out of date: " if args.check else "wrote: ") + str(p))
    if args.check and stale:
        print("Exercises are generated from solutions: run `python scripts/build_exercises.py`.")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
