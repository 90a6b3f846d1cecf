"""Hand-mesh training: does the data path keep up with the training step?

Measured in one run, alternating, with the model and setup of params.yaml's `hand:` block:
- the data path: shards -> wids -> decoded, mirrored, batched clips -> the batch step (kornia's
  warp and colour jitter, labels and intrinsics moved along), in samples/s;
- the training step alone (forward, losses with MANO, backward, AdamW with clipping) on batches
  prepared beforehand, in samples/s;
- the I/O floor: reading the same shards' bytes with plain `tarfile`.
Only ratios are printed; the data path should deliver at least 3x what a step consumes.
Run from the project root after `dvc repro shards@interhand26m shards@dexycb`:

    .venv/bin/python bench/bench_hand.py
"""

from __future__ import annotations

import statistics
import tarfile
import time
from pathlib import Path

import torch
import yaml

import training.hand.model  # noqa: F401  (registers the model)
from training.hand.config import load_size, model as model_config
from training.hand.dataset import HandClipDataset, SourceWeightedSampler, hand_collate
from training.hand.params import HandParams

from compare import alternate, mesh_model_and_optimiser, step_bench_args, step_rate

ROOT = Path(__file__).resolve().parents[1]
TARGET = 3.0


def loader(dataset: HandClipDataset, params: HandParams, batches: int, seed: int) -> torch.utils.data.DataLoader:
    sampler = SourceWeightedSampler(dataset, params.weights, seed=seed, num_samples=batches * params.batch_size)
    return torch.utils.data.DataLoader(dataset, batch_size=params.batch_size, sampler=sampler, collate_fn=hand_collate,
                                       num_workers=params.num_workers, drop_last=True)


def data_rate(model, dataset: HandClipDataset, params: HandParams, batches: int, seed: int) -> float:
    """Samples a second from shard bytes to the augmented batch the network takes."""
    started = time.perf_counter()
    seen = 0
    for batch in loader(dataset, params, batches, seed):
        data = model.data_preprocessor(batch, True)
        seen += data["inputs"].shape[0]
    return seen / (time.perf_counter() - started)


def tar_rate(dataset: HandClipDataset, rounds: int = 3) -> float:
    """Samples a second reading every member's bytes of the same shards with plain tarfile."""
    shards = sorted(p for folder in dataset.shards.values() for p in (Path(folder) / dataset.split).glob("*.tar"))
    started = time.perf_counter()
    seen = 0
    for _ in range(rounds):
        for shard in shards:
            keys = set()
            with tarfile.open(shard) as tar:
                for member in tar:
                    tar.extractfile(member).read()
                    keys.add(member.name.split(".", 1)[0])
            seen += len(keys)
    return seen / (time.perf_counter() - started)


def report(name: str, ratios: list[float], target: float | None = None) -> None:
    verdict = "" if target is None else ("  ok" if statistics.median(ratios) >= target else f"  BELOW the {target:g}x target")
    print(f"  {name:<52s} {statistics.median(ratios):7.2f}x   (repeats: {', '.join(f'{x:.2f}' for x in ratios)}){verdict}")


def main() -> None:
    args = step_bench_args(__doc__, ROOT / "params.yaml")
    params = HandParams.from_dict(yaml.safe_load(args.params.read_text())["hand"], f"{args.params} hand")
    model, wrapper = mesh_model_and_optimiser(params, model_config(params))
    dataset = HandClipDataset(dict(params.shards), args.split, params.frames, load_size(params))
    prepared = [model.data_preprocessor(batch, True) for batch in loader(dataset, params, 2, seed=99)]
    step_rate(model, wrapper, prepared, 1)  # warm-up, not timed
    data_rate(model, dataset, params, 1, seed=98)
    print(f"{len(dataset)} clips of {', '.join(dataset.sources)} ({args.split}), batch {params.batch_size}, T={params.frames}, "
          f"{params.image_size} px, {params.num_workers} loader worker(s), {torch.get_num_threads()} torch thread(s)")
    seeds = iter(range(args.repeats))  # a fresh draw of clips for each data-path measurement
    pairs = alternate(args.repeats, lambda: data_rate(model, dataset, params, args.batches, seed=next(seeds)),
                      lambda: step_rate(model, wrapper, prepared, args.iters))
    io = [tar_rate(dataset) for _ in range(args.repeats)]
    print("ratios (samples/s over samples/s), median of alternating repeats:")
    report(f"data path / training step, target >= {TARGET:g}", [d / s for d, s in pairs], TARGET)
    report("data path / plain tarfile read of the same shards", [d / t for (d, _), t in zip(pairs, io)])


if __name__ == "__main__":
    main()
