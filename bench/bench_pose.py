"""RTMPose training throughput: our shard-backed dataset against MMPose's own CocoDataset.

The same images are written out as a COCO folder (JPEGs + person_keypoints JSON) for CocoDataset;
both datasets feed the same train pipeline and the same model from the same initial weights, and
the two alternate within one run; only ratios are printed (ours / CocoDataset, > 1: ours is faster).
Run from the project root after `dvc repro shards@coco`:

    .venv/bin/python bench/bench_pose.py --data data/shards/coco
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

import mmstack
from schemas.shards import normalise
from training.pose.config import model as model_config
from training.pose.config import train_pipeline
from training.pose.dataset import ShardCocoDataset, open_index
from training.pose.evaluate import write_ground_truth
from training.pose.params import PoseParams

from compare import alternate, data_rate, loader, report, timed

ROOT = Path(__file__).resolve().parents[1]


def coco_folder(shards: Path, folder: Path) -> tuple[Path, Path]:
    """The split's images and annotations as a plain COCO tree (what CocoDataset reads)."""
    images = folder / "images"
    images.mkdir(parents=True)
    ann_file = write_ground_truth(shards, folder / "annotations.json")
    dataset = open_index(shards)
    for index in range(len(dataset)):
        sample = normalise(dataset[index])
        meta = json.loads(sample["json"].getvalue())
        (images / meta["file_name"]).write_bytes(sample["jpg"].getvalue())
    return ann_file, images


def train_rate(model, initial: dict, dataset, batch_size: int, iters: int, params: PoseParams) -> float:
    """Samples a second through loading, forward, backward and an AdamW step."""
    OptimWrapper = mmstack.import_module("mmengine.optim").OptimWrapper
    model.load_state_dict(initial)
    model.train()
    wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=params.lr, weight_decay=params.weight_decay))
    torch.manual_seed(0)
    np.random.seed(0)
    batches = iter(loader(dataset, batch_size, 0))
    model.train_step(next(batches), wrapper)  # warm-up step, not timed
    started, seen = time.perf_counter(), 0
    for _ in range(iters):
        try:
            batch = next(batches)
        except StopIteration:
            batches = iter(loader(dataset, batch_size, 0))
            batch = next(batches)
        model.train_step(batch, wrapper)
        seen += len(batch["inputs"])
    return seen / (time.perf_counter() - started)


def same_items(ours: ShardCocoDataset, theirs) -> None:
    """Both datasets must list the same persons with the same boxes and keypoints, or the ratio is void."""
    def key(info: dict) -> tuple:
        return (info["id"], info["bbox"].round(3).tobytes(), info["keypoints"].round(3).tobytes())

    mine = sorted(key(ours.get_data_info(i)) for i in range(len(ours)))
    other = sorted(key(theirs.get_data_info(i)) for i in range(len(theirs)))
    if mine != other:
        raise SystemExit("the two datasets list different persons; the comparison would be void")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "shards" / "coco")
    parser.add_argument("--split", default="train")
    parser.add_argument("--iters", type=int, default=4, help="timed training steps per measurement")
    parser.add_argument("--repeats", type=int, default=5, help="alternating measurements of each dataset")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the same for both sides)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    block = yaml.safe_load((ROOT / "params.yaml").read_text())["pose"]
    params = PoseParams.from_dict({**block, "data": str(args.data)}, "params.yaml pose")
    mmstack.register("mmpose")
    mmstack.import_module("mmengine.registry").init_default_scope("mmpose")
    CocoDataset = mmstack.import_module("mmpose.datasets").CocoDataset
    steps = train_pipeline(params)
    shards = args.data / args.split
    with tempfile.TemporaryDirectory() as tmp:
        ann_file, images = coco_folder(shards, Path(tmp))

        def make_ours() -> ShardCocoDataset:
            return ShardCocoDataset(shards=str(shards), pipeline=steps)

        def make_theirs():
            return CocoDataset(ann_file=str(ann_file), data_prefix=dict(img=str(images) + "/"), pipeline=steps)

        setup = alternate(args.repeats, lambda: timed(make_ours)[0], lambda: timed(make_theirs)[0])
        ours, theirs = make_ours(), make_theirs()
        same_items(ours, theirs)
        batch = params.batch_size
        print(f"{shards}: {len(ours)} persons, batch {batch}, input {params.input_size}, {params.arch}, "
              f"{torch.get_num_threads()} thread(s)")
        print("ratios ours / CocoDataset (> 1: ours is faster), median of alternating repeats:")
        report("dataset setup (shards vs COCO folder)", [t / o for o, t in setup])
        loading = alternate(args.repeats, lambda: data_rate(ours, batch, 4, 0), lambda: data_rate(theirs, batch, 4, 0))
        report("data loading only (samples/s)", [o / t for o, t in loading])
        torch.manual_seed(params.seed)
        model = mmstack.build_pose_model(mmstack.import_module("mmengine.config").Config(dict(model=model_config(params))))
        model.train()
        initial = copy.deepcopy(model.state_dict())
        training = alternate(args.repeats, lambda: train_rate(model, initial, ours, batch, args.iters, params),
                             lambda: train_rate(model, initial, theirs, batch, args.iters, params))
        report("training (samples/s), target >= 1.0", [o / t for o, t in training])


if __name__ == "__main__":
    main()
