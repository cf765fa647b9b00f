"""Unit tests of course_utils.plotting and course_utils.widgets."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import plotting, widgets  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_every_plot_is_labelled(tone):
    y, sr = tone
    for ax in (plotting.plot_waveform(y, sr), plotting.plot_spectrogram(y, sr),
               plotting.plot_spectrogram(y, sr, kind="linear"),
               plotting.plot_curves({"loss": [3, 2, 1]})):
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    with pytest.raises(ValueError):
        plotting.plot_spectrogram(y, sr, kind="cqt")


def test_confusion_uses_names():
    ax = plotting.plot_confusion(["a", "b", "b"], ["a", "a", "b"], labels=["a", "b"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert ax.get_xlabel() == "Predicted" and ax.get_ylabel() == "True"


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_embeddings_scatter(method):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 1, (15, 8)), rng.normal(5, 1, (15, 8))])
    ax = plotting.plot_embeddings(X, ["s1"] * 15 + ["s2"] * 15, method=method)
    assert len(ax.collections) == 2 and ax.get_legend() is not None
    with pytest.raises(ValueError):
        plotting.plot_embeddings(X, [0] * 30, method="umap")


def test_players(tone):
    y, sr = tone
    box = widgets.players({"before": y, "after": 0.5 * y}, sr)
    assert len(box.children) == 2
    assert widgets.player(y, sr) is not None
    with pytest.raises(ValueError, match="mono"):
        widgets.player(np.zeros((2, 10)), sr, "stereo")


def test_text_box_and_figure_image():
    import matplotlib.pyplot as plt

    box = widgets.text_box("a < b\n  indented")
    assert "a &lt; b\n  indented" in box.value and box.value.startswith("<pre")
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    n_open = len(plt.get_fignums())
    img = widgets.figure_image(fig)
    assert img.format == "png" and img.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(plt.get_fignums()) == n_open - 1  # closed: not drawn again below the cell


def test_player_table_for_eleven_rows(tone):
    y, sr = tone
    names = [f"method {i} with a rather long name" for i in range(10)] + ["clean <ref>"]
    rows = {name: (0.1 * (i + 1)) * y for i, name in enumerate(names)}
    metrics = {name: {"SI-SDR (dB)": float(i), "note": "ok"} for i, name in enumerate(names[:-1])}
    table = widgets.player_table(rows, sr, metrics=metrics, label="method")
    html = table.value
    assert html.count("<tr>") == 12 and html.count("<audio") == 11  # header + one row per signal
    assert html.count("width:260px") == 11 and "clean &lt;ref&gt;" in html
    assert "<th style='padding:2px 8px; text-align:left; vertical-align:middle'>SI-SDR (dB)</th>" in html
    assert ">3.00<" in html and html.count(">ok<") == 10  # the clean row has blank metric cells
    assert table._repr_mimebundle_() is not None  # renders as a widget
    with pytest.raises(ValueError, match="mono"):
        widgets.player_table({"stereo": np.zeros((2, 10))}, sr)


def test_players_wrap_and_have_usable_width(tone):
    y, sr = tone
    box = widgets.players({f"signal {i}": y for i in range(11)}, sr)
    assert box.layout.flex_flow == "row wrap" and len(box.children) == 11
    assert "width:260px" in box.children[0].children[1].value
