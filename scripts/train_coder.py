"""Train the coder model and write `bot/coder/model_data/weights.json.gz` (reproducible: same data, same file).

Needs the `train` extra (scikit-learn, numpy):  .venv/bin/pip install -e '.[train]'
Usage:  .venv/bin/python scripts/train_coder.py [--annomi PATH] [--da-dev PATH] [--en-dev PATH] [--out PATH]
                                               [--tune-offsets]

`--tune-offsets` only prints the per-code decision offsets tuned on the grouped cross-validated
predictions (AnnoMI, da_dev with en_dev in training; several minutes), to copy into `Config.offsets_da` / `offsets_en`.

Trains on ALL of AnnoMI's training transcripts and ALL of data/coder/da_dev.jsonl and en_dev.jsonl with the
settings in `bot.coder.training.Config` (chosen by grouped cross-validation: `mi-trainer eval-coder`).
The held-out test splits (data/coder/da_test.jsonl, en_test.jsonl) are never read here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.coder.coder import Coder  # noqa: E402
from bot.coder.model import WEIGHTS_FILE, CoderModel  # noqa: E402
from bot.coder.training import (  # noqa: E402
    ANNOMI,
    DA_DEV,
    EN_DEV,
    Config,
    cross_validated_offsets,
    featurize,
    load_annomi,
    load_labelled,
    train,
)

OUT = ROOT / "bot" / "coder" / "model_data" / WEIGHTS_FILE
SEED = 20261123


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annomi", type=Path, default=ANNOMI,
                        help="AnnoMI training transcripts (CSV; default: ../shared/data/annomi/annomi_train.csv)")
    parser.add_argument("--da-dev", type=Path, default=DA_DEV,
                        help="Danish labelled replies, JSON Lines (default: data/coder/da_dev.jsonl)")
    parser.add_argument("--en-dev", type=Path, default=EN_DEV,
                        help="English labelled replies, JSON Lines (default: data/coder/en_dev.jsonl)")
    parser.add_argument("--out", type=Path, default=OUT,
                        help="where to write the weights (default: bot/coder/model_data/weights.json.gz)")
    parser.add_argument("--tune-offsets", action="store_true", help="print CV-tuned decision offsets, write nothing")
    args = parser.parse_args(argv)
    random.seed(SEED)
    try:
        import numpy as np
    except ImportError:
        print("train_coder: needs the train extra (pip install -e '.[train]')", file=sys.stderr)
        return 1
    np.random.seed(SEED)
    started = time.perf_counter()
    annomi, danish = load_annomi(args.annomi), load_labelled(args.da_dev, "da")
    english = load_labelled(args.en_dev, "en")
    samples = [*annomi, *danish, *english]
    featurize(samples, Coder(model=None))
    config = Config()
    if args.tune_offsets:
        offsets_da, offsets_en = cross_validated_offsets(annomi, [*danish, *english], config)
        print(f"offsets_da: tuple[tuple[str, float], ...] = {offsets_da!r}")
        print(f"offsets_en: tuple[tuple[str, float], ...] = {offsets_en!r}")
        return 0
    meta = {"trained_on": {"annomi": args.annomi.name, "da_dev": args.da_dev.name, "en_dev": args.en_dev.name},
            "samples": len(samples), "config": {k: getattr(config, k) for k in config.__dataclass_fields__}}
    weights = train(samples, config, meta)
    raw = json.dumps(weights, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    CoderModel.from_bytes(packed)  # refuse to write weights the runtime cannot read
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(packed)
    print(f"wrote {args.out} ({len(packed) / 1e6:.2f} MB, {len(weights['vocabulary'])} features, "
          f"{len(samples)} replies) in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
