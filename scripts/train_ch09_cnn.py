"""Train chapter 9's per-fold networks on ESC-10 (the checkpoints the notebook cross-validates).

    python scripts/train_ch09_cnn.py                    # every kind, every fold -> course_utils/checkpoints/
    python scripts/train_ch09_cnn.py --kind cnn         # one kind
    python scripts/train_ch09_cnn.py --kind cnn --fold 2   # one fold (run folds in parallel), then:
    python scripts/train_ch09_cnn.py --kind cnn --collect  # write the manifest from the five checkpoints
    python scripts/train_ch09_cnn.py --check            # retrain and compare SHA-256 with the manifest

    python scripts/train_ch09_cnn.py --dev --kind cnn   # development: 3 training folds, validation accuracy per epoch

The recipes (``course_utils.sound_events.shipped.KINDS``) are chosen in ``--dev`` mode: for test fold
k the network trains on the three folds that are neither k nor its validation fold k % 5 + 1 and
prints the validation accuracy per epoch. The shipped network of fold k then trains with that recipe
on all four folds other than k (training + validation); the test fold is never seen. Deterministic (fixed seeds, one thread): the same command
writes the same bytes. The weights derive from ESC-10 (Piczak 2015, CC BY 3.0 for the clips used).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from course_utils import seed_everything  # noqa: E402
import torch  # noqa: E402

from course_utils.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from course_utils.datasets import load_esc10  # noqa: E402
from course_utils.cache import file_digest as sha256_file  # noqa: E402
from course_utils.paths import CHECKPOINT_DIR  # noqa: E402
from course_utils.sound_events import accuracy, esc_inputs, normalize, train_network  # noqa: E402
from course_utils.sound_events.shipped import KINDS, MANIFEST, data_digest, fold_indices, make_network  # noqa: E402

LICENSE = "Derived from ESC-10 (Piczak 2015, ESC-50 repository), CC BY 3.0 (clip credits: the ESC-50 repository)"


def compact(state) -> dict:
    """Floating-point weights stored in half precision (the shipped files stay small; loading casts back)."""
    return {k: (v.detach().half() if v.is_floating_point() else v.detach()) for k, v in state.items()}


def train_kind(kind: str, df, X, y, out_dir: Path, dev: bool = False, folds=range(1, 6)) -> dict:
    """Train the fold networks of ``kind`` into ``out_dir``; return the manifest entry.
    ``dev``: train on three folds only and print the validation accuracy per epoch (nothing is kept)."""
    files, scores = {}, {}
    for fold in folds:
        tr, va, te = fold_indices(df, fold)
        seed_everything(fold)
        model = make_network(kind)
        start = time.process_time()
        if dev:
            history = train_network(model, X[tr], y[tr], KINDS[kind], validation=(X[va], y[va]), seed=fold,
                                    progress=False)
            print(f"{kind} test fold {fold}, validation fold {df.fold.iloc[va[0]]}: validation accuracy per epoch",
                  [round(v, 3) for v in history["val accuracy"]], flush=True)
            continue
        train = np.sort(np.concatenate([tr, va]))
        history = train_network(model, X[train], y[train], KINDS[kind], seed=fold, progress=False)
        model.load_state_dict(compact(model.state_dict()))  # score what is shipped: the half-precision weights
        test = accuracy(model, X[te], y[te])
        name = f"ch09_{kind}_fold{fold}.pt"
        meta = {"kind": kind, "test_fold": fold, "training_folds": sorted(int(f) for f in set(df.fold.iloc[train])),
                "recipe": repr(KINDS[kind]), "history": {k: [round(v, 4) for v in vals] for k, vals in history.items()},
                "cpu_seconds": round(time.process_time() - start), "license": LICENSE}
        files[name] = save_checkpoint(out_dir / name, compact(model.state_dict()), meta)
        scores[fold] = test
        print(f"{kind} fold {fold}: test {test:.3f} "
              f"({meta['cpu_seconds']} CPU s) sha256 {files[name][:12]}", flush=True)
    if len(scores) == 5:
        print(f"{kind}: mean test accuracy {sum(scores.values()) / 5:.3f}", flush=True)
    return {"data": data_digest(df), "recipe": repr(KINDS[kind]), "files": files}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=list(KINDS), action="append", help="kinds to train (default: all)")
    parser.add_argument("--fold", type=int, action="append", help="train only these test folds (run folds in "
                        "parallel processes, then --collect)")
    parser.add_argument("--collect", action="store_true", help="write the manifest from the checkpoints present "
                        "(full-precision ones are first stored in half precision, as training does)")
    parser.add_argument("--dev", action="store_true", help="development runs on three folds (nothing is written)")
    parser.add_argument("--check", action="store_true", help="retrain into a temporary folder and compare SHA-256")
    args = parser.parse_args(argv)
    df = load_esc10(allow_synthetic=False)
    mels, _ = esc_inputs(df, progress=False)
    X, y = normalize(mels), df.class_id.to_numpy()
    kinds = args.kind or list(KINDS)
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    if args.dev:
        for kind in kinds:
            train_kind(kind, df, X, y, CHECKPOINT_DIR, dev=True)
        return 0
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            bad = []
            for kind in kinds:
                entry = train_kind(kind, df, X, y, Path(tmp), folds=args.fold or range(1, 6))
                shipped = manifest.get(kind, {}).get("files", {})
                bad += [n for n, h in entry["files"].items() if shipped.get(n) != h]
            print("all SHA-256 match the manifest" if not bad else f"differ from the manifest: {bad}")
            return 1 if bad else 0
    for kind in kinds:
        if not args.collect:
            train_kind(kind, df, X, y, CHECKPOINT_DIR, folds=args.fold or range(1, 6))
        if args.fold and not args.collect:
            continue
        names = [f"ch09_{kind}_fold{fold}.pt" for fold in range(1, 6)]
        missing = [n for n in names if not (CHECKPOINT_DIR / n).exists()]
        if missing:
            raise SystemExit(f"cannot write the manifest of {kind}: {missing} not trained yet")
        for n in names:
            state, meta = load_checkpoint(CHECKPOINT_DIR / n)
            if any(v.dtype == torch.float32 for v in state.values()):
                save_checkpoint(CHECKPOINT_DIR / n, compact(state), meta)
        manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}  # another kind may have landed
        manifest[kind] = {"data": data_digest(df), "recipe": repr(KINDS[kind]),
                          "files": {n: sha256_file(CHECKPOINT_DIR / n) for n in names}}
        MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        print(f"{MANIFEST.name}: {kind} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
