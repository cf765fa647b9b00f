"""Every figure of course_utils is readable: no two pieces of text drawn on top of each other.

:func:`text_overlaps` draws a figure on an Agg canvas and returns the pairs of visible text artists
(titles, suptitle, axis labels, tick labels, legend texts, annotations) whose boxes overlap. It is
then run on every public plotting function of the package, called on small synthetic inputs shaped
like the chapters' (chapter 5's eleven method names and four noises, chapter 8's speakers, ...).
"""
from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from course_utils import emotion, enhancement, plotting, verification  # noqa: E402
from course_utils.diarization import plot_timeline  # noqa: E402

SR = 16000


def _visible(t: Text) -> bool:
    """Whether ``t`` is visible and has text."""
    return t.get_visible() and bool(t.get_text().strip())


def _drawn_texts(fig) -> list[tuple[str, Text]]:
    """``(group, text)`` for every text that a draw of ``fig`` shows; ``group`` names the axis of tick labels."""
    texts, tick_labels = [], set()
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            for t in ax.get_xticklabels() + ax.get_yticklabels():
                tick_labels.add(id(t))
            continue
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels.update((id(tick.label1), id(tick.label2)))
            for tick in axis._update_ticks():  # the ticks inside the view interval: those drawn
                for lab in (tick.label1, tick.label2):
                    if lab.get_visible() and lab.get_text().strip():
                        texts.append((f"{id(ax)}-{name}", lab))
    for t in fig.findobj(Text):
        if id(t) in tick_labels or not _visible(t):
            continue
        if isinstance(t.axes, plt.Axes) and not t.axes.get_visible():
            continue
        texts.append(("", t))
    return texts


def _corners(t: Text, renderer) -> np.ndarray | None:
    """The 4 corners (pixels) of the rectangle ``t`` occupies, rotated with it; ``None`` when empty.

    The axis-aligned window extent of a rotated text is larger than the text, so slanted tick labels
    would all "overlap"; the rectangle is its unrotated size, turned about the extent's centre.
    """
    bb = t.get_window_extent(renderer)
    if bb.width <= 0 or bb.height <= 0:
        return None
    angle = np.deg2rad(t.get_rotation())
    if np.isclose(np.sin(2 * angle), 0.0):  # 0, 90, 180, 270 degrees: the extent is the rectangle
        return np.array([[bb.x0, bb.y0], [bb.x1, bb.y0], [bb.x1, bb.y1], [bb.x0, bb.y1]])
    rotation = t.get_rotation()
    t.set_rotation(0)
    flat = t.get_window_extent(renderer)
    t.set_rotation(rotation)
    half = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [flat.width / 2, flat.height / 2]
    c, s = np.cos(angle), np.sin(angle)
    return half @ np.array([[c, s], [-s, c]]) + [(bb.x0 + bb.x1) / 2, (bb.y0 + bb.y1) / 2]


def _overlap(p: np.ndarray, q: np.ndarray, slack: float) -> bool:
    """Whether two convex rectangles share more than ``slack`` pixels along every separating axis."""
    for poly in (p, q):
        for k in range(2):
            edge = poly[k + 1] - poly[k]
            normal = np.array([-edge[1], edge[0]]) / np.hypot(*edge)
            a, b = p @ normal, q @ normal
            if min(a.max(), b.max()) - max(a.min(), b.min()) <= slack:
                return False
    return True


def text_overlaps(fig, *, tol: float = 1.5) -> list[tuple[str, str]]:
    """Draw ``fig`` (Agg) and return the pairs of visible text artists whose boxes overlap.

    Two boxes overlap when they share more than ``tol`` pixels in both directions; tick labels of
    one axis count as soon as they touch (no tolerance), so a crowded axis is found too. Rotated
    texts are compared as rotated rectangles.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to check.
    tol : float
        Pixels of overlap tolerated between unrelated texts.

    Returns
    -------
    list of tuple of str
        The overlapping texts, as pairs of their strings.
    """
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = []
    for group, t in _drawn_texts(fig):
        corners = _corners(t, renderer)
        if corners is not None:
            boxes.append((group, t.get_text(), corners))
    pairs = []
    for (g1, s1, b1), (g2, s2, b2) in itertools.combinations(boxes, 2):
        if _overlap(b1, b2, -0.5 if g1 and g1 == g2 else tol):
            pairs.append((s1, s2))
    return pairs


