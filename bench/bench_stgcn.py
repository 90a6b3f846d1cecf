"""STGCN++ training throughput: our SkeletonTableDataset against MMAction2's PoseDataset.

Same tables (PoseDataset reads them through the exported MMAction2 pickle), same pipeline, same
model, batch and initial weights; the two alternate within one run and only ratios are printed
(ours / PoseDataset, > 1 means ours is faster). Run from the project root:

    .venv/bin/python bench/bench_stgcn.py --data data/skeletons/rwf2000 --task fight
"""

from __future__ import annotations

import argparse
import dataclasses
import copy
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

import mmstack
from tasks.video.mmaction import export_pickle
from training.stgcn.config import model as model_config
from training.stgcn.config import pipeline
from training.stgcn.dataset import SkeletonTableDataset, pose_results
from training.stgcn.params import StgcnParams
from training.skeleton_tables import persons_per_clip
from training.stgcn.train import data_classes

from compare import alternate, data_rate, loader, report, timed

ROOT = Path(__file__).resolve().parents[1]


def train_rate(model, initial: dict, dataset, batch_size: int, iters: int, params: StgcnParams, seed: int) -> float:
    """Samples a second through data loading, forward, backward and an AdamW step with clipping."""
    OptimWrapper = mmstack.import_module("mmengine.optim").OptimWrapper
    model.load_state_dict(initial)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    wrapper = OptimWrapper(optimizer, clip_grad=dict(max_norm=params.grad_clip, norm_type=2))
    torch.manual_seed(seed)
    np.random.seed(seed)
    batches = iter(loader(dataset, batch_size, seed))
    model.train_step(next(batches), wrapper)  # warm-up step, not timed
    started = time.perf_counter()
    seen = 0
    for _ in range(iters):
        try:
            batch = next(batches)
        except StopIteration:
            batches = iter(loader(dataset, batch_size, seed))
            batch = next(batches)
        model.train_step(batch, wrapper)
        seen += len(batch["inputs"])
    return seen / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "skeletons" / "rwf2000")
    parser.add_argument("--task", default="fight", help="the stgcn.<task> block of params.yaml to take the setup from")
    parser.add_argument("--split", default="train")
    parser.add_argument("--iters", type=int, default=4, help="timed training steps per measurement")
    parser.add_argument("--repeats", type=int, default=5, help="alternating measurements of each dataset")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; 1 keeps the ratio steady on a shared machine (same for both sides)")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the task's batch_size")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    block = yaml.safe_load((ROOT / "params.yaml").read_text())["stgcn"][args.task]
    params = StgcnParams.from_dict({**block, "data": str(args.data)}, f"params.yaml stgcn.{args.task}")
    if params.num_person is None:
        params = dataclasses.replace(params, num_person=persons_per_clip(args.data))
    batch_size = args.batch_size or params.batch_size
    mmstack.register("mmaction")
    mmstack.import_module("mmengine.registry").init_default_scope("mmaction")
    PoseDataset = mmstack.import_module("mmaction.datasets").PoseDataset
    steps = pipeline(params, test_mode=False)
    names = data_classes(args.data)

    with tempfile.TemporaryDirectory() as tmp:
        ann_file = Path(tmp) / "skeletons.pkl"
        export_seconds, _ = timed(lambda: export_pickle(args.data, params.num_person, ann_file))

        def make_ours() -> SkeletonTableDataset:
            return SkeletonTableDataset(args.data, args.split, steps, params.num_person)

        def make_theirs():
            return PoseDataset(ann_file=str(ann_file), pipeline=steps, split=args.split)

        setup = alternate(args.repeats, lambda: timed(make_ours)[0], lambda: timed(make_theirs)[0])
        ours, theirs = make_ours(), make_theirs()
        if len(ours) != len(theirs) or len(ours) < batch_size:
            raise SystemExit(f"{args.data} split {args.split!r}: ours has {len(ours)} samples, PoseDataset "
                             f"{len(theirs)}; need equal counts and at least one batch of {batch_size}")
        same_data(args.data, args.split, params, ann_file, PoseDataset)
        print(f"{args.data} split {args.split!r}: {len(ours)} samples, classes {names}, batch {batch_size}, "
              f"clip_len {params.clip_len}, num_person {params.num_person}, {torch.get_num_threads()} thread(s)")
        print("ratios ours / PoseDataset (> 1: ours is faster), median of alternating repeats:")
        setup_ratios = [theirs_s / ours_s for ours_s, theirs_s in setup]
        export_ratios = [(theirs_s + export_seconds) / ours_s for ours_s, theirs_s in setup]
        report("dataset setup (tables vs pickle)", setup_ratios)
        report("  counting the export to the pickle", export_ratios)
        assembly = alternate(args.repeats, lambda: assembly_seconds(lambda i: pose_results(ours.samples[i], i), len(ours)),
                             lambda: assembly_seconds(theirs.get_data_info, len(theirs)))
        report("item assembly (the dataset's own work)", [t / o for o, t in assembly])
        loading = alternate(args.repeats, lambda: data_rate(ours, batch_size, 8, seed=0),
                            lambda: data_rate(theirs, batch_size, 8, seed=0))
        report("data loading only (samples/s)", [o / t for o, t in loading])
        torch.manual_seed(params.seed)
        model = mmstack.build_action_model(model_config(params, params.class_weights(names)))
        initial = copy.deepcopy(model.state_dict())
        training = alternate(args.repeats, lambda: train_rate(model, initial, ours, batch_size, args.iters, params, 0),
                             lambda: train_rate(model, initial, theirs, batch_size, args.iters, params, 0))
        report("training (samples/s), target >= 1.0", [o / t for o, t in training])


def assembly_seconds(item, count: int, rounds: int = 20) -> float:
    """Time to hand the pipeline every sample's dict, before any transform runs."""
    started = time.perf_counter()
    for _ in range(rounds):
        for i in range(count):
            item(i)
    return time.perf_counter() - started


def same_data(folder: Path, split: str, params: StgcnParams, ann_file: Path, PoseDataset) -> None:
    """Test-mode sampling is fixed, so the two datasets must hand the model identical tensors."""
    steps = pipeline(params, test_mode=True)
    ours = SkeletonTableDataset(folder, split, steps, params.num_person, test_mode=True)
    theirs = PoseDataset(ann_file=str(ann_file), pipeline=steps, split=split, test_mode=True)
    by_name = {theirs.get_data_info(i)["frame_dir"]: i for i in range(len(theirs))}
    for i in range(0, len(ours), max(1, len(ours) // 8)):
        j = by_name[ours.samples[i].sample_id]
        if not torch.equal(ours[i]["inputs"], theirs[j]["inputs"]):
            raise SystemExit(f"sample {ours.samples[i].sample_id}: the datasets disagree; the comparison would be void")


if __name__ == "__main__":
    main()
