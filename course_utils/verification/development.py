"""Development models for chapter 3: the same recipes trained on fewer actors, or a stated fallback.

Choices (back-ends, fusion weights) are made on development speakers with models that never heard
them. On the real data the development models are chapter 2's recipes trained on the development
training actors (shipped checkpoints, loaded by ``load``); on the synthetic offline corpus no such
models are shipped and training five more would be slow, so chapter 2's models stand in and this
says so.

Notebook: 03_speaker_verification § Choices made on a development set, and score fusion
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = ["development_embedders"]

_FALLBACK_NOTE = ("SYNTHETIC fallback: the development trials are scored with chapter 2's models, which were trained "
                  "on actors 13-16 too, so the development numbers below are optimistic")


def development_embedders(df: pd.DataFrame, kinds: Sequence[str], train_mask: pd.Series, *,
                          load: Callable[..., Any], fallback: Mapping[str, Any]) -> dict[str, Any]:
    """The development embedder of each kind, trained on ``df[train_mask]`` only.

    Parameters
    ----------
    df : pd.DataFrame
        The corpus table (``df.attrs["synthetic"]`` says whether it is the offline stand-in).
    kinds : sequence of str
        Embedder kinds (chapter 2's names).
    train_mask : pd.Series
        Boolean rows of ``df`` the development models are trained on.
    load : callable
        ``load(kind, train_df)`` returns a trained embedder (:func:`course_utils.embeddings.load_or_train`).
    fallback : mapping of str to object
        Embedders used instead on the synthetic corpus (chapter 2's models); a note is printed.

    Returns
    -------
    dict of str to object
        ``{kind: embedder}`` in the order of ``kinds``.

    Notebook: 03_speaker_verification § Choices made on a development set, and score fusion
    """
    if df.attrs.get("synthetic"):
        print(_FALLBACK_NOTE)
        return {kind: fallback[kind] for kind in kinds}
    train_df = df[train_mask].reset_index(drop=True)
    train_df.attrs.update(df.attrs)
    return {kind: load(kind, train_df) for kind in kinds}