def _figure(obj):
    """The figure of an Axes, a sequence of Axes or a Figure."""
    if isinstance(obj, plt.Figure):
        return obj
    if isinstance(obj, plt.Axes):
        return obj.figure
    return np.ravel(obj)[0].figure


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


# ---- the helper itself ---------------------------------------------------------------------------

def test_helper_finds_texts_on_top_of_each_other():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.text(0.5, 0.5, "first label")
    ax.text(0.5, 0.5, "second label")
    assert text_overlaps(fig) == [("first label", "second label")]


def test_helper_ignores_separate_texts_and_finds_crowded_ticks():
    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.text(0.1, 0.1, "bottom left")
    ax.text(0.6, 0.8, "top right")
    ax.set(title="title", xlabel="x", ylabel="y")
    assert text_overlaps(fig) == []
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_xticks(range(6), [f"a very long tick label {i}" for i in range(6)])
    assert text_overlaps(fig)


def test_helper_compares_rotated_texts_as_rotated():
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    ax.set_xticks(range(4), ["disgust", "surprised", "fearful", "neutral"], rotation=35, ha="right",
                  rotation_mode="anchor")
    assert text_overlaps(fig) == []  # their axis-aligned extents do overlap
    ax.text(1, 0.5, "crossing", rotation=35)
    ax.text(1, 0.5, "crossing too", rotation=-35)
    assert text_overlaps(fig) == [("crossing", "crossing too")]


def test_helper_finds_suptitle_over_panel_title():
    fig, ax = plt.subplots(figsize=(4, 3))
    fig.subplots_adjust(top=0.95)
    ax.set_title("panel title")
    fig.suptitle("figure title", y=0.99)
    assert {frozenset(pair) for pair in text_overlaps(fig)} == {frozenset({"panel title", "figure title"})}


# ---- synthetic inputs shaped like the chapters' ------------------------------------------------

METHODS = ["noisy", "spectral subtraction (seed: a=2, no floor)", "spectral subtraction (a=4, floor 0.02)",
           "Wiener (decision-directed)", "noisereduce stationary", "noisereduce non-stationary",
           "MaskNet (trained here, 200 steps)", "MaskNet (same recipe, 6000 steps, script)",
           "oracle binary mask", "oracle ratio mask", "clean"]
NOISES = ("white", "pink", "babble", "music")


def _signal(seed: int, seconds: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * 200 * (1 + seed) * t) + 0.05 * rng.normal(size=t.size)).astype(np.float32)


def _scores() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [dict(method=m, noise=k, snr=s, utt=u, si_sdr=s + i + rng.normal(), stoi=0.8, pesq=1.5)
            for k in NOISES for i, m in enumerate(METHODS[:-1]) for s in (-5, 0, 5, 10) for u in range(2)]
    return pd.DataFrame(rows)


def _trials(seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(2, 1, 200), rng.normal(0, 1, 2000)


def _prosody() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame([dict(emotion=e, actor=a, f0_st=rng.normal(), energy_db=rng.normal(),
                              tempo=1 + rng.normal(0, 0.1)) for e in emotion.EMOTIONS for a in range(1, 9)])


def _turns(n_speakers: int, seed: int):
    rng = np.random.default_rng(seed)
    t, segs = 0.0, []
    while t < 60:
        d = rng.uniform(1, 6)
        segs.append((t, t + d, f"spk{rng.integers(n_speakers)}"))
        t += d
    return segs


def _embeddings():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(i, 1, (10, 16)) for i in range(8)])
    return X, [f"actor {i + 17}" for i in range(8) for _ in range(10)]


EMOTIONS8 = list(emotion.EMOTIONS)

