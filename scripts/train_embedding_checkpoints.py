"""Train the course's speaker-embedding checkpoints that ship in ``course_utils/checkpoints/``.

    python scripts/train_embedding_checkpoints.py            # (re)write the checkpoints + manifest
    python scripts/train_embedding_checkpoints.py --check    # retrain in a temp folder, compare SHA-256
    python scripts/train_embedding_checkpoints.py --rekey    # new keys for the current code, same weights

Needs the real RAVDESS (``COURSE_DATA_DIR`` or ``python -m course_utils.datasets fetch``); it refuses
the synthetic stand-in. It runs :func:`course_utils.embeddings.recipes.train_kind` -- the very function
``load_or_train`` calls in a notebook -- with the configurations in ``course_utils.embeddings.CONFIGS``,
seed 0, one CPU thread, on two training sets:

* ``train``: RAVDESS actors 1-16, the models chapters 2, 3, 7 and 8 use;
* ``dev``: RAVDESS actors 1-12, the development models chapter 3 uses to choose back-ends and
  learn score-fusion weights on actors 13-16 (actors 17-24 are never used for any choice).

Each checkpoint is a torch ``state_dict`` (``<kind>-<split>.pt``, loadable with
``torch.load(..., weights_only=True)``) with a JSON sidecar (configuration, speakers, training CPU
seconds, training curves). ``embeddings_manifest.json`` records each file's SHA-256 and the portable key
(kind, configuration, seed, training code, training files) that ``load_or_train`` matches before using
it. Training is deterministic (fixed seeds, one thread), so ``--check`` reproduces the same bytes on
the same torch/NumPy versions and CPU kind (torch's convolution kernels differ between processors:
the network weights made on another machine are not reproduced bit for bit elsewhere, even by
unchanged code).

``--rekey`` writes new manifest keys for the current training code without retraining or touching
the weights. Use it only for a change that cannot alter training (a refactoring whose weights
``--check`` or a comparison with the previous code showed to be identical): the key's code digest
(:func:`course_utils.embeddings.shipped.code_digest`) ignores docstrings, comments and layout, but
any other edit of the training code unkeys the checkpoints. The weights are derived from RAVDESS (CC BY-NC-SA 4.0, see data/README.md).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

TRAINED_KINDS = ("mfcc_stats", "ivector", "xvector_ce", "xvector_aam", "dvector")
SPLITS = {"train": 16, "dev": 12}   # split name -> last training actor


def train_all(out_dir: Path, progress: bool = True) -> list[dict]:
    from course_utils import embeddings as E
    from course_utils.checkpoint import save_checkpoint
    from course_utils.parallel import torch_threads

    full = E.default_train_df()
    if full.attrs.get("synthetic"):
        raise SystemExit("train_embedding_checkpoints: the real RAVDESS is needed (found only the synthetic stand-in); "
                         "set COURSE_DATA_DIR or run `python -m course_utils.datasets fetch`")
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for split, last_actor in SPLITS.items():
        train_df = full[full["actor"] <= last_actor].reset_index(drop=True)
        train_df.attrs.update(full.attrs)
        for kind in TRAINED_KINDS:
            t0 = time.time()
            with torch_threads(1):
                state, info, history = E.train_kind(kind, train_df, 0, progress)
            info.update(train_actors=f"RAVDESS actors 1-{last_actor}", split=split,
                        trained_by="scripts/train_embedding_checkpoints.py")
            name = f"{kind}-{split}.pt"
            # NumPy arrays are stored as tensors (every checkpoint is a state_dict); the bytes are those of a
            # direct torch.save under the final name, so the SHA-256 is reproducible
            sha256 = save_checkpoint(out_dir / name, state, dict(info=info, history=history))
            entries.append(dict(kind=kind, split=split, file=name, key=E.portable_key(kind, train_df, 0),
                                sha256=sha256, train_actors=f"1-{last_actor}",
                                n_files=int(len(train_df)), train_cpu_seconds=info["train_cpu_seconds"]))
            print(f"{name}: {info['train_cpu_seconds']} s CPU ({time.time() - t0:.0f} s wall), "
                  f"sha256 {entries[-1]['sha256'][:16]}", flush=True)
    return entries


def rekey(manifest_path: Path) -> int:
    """Replace each manifest entry's key by the key of the current training code (nothing else changes)."""
    from course_utils import embeddings as E

    full = E.default_train_df()
    if full.attrs.get("synthetic"):
        raise SystemExit("train_embedding_checkpoints --rekey: the real RAVDESS is needed (the key covers its files)")
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["checkpoints"]:
        train_df = full[full["actor"] <= SPLITS[entry["split"]]].reset_index(drop=True)
        train_df.attrs.update(full.attrs)
        old, entry["key"] = entry["key"], E.portable_key(entry["kind"], train_df, 0)
        print(f"{entry['file']}: {old} -> {entry['key']}")
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="retrain into a temporary folder and compare SHA-256")
    parser.add_argument("--rekey", action="store_true",
                        help="recompute the manifest keys for the current code; weights and SHA-256 unchanged")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from course_utils.embeddings import CHECKPOINT_DIR

    if args.rekey:
        return rekey(CHECKPOINT_DIR / "embeddings_manifest.json")
    if args.check:
        manifest = json.loads((CHECKPOINT_DIR / "embeddings_manifest.json").read_text())
        want = {e["file"]: e for e in manifest["checkpoints"]}
        with tempfile.TemporaryDirectory() as tmp:
            got = train_all(Path(tmp), progress=not args.no_progress)
        bad = [e["file"] for e in got if e["file"] not in want
               or (e["sha256"], e["key"]) != (want[e["file"]]["sha256"], want[e["file"]]["key"])]
        print("all checkpoints reproduced exactly" if not bad else f"NOT reproduced: {bad}")
        return 1 if bad else 0
    entries = train_all(CHECKPOINT_DIR, progress=not args.no_progress)
    (CHECKPOINT_DIR / "embeddings_manifest.json").write_text(json.dumps(dict(
        note="Speaker-embedding weights trained on RAVDESS (CC BY-NC-SA 4.0) by scripts/train_embedding_checkpoints.py; "
             "non-commercial use only. load_or_train verifies each file's sha256 before loading.",
        checkpoints=entries), indent=1))
    print(f"wrote {len(entries)} checkpoints and embeddings_manifest.json to {CHECKPOINT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
