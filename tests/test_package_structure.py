"""The rules that keep ``course_utils`` readable, checked on every module and notebook.

* every public function and class (a name in its module's ``__all__``) has a NumPy-style docstring that
  documents each parameter and names, on a ``Notebook:`` line, a chapter and a section heading that exist;
* no module over 500 lines, no function over 60 (unless its docstring says why it is longer);
* package ``__init__`` files only re-export; sibling modules are imported at the top of a module;
* no notebook code cell over 40 lines.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
from functools import lru_cache
from pathlib import Path

import pytest

import course_utils

ROOT = Path(course_utils.__file__).resolve().parent
REPO = ROOT.parent
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
MAX_CELL_LINES = 40
#: A docstring with this phrase explains why its function is longer than MAX_FUNCTION_LINES.
LONG_FUNCTION_NOTE = "longer than most"
NOTEBOOK_LINE = re.compile(r"^\s*Notebook:\s*(.+?)\s*$", re.M)
SECTION_NUMBER = re.compile(r"^\d+(\.\d+)*\.?\s+")


def _section(text: str) -> str:
    """A heading without its section number ("2.1 Prosody" -> "Prosody"): renumbering breaks nothing."""
    return SECTION_NUMBER.sub("", " ".join(text.split()))


def _module_names() -> list[str]:
    names = ["course_utils"]
    for info in pkgutil.walk_packages([str(ROOT)], prefix="course_utils."):
        names.append(info.name)
    return sorted(names)


MODULES = _module_names()
SOURCES = sorted(p for p in ROOT.rglob("*.py"))


@lru_cache(maxsize=None)
def _headings(stem: str) -> set[str] | None:
    for folder in ("notebooks", "solutions"):
        path = REPO / folder / f"{stem}.ipynb"
        if path.exists():
            nb = json.loads(path.read_text())
            out = set()
            for cell in nb["cells"]:
                if cell["cell_type"] == "markdown":
                    text = "".join(cell["source"])
                    out |= {_section(m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)}
            return out
    return None


def notebook_line_problems(doc: str) -> list[str]:
    """What is wrong with the ``Notebook:`` line of a docstring (empty list: nothing)."""
    found = NOTEBOOK_LINE.findall(doc or "")
    if not found:
        return ["no 'Notebook:' line"]
    problems = []
    if len(found) == 1 and re.fullmatch(r"not yet taught \(issue #\d+\)", found[0]):
        return []  # public for a chapter that an open issue adds; the package map lists these
    for ref in " ; ".join(found).split(" ; "):
        if " § " not in ref:
            problems.append(f"{ref!r} is not '<notebook stem> § <section heading>'")
            continue
        stem, section = (s.strip() for s in ref.split(" § ", 1))
        heads = _headings(stem)
        if heads is None:
            problems.append(f"no notebook {stem!r} in notebooks/ or solutions/")
        elif _section(section) not in heads:
            problems.append(f"{stem} has no heading {section!r}")
    return problems


def _parameters(obj) -> list[str]:
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def parameter_problems(obj, doc: str) -> list[str]:
    """Parameters missing from the docstring's NumPy "Parameters" section."""
    params = _parameters(obj)
    if inspect.isclass(obj) and obj.__init__ is object.__init__:
        params = []
    if re.search(r"^\s*(Args|Arguments|Keyword Args):\s*$|:param\s", doc or "", re.M):
        return ["Google- or reST-style parameters; use a NumPy 'Parameters' section"]
    if not params:
        return []
    m = re.search(r"^\s*Parameters\s*\n\s*-{3,}\s*\n(.*?)(?=^\s*[A-Z][A-Za-z ]+\s*\n\s*-{3,}\s*$|^\s*Notebook:|\Z)",
                  doc or "", re.S | re.M)
    if not m:
        return [f"no 'Parameters' section (parameters: {params})"]
    documented = set()
    for line in m.group(1).splitlines():
        head = re.match(r"^\s*([\w*, ]+?)\s*(?::|$)", line)
        if head and not line.startswith(" " * 8):
            documented |= {n.strip().lstrip("*") for n in head.group(1).split(",")}
    missing = [p for p in params if p not in documented]
    return [f"parameters not documented: {missing}"] if missing else []


def _public_objects():
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr, None)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and getattr(obj, "__module__", None) == name:
                yield f"{name}.{attr}", obj


PUBLIC = dict(_public_objects())


def test_every_module_is_found():
    assert "course_utils.cache" in MODULES and len(PUBLIC) > 100


@pytest.mark.parametrize("qualname", sorted(PUBLIC))
def test_public_docstring(qualname):
    obj = PUBLIC[qualname]
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{qualname}: no docstring"
    problems = notebook_line_problems(doc) + parameter_problems(obj, doc)
    assert not problems, f"{qualname}: " + "; ".join(problems)


def test_notebook_line_checker_rejects_what_it_should():
    assert notebook_line_problems("Summary.") == ["no 'Notebook:' line"]
    assert notebook_line_problems("Notebook: 99_nothing § Intro")[0].startswith("no notebook")
    assert notebook_line_problems("Notebook: not yet taught (issue #19)") == []
    assert notebook_line_problems("Notebook: not yet taught") != []
    assert "has no heading" in notebook_line_problems("Notebook: 05_speech_enhancement § No such section")[0]

    def f(y, sr, *, top_db=30.0):
        """Summary.

        Parameters
        ----------
        y, sr : np.ndarray, int
            Audio.
        """
    assert parameter_problems(f, inspect.getdoc(f)) == ["parameters not documented: ['top_db']"]

    def g(x):
        """Summary.

        Args:
            x: a value
        """
    assert "NumPy" in parameter_problems(g, inspect.getdoc(g))[0]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_size_and_function_length(path):
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path.name}: {len(text.splitlines())} lines"
    long = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node) or ""
            body = node.body[1:] if doc else node.body
            if not body:
                continue
            n = body[-1].end_lineno - body[0].lineno + 1
            if n > MAX_FUNCTION_LINES and LONG_FUNCTION_NOTE not in " ".join(doc.split()):
                long.append(f"{node.name} ({n} lines)")
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines without a reason: {long}"


@pytest.mark.parametrize("path", sorted(ROOT.rglob("__init__.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_init_files_only_re_export(path):
    allowed = (ast.Import, ast.ImportFrom, ast.Expr, ast.Assign, ast.AnnAssign)
    tree = ast.parse(path.read_text())
    other = [type(n).__name__ for n in tree.body if not isinstance(n, allowed)]
    calls = [n for n in tree.body if isinstance(n, ast.Expr) and not isinstance(n.value, ast.Constant)]
    assert not other and not calls, f"{path}: __init__ files only re-export (found {other or 'a call'})"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_sibling_modules_are_imported_at_the_top(path):
    lines = path.read_text().splitlines()
    inner = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and sub.level > 0 and "cycle" not in lines[sub.lineno - 1]:
                    inner.append(f"line {sub.lineno}")
    assert not inner, f"{path.name}: imports of course_utils modules inside functions at {inner} " \
                      "(import at the top; a comment with 'cycle' on the line explains an exception)"


NOTEBOOKS = sorted(p for folder in ("notebooks", "solutions", "exercises") for p in (REPO / folder).glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_cells_are_short(path):
    nb = json.loads(path.read_text())
    long = [i for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code" and len("".join(c["source"]).splitlines()) > MAX_CELL_LINES]
    assert not long, f"{path.name}: code cells over {MAX_CELL_LINES} lines: {long}"
