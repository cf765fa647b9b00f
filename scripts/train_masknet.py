"""Train chapter 5's mask network (``course_utils.enhancement.MaskNet``) for longer than the notebook can.

    python scripts/train_masknet.py                 # the shipped recipe on actors 1-16 -> course_utils/checkpoints/
    python scripts/train_masknet.py --dev           # the same recipe on actors 1-12, scored on dev actors 13-16
    python scripts/train_masknet.py --dev --steps 800 --loss combined --n-bands 32   # try a variant on dev
    python scripts/train_masknet.py --dev --dev-train-actors 6      # fewer training speakers, same dev scoring

The recipe (and every hyper-parameter choice) is selected on the **dev** split: training actors 1-12,
dev actors 13-16 with their own babble talkers, scored on babble at 0 dB (SI-SDR and PESQ-WB against
noisereduce and the oracle ratio mask). The test actors 17-24 are never used here; the notebook
``notebooks/05_speech_enhancement.ipynb`` scores the shipped checkpoint on them.

Deterministic: fixed seeds, one thread, so the same command writes the same weights (the sha256 is
printed and stored in the checkpoint's JSON, and the notebook checks it before loading). The weights
derive from RAVDESS (CC BY-NC-SA 4.0), see ``data/README.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
SR = 16000

#: Steps of the shipped checkpoint (the rest of the recipe is ``course_utils.enhancement.MASKNET_RECIPE``).
STEPS = 4000


def training_data(train_actors, allow_synthetic=False, babble_per_actor=0, noise_seconds=None):
    """Clean utterances and the four training noises for ``train_actors`` (as in the notebook:
    ``babble_per_actor`` utterances per actor become babble talkers, all the others are target
    speech; ``babble_per_actor=0`` makes every utterance both target speech and babble talker)."""
    from course_utils import enhancement as enh
    from course_utils.audio import load_audio
    from course_utils.datasets import load_ravdess

    df = load_ravdess(allow_synthetic=allow_synthetic)
    tr = df[df.actor.isin(train_actors)]
    noise_seconds = enh.TRAIN_NOISE_SECONDS if noise_seconds is None else noise_seconds
    if babble_per_actor:
        babble_df = tr.groupby("actor").sample(babble_per_actor, random_state=1)
        clean_df = tr.drop(babble_df.index)
        clean = [load_audio(p, sr=SR) for p in clean_df.path]
        babble = [load_audio(p, sr=SR) for p in babble_df.path]
    else:
        clean = babble = [load_audio(p, sr=SR) for p in tr.path]
    noises = {k: enh.make_noise(k, noise_seconds, SR, part="train", babble_pool=babble) for k in enh.NOISE_KINDS}
    return clean, noises, df.attrs["synthetic"]


def dev_scores(model, dev_actors=(13, 14, 15, 16), per_actor=10, snr=0.0, noise="babble"):
    """Babble-0-dB scores on the dev actors: a dict method -> (SI-SDR, PESQ) means."""
    from course_utils import enhancement as enh
    from course_utils.audio import load_audio
    from course_utils.datasets import load_ravdess

    df = load_ravdess(allow_synthetic=False)
    dv = df[df.actor.isin(dev_actors)]
    clean_df = dv.groupby("actor").sample(per_actor, random_state=0)
    babble_df = dv.drop(clean_df.index).groupby("actor").sample(3, random_state=1)
    clean = [load_audio(p, sr=SR) for p in clean_df.path]
    babble = [load_audio(p, sr=SR) for p in babble_df.path]
    if noise == "babble":  # as in the notebook: each target's babble holds only the other dev actors' voices
        nz = {noise: enh.babble_without_target(list(clean_df.actor), babble, list(babble_df.actor), 20, SR, seed=7)}
    else:
        nz = {noise: enh.make_noise(noise, 20, SR, part="test", seed=7)}
    mixes = enh.make_mixtures(clean, nz, [snr], seed=3)
    methods = {k: v for k, v in enh.enhance_methods(model).items() if k != "oracle binary mask"
               and not k.startswith(("spectral", "Wiener"))}
    scores = enh.evaluate_methods(mixes, methods, SR, full_metrics_snrs=(snr,), progress=False)
    means = scores.groupby("method")[["si_sdr", "pesq"]].mean()
    return {k: (float(means.loc[k, "si_sdr"]), float(means.loc[k, "pesq"])) for k in methods}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dev", action="store_true", help="train on actors 1-12 and score on dev actors 13-16")
    ap.add_argument("--dev-train-actors", type=int, default=12, choices=range(2, 13), metavar="N",
                    help="with --dev: train on actors 1-N only (default 12), to see what more speakers buy")
    ap.add_argument("--babble-weight", type=float, default=None,
                    help="probability weight of babble, the other noises weigh 1 (default: the recipe's)")
    ap.add_argument("--babble-per-actor", type=int, default=0,
                    help="training utterances per actor used only as babble talkers (default 0: all utterances "
                         "are both targets and babble talkers)")
    ap.add_argument("--noise-seconds", type=float, default=None,
                    help="length of each training noise (default: enhancement.TRAIN_NOISE_SECONDS)")
    ap.add_argument("--out", type=Path, help="where to write the state_dict (default: course_utils/checkpoints/)")
    from course_utils.enhancement import MASKNET_RECIPE

    RECIPE = dict(steps=STEPS, **MASKNET_RECIPE)
    for k, v in RECIPE.items():
        if k == "noise_weights":
            continue
        if isinstance(v, bool):
            ap.add_argument(f"--{k.replace('_', '-')}", type=lambda s: s.lower() in ("1", "true", "yes"), default=v)
        else:
            ap.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    args = ap.parse_args()
    recipe = {k: getattr(args, k) for k in RECIPE if k != "noise_weights"}
    recipe["noise_weights"] = (RECIPE["noise_weights"] if args.babble_weight is None else
                               {"babble": args.babble_weight, "music": 1.0, "pink": 1.0, "white": 1.0})

    import torch
    from course_utils import enhancement as enh
    from course_utils.cache import atomic_write_text, file_digest

    torch.set_num_threads(1)
    actors = range(1, args.dev_train_actors + 1) if args.dev else range(1, 17)
    clean, noises, synthetic = training_data(actors, babble_per_actor=args.babble_per_actor,
                                             noise_seconds=args.noise_seconds)
    if synthetic:
        sys.exit("train_masknet.py needs the RAVDESS mirror (set COURSE_DATA_DIR)")
    print(f"training on {len(clean)} utterances of actors {actors.start}-{actors.stop - 1}: {recipe}", flush=True)
    t0 = time.process_time()
    model, history = enh.train_mask_net(clean, noises, progress=False, **recipe)
    cpu = time.process_time() - t0
    print(f"trained {recipe['steps']} steps in {cpu:.0f} s CPU; loss first/last 50: "
          f"{sum(history['loss'][:50]) / 50:.3f} / {sum(history['loss'][-50:]) / 50:.3f}", flush=True)
    out = args.out or ROOT / "course_utils" / "checkpoints" / ("ch05_masknet_dev.pt" if args.dev else "ch05_masknet.pt")
    out.parent.mkdir(parents=True, exist_ok=True)
    # straight to its name, not through a temporary file: torch.save names the zip archive inside the .pt
    # after the file, so the bytes (and the sha256 the notebook checks) would depend on a temporary name
    torch.save(model.state_dict(), out)
    meta = {"recipe": recipe, "train_actors": [actors.start, actors.stop - 1], "n_utterances": len(clean),
            "babble_per_actor": args.babble_per_actor,
            "noise_seconds": enh.TRAIN_NOISE_SECONDS if args.noise_seconds is None else args.noise_seconds,
            "n_freq": model.n_freq, "hidden": model.hidden, "layers": model.layers,
            "bidirectional": model.bidirectional, "n_bands": model.n_bands, "sha256": file_digest(out),
            "cpu_seconds": round(cpu), "history": [round(x, 4) for x in history["loss"]],
            "license": "Derived from RAVDESS (Livingstone & Russo 2018), CC BY-NC-SA 4.0"}
    atomic_write_text(out.with_suffix(".json"), json.dumps(meta))
    print(f"wrote {out} (sha256 {meta['sha256']})")
    if args.dev:
        t0 = time.process_time()
        scores = dev_scores(model)
        for k, (s, p) in scores.items():
            print(f"DEV babble 0 dB  {k:28s} SI-SDR {s:6.2f} dB  PESQ {p:.3f}")
        best_nr = max(scores["noisereduce stationary"][0], scores["noisereduce non-stationary"][0])
        net, noisy, orc = scores["MaskNet (trained)"], scores["noisy"], scores["oracle ratio mask"]
        print(f"DEV RESULT {recipe}: gain vs noisereduce {net[0] - best_nr:+.2f} dB, "
              f"PESQ gap closed {100 * (net[1] - noisy[1]) / (orc[1] - noisy[1]):.0f} % "
              f"(scoring {time.process_time() - t0:.0f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