CASES = {
    "plotting.plot_waveform": lambda: plotting.plot_waveform(_signal(0), SR),
    "plotting.plot_spectrogram": lambda: plotting.plot_spectrogram(_signal(0), SR),
    "plotting.plot_spectrogram linear": lambda: plotting.plot_spectrogram(_signal(0), SR, kind="linear"),
    "plotting.plot_confusion 8 emotions": lambda: plotting.plot_confusion(
        EMOTIONS8 * 3, EMOTIONS8[1:] + EMOTIONS8[:1] + EMOTIONS8 * 2, labels=EMOTIONS8),
    "plotting.plot_confusion 24 speakers": lambda: plotting.plot_confusion(
        [f"actor {i}" for i in range(1, 25)] * 2, [f"actor {i}" for i in range(1, 25)] * 2),
    "plotting.plot_embeddings pca": lambda: plotting.plot_embeddings(*_embeddings(), method="pca"),
    "plotting.plot_embeddings tsne": lambda: plotting.plot_embeddings(*_embeddings(), method="tsne"),
    "plotting.plot_curves": lambda: plotting.plot_curves(
        {"train loss": [2.0, 1.0, 0.5], "train accuracy": [0.3, 0.6, 0.8], "val accuracy": [0.2, 0.5, 0.6]},
        title="CNN: training loss and held-out accuracy (actors 17-24)"),
    "enhancement.plot_spectrograms 5 noises": lambda: enhancement.plot_spectrograms(
        {"clean": _signal(0), **{f"{k} @ 0 dB": _signal(i + 1) for i, k in enumerate(NOISES)}}, SR,
        title="One test sentence, clean and mixed at 0 dB SNR"),
    "enhancement.plot_spectrograms 11 methods": lambda: enhancement.plot_spectrograms(
        {m: _signal(i) for i, m in enumerate(METHODS)}, SR, ncols=5, title="babble noise at 0 dB"),
    "enhancement.plot_results": lambda: enhancement.plot_results(_scores(), "si_sdr"),
    "enhancement.plot_results improvement": lambda: enhancement.plot_results(_scores(), "si_sdr", improvement=True),
    "enhancement.plot_loss_curves": lambda: enhancement.plot_loss_curves(
        {"trained here (200 steps)": list(np.linspace(0, -10, 200)),
         "scripts/train_masknet.py (6000 steps)": list(np.linspace(0, -12, 6000))}, "si_sdr"),
    "verification.plot_det": lambda: verification.plot_det(
        {name: _trials(i) for i, name in enumerate(["x-vector (AAM)", "x-vector (CE)", "d-vector", "i-vector",
                                                     "resemblyzer", "fusion (ours)"])},
        title="DET curves, unseen actors 17-24 (cosine scoring)"),
    "verification.plot_roc": lambda: verification.plot_roc(
        {name: _trials(i) for i, name in enumerate(["x-vector (AAM)", "x-vector (CE)", "d-vector", "i-vector"])},
        title="ROC curves, unseen actors 17-24 (cosine scoring)"),
    "verification.plot_score_distributions": lambda: verification.plot_score_distributions(
        *_trials(0), threshold=1.0, title="Cosine scores, target vs non-target trials"),
    "emotion.plot_prosody_boxes": lambda: emotion.plot_prosody_boxes(_prosody()),
    "diarization.plot_timeline": lambda: plot_timeline({"reference": _turns(3, 0)},
                                                       title="Test conversation 1: reference turns"),
    "diarization.plot_timeline 3 tracks": lambda: plot_timeline(
        {"reference": _turns(4, 0), "first pass": _turns(5, 1), "resegmented": _turns(4, 2)}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_no_text_overlaps(name):
    fig = _figure(CASES[name]())
    assert text_overlaps(fig) == []


def test_every_plotting_function_is_checked():
    """A new public plotting function must get a case above."""
    import inspect

    import course_utils.diarization.plots as dplots
    import course_utils.emotion.prosody as prosody
    import course_utils.enhancement.plots as eplots
    import course_utils.verification.plots as vplots

    public = {f"{mod}.{n}" for mod, m in (("plotting", plotting), ("enhancement", eplots), ("verification", vplots),
                                          ("diarization", dplots), ("emotion", prosody))
              for n in m.__all__ if inspect.isfunction(getattr(m, n)) and
              (n.startswith("plot_") or m in (plotting, eplots, vplots, dplots))}
    checked = {case.split(" ")[0] for case in CASES}
    assert public <= checked, public - checked


def test_timeline_has_a_speaker_legend():
    ax = plot_timeline({"reference": [(0, 1, "A"), (1, 2, "B")], "hypothesis": [(0, 2, 0)]})
    legend = ax.get_legend()
    assert legend is not None
    assert {t.get_text() for t in legend.get_texts()} == {"reference: A", "reference: B", "hypothesis: 0"}


def test_results_legend_is_outside_the_panels():
    fig = enhancement.plot_results(_scores(), "si_sdr")
    fig.canvas.draw()
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert legends
    r = fig.canvas.get_renderer()
    for leg in legends:
        lb = leg.get_window_extent(r)
        for ax in fig.axes:
            assert not lb.overlaps(ax.get_window_extent(r)), "legend covers data"
