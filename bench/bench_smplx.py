"""SMPL-X training: does the data path keep up with the training step?

Measured in one run, alternating, with the model and setup of params.yaml's `smplx:` block:
- the data path: COCO shards -> wids -> decoded person crops -> batched -> the batch step (kornia's
  warp and colour jitter, keypoints and intrinsics moved along), in samples/s;
- the training step alone (forward, SMPL-X joints, losses, backward, AdamW with clipping) on
  batches prepared beforehand, in samples/s.
Only the ratio is printed; the data path should deliver at least 3x what a step consumes.
Run from the project root after `dvc repro shards@coco`:

    .venv/bin/python bench/bench_smplx.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch
import yaml

import training.smplx.model  # noqa: F401  (registers the model)
from training.smplx.config import load_size, model as model_config
from training.smplx.dataset import SmplxPersonDataset, smplx_collate
from training.smplx.params import SmplxParams

from compare import alternate, mesh_model_and_optimiser, report, step_bench_args, step_rate

ROOT = Path(__file__).resolve().parents[1]
TARGET = 3.0


def loader(dataset: SmplxPersonDataset, params: SmplxParams, seed: int) -> torch.utils.data.DataLoader:
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(dataset, batch_size=params.batch_size, shuffle=True, generator=generator,
                                       collate_fn=smplx_collate, num_workers=params.num_workers, drop_last=True)


def data_rate(model, dataset: SmplxPersonDataset, params: SmplxParams, batches: int, seed: int) -> float:
    """Samples a second from shard bytes to the augmented batch the network takes."""
    started = time.perf_counter()
    seen = 0
    while seen < batches * params.batch_size:
        for batch in loader(dataset, params, seed + seen):
            seen += model.data_preprocessor(batch, True)["inputs"].shape[0]
            if seen >= batches * params.batch_size:
                break
    return seen / (time.perf_counter() - started)


def main() -> None:
    args = step_bench_args(__doc__, ROOT / "params.yaml")
    params = SmplxParams.from_dict(yaml.safe_load(args.params.read_text())["smplx"], f"{args.params} smplx")
    model, wrapper = mesh_model_and_optimiser(params, model_config(params))
    dataset = SmplxPersonDataset(params.shards, args.split, load_size(params), params.crop_scale, params.min_keypoints)
    prepared = [model.data_preprocessor(batch, True) for _, batch in zip(range(2), loader(dataset, params, 99))]
    step_rate(model, wrapper, prepared, 1)  # warm-up, not timed
    data_rate(model, dataset, params, 1, seed=98)
    print(f"{len(dataset)} persons of {params.shards} ({args.split}), batch {params.batch_size}, {params.image_size} px, "
          f"{params.num_workers} loader worker(s), {torch.get_num_threads()} torch thread(s)")
    pairs = alternate(args.repeats, lambda: data_rate(model, dataset, params, args.batches, seed=len(prepared)),
                      lambda: step_rate(model, wrapper, prepared, args.iters))
    ratios = [d / s for d, s in pairs]
    print("ratio (samples/s over samples/s), median of alternating repeats:")
    report(f"data path / training step, target >= {TARGET:g}", ratios)
    print("  ok" if statistics.median(ratios) >= TARGET else f"  BELOW the {TARGET:g}x target")


if __name__ == "__main__":
    main()
