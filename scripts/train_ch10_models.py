"""Train the shipped models of chapter 10 (keyword spotting and a first speech recogniser).

Per leave-one-speaker-out fold of FSDD (6 speakers): the workshop's Conv1D on raw samples, the
log-mel CNN and the HMM-GMM word models; and one CTC recogniser of connected digits trained on
four speakers. Weights go to ``course_utils/checkpoints/ch10_*.pt`` (+ JSON sidecar with the
SHA-256, the configuration and the training history); the Conv1D is stored in float16 to keep
the shipped files small (the notebook evaluates exactly what is stored).

Usage::

    python scripts/train_ch10_models.py                 # everything (about 15 CPU minutes)
    python scripts/train_ch10_models.py --only cnn ctc  # some kinds
    python scripts/train_ch10_models.py --check         # retrain into a temporary folder, compare SHA-256

Maintainers' tooling, not part of the ``course_utils`` package.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from course_utils import kws
from course_utils.checkpoint import save_checkpoint
from course_utils.datasets import load_fsdd
from course_utils.features import extract_cached
from course_utils.parallel import torch_threads

EPOCHS = {"conv1d": 4, "cnn": 20, "ctc": 15}
LR = {"conv1d": 1e-3, "cnn": 3e-3}
N_CTC_TRAIN = 1200


def _save(folder: Path, name: str, state: dict, meta: dict, half: bool = False) -> str:
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    path = folder / f"{name}.pt"
    sha = save_checkpoint(path, state, meta)
    meta = {**meta, "sha256": sha}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    print(f"{path.name}: {sha[:16]}", flush=True)
    return sha


def train_fold(kind: str, df, X, feats, frames, folder: Path) -> dict[str, str]:
    """Train ``kind`` on each leave-one-speaker-out fold; return {file name: sha256}."""
    y = df["digit"].to_numpy()
    out = {}
    for spk, tr, _ in kws.loso_folds(df):
        name = f"ch10_{kind}_{spk}"
        if kind == "hmm":
            model = kws.HMMWordModels().fit([frames[i] for i in tr], y[tr])
            out[name] = _save(folder, name, model.state_dict(), {"kind": kind, "held_out": spk})
            continue
        model = kws.new_model(kind)
        inputs = X if kind == "conv1d" else feats
        hist = kws.train_classifier(model, inputs[tr], y[tr], epochs=EPOCHS[kind], lr=LR[kind], seed=0,
                                    progress=False)
        out[name] = _save(folder, name, model.state_dict(), {"kind": kind, "held_out": spk, "epochs": EPOCHS[kind], "lr": LR[kind],
                                                               "history": hist}, half=kind == "conv1d")
    return out


def train_ctc(df, X, folder: Path) -> dict[str, str]:
    """Train the CTC recogniser on connected digits of the training speakers."""
    _, feats, texts = kws.connected_digit_set(df, X, kws.CTC_TRAIN_SPEAKERS, kws.ctc_takes(df)[0], N_CTC_TRAIN,
                                             seed=1)
    model = kws.new_model("ctc")
    hist = kws.train_ctc(model, feats, texts, epochs=EPOCHS["ctc"], seed=0, progress=False)
    meta = {"kind": "ctc", "speakers": list(kws.CTC_TRAIN_SPEAKERS), "takes": [0, 45], "n": N_CTC_TRAIN,
            "epochs": EPOCHS["ctc"], "history": hist}
    return {"ch10_ctc": _save(folder, "ch10_ctc", model.state_dict(), meta)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=["conv1d", "cnn", "hmm", "ctc"], default=None)
    ap.add_argument("--check", action="store_true", help="retrain into a temporary folder and compare SHA-256")
    args = ap.parse_args(argv)
    kinds = args.only or ["cnn", "hmm", "ctc", "conv1d"]
    df = load_fsdd()
    if df.attrs.get("synthetic"):
        print("FSDD not found: the shipped models are trained on the real recordings", file=sys.stderr)
        return 2
    X = kws.load_clips(df["path"], progress=False)
    feats = kws.clip_log_mel(X) if "cnn" in kinds else None
    frames = extract_cached(df["path"], kws.hmm_frames, sr=kws.SR, name="kws_hmm") if "hmm" in kinds else None
    folder = Path(tempfile.mkdtemp()) if args.check else kws.checkpoint_path("ctc").parent
    shas = {}
    with torch_threads(1):
        torch.use_deterministic_algorithms(True)
        for kind in kinds:
            shas.update(train_ctc(df, X, folder) if kind == "ctc" else train_fold(kind, df, X, feats, frames, folder))
    if args.check:
        bad = [n for n, sha in shas.items()
               if json.loads((kws.checkpoint_path("ctc").parent / f"{n}.json").read_text()).get("sha256") != sha]
        print("all SHA-256 match" if not bad else f"differ: {bad}")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
