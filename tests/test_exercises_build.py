"""The exercise builder, and the rule that exercises/ is exactly what it generates from solutions/."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

from course_utils.checks import ExerciseFeedback, call_student, expect_close, expect_equal, passed
from course_utils.paths import repo_root

_spec = importlib.util.spec_from_file_location("build_exercises", Path(__file__).resolve().parents[1] / "scripts" / "build_exercises.py")
_builder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_builder)
build_all, exercise_path, make_exercise = _builder.build_all, _builder.exercise_path, _builder.make_exercise


def _solution_nb():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Chapter 9: Solutions"),
        nbformat.v4.new_code_cell(
            "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n"),
        nbformat.v4.new_code_cell("check_f(f)"),
        nbformat.v4.new_markdown_cell("Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION\n"),
        nbformat.v4.new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", text="1")],
                                  execution_count=3),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION"),
        nbformat.v4.new_code_cell("print(f(answer))"),
        nbformat.v4.new_code_cell("print(fx)"),
    ]
    return nb


def test_make_exercise_stubs_code_and_answers():
    ex = make_exercise(_solution_nb())
    code = ex.cells[1].source
    assert "y = x + 1" not in code and "    raise NotImplementedError()" in code and "def f(x):" in code
    assert ex.cells[1].metadata["tags"] == ["raises-exception"]
    assert ex.cells[2].metadata["tags"] == ["raises-exception"]  # calls a check on the stub
    assert "Because" not in ex.cells[3].source and "*YOUR ANSWER HERE*" in ex.cells[3].source
    assert ex.cells[4].outputs == [] and ex.cells[4].execution_count is None
    assert ex.cells[0].source == "# Chapter 9: Exercises"
    assert "tags" not in ex.cells[4].metadata  # uses nothing a student writes
    assert ex.cells[6].metadata["tags"] == ["raises-exception"]  # uses f and answer
    assert "tags" not in ex.cells[7].metadata  # "fx" is not "f"
    exec(compile(code, "stub", "exec"), ns := {})
    with pytest.raises(NotImplementedError):
        ns["f"](1)


@pytest.mark.parametrize("source", [
    "### BEGIN SOLUTION\nx = 1\n",
    "x = 1\n### END SOLUTION\n",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
])
def test_unbalanced_markers_are_errors(source):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    with pytest.raises(ValueError):
        make_exercise(nb)


def test_exercise_path_naming(tmp_path):
    assert exercise_path(tmp_path / "solutions" / "01_x_solutions.ipynb").name == "01_x_exercises.ipynb"
    with pytest.raises(ValueError):
        exercise_path(tmp_path / "solutions" / "01_x.ipynb")


def test_build_all_writes_then_reports_drift(tmp_path):
    (tmp_path / "solutions").mkdir()
    nbformat.write(_solution_nb(), tmp_path / "solutions" / "09_t_solutions.ipynb")
    assert build_all(tmp_path, check=True)  # nothing generated yet
    assert build_all(tmp_path) == [tmp_path / "exercises" / "09_t_exercises.ipynb"]
    assert build_all(tmp_path, check=True) == []
    target = tmp_path / "exercises" / "09_t_exercises.ipynb"
    target.write_text(target.read_text().replace("YOUR ANSWER HERE", "edited by hand"))
    assert build_all(tmp_path, check=True) == [target]
    (tmp_path / "exercises" / "99_orphan_exercises.ipynb").write_text("{}")
    assert tmp_path / "exercises" / "99_orphan_exercises.ipynb" in build_all(tmp_path, check=True)


def test_repository_exercises_match_solutions():
    stale = build_all(repo_root(), check=True)
    assert not stale, f"regenerate with `python scripts/build_exercises.py`: {stale}"


def test_check_helpers_give_specific_feedback(capsys):
    assert passed("task") and "task: correct" in capsys.readouterr().out
    with pytest.raises(ExerciseFeedback, match="shape"):
        expect_close([1, 2], [1, 2, 3], "vector")
    with pytest.raises(ExerciseFeedback, match="got 2, expected 3"):
        expect_close([1, 2], [1, 3], "vector")
    with pytest.raises(ExerciseFeedback, match="NaN"):
        expect_close([float("nan")], [1.0], "vector")
    with pytest.raises(ExerciseFeedback, match="expected 'b'"):
        expect_equal("a", "b", "label")

    def stub(x):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError, match="stub is not implemented yet"):
        call_student(stub, 1)
    assert call_student(lambda x: x + 1, 1) == 2
