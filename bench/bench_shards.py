"""Shard write and read throughput against plain `tarfile` floors measured in the same run.

The COCO sample (the synthetic one, or a real folder given with --coco-root/--annotations/--images)
is read through the COCO reader once, then replicated under new keys to a few thousand samples.

- write: the shard writer straight from the samples (tasks/shards/tarball.py: encode, cut, hash,
  rename) and the build's path (the same, plus each record's sha256 and the shard's state file, what
  lets a rebuild keep or mend the shard) against writing the same members with tarfile.addfile;
  target >= 0.7 of the floor.
- read: plain webdataset (its streaming tar stage), the project's webdataset pipeline (the one tar
  reader, tasks/shards/reading.py, walking local shards with seeks) and wids (indexed, in order and
  shuffled) against iterating the same tars with tarfile and reading every member; target >= 0.9
  of the floor.

Ratios are floor time / our time (higher is better; 1.0 = as fast as the floor); each number is
the best of --repeats interleaved runs, with the page cache warm. Prints ratios only, no absolute times.

    python bench/bench_shards.py --images 3000
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.environment import configure  # noqa: E402

configure(ROOT)

import webdataset as wds  # noqa: E402
import wids  # noqa: E402

from schemas.manifest import WIDS_INDEX_NAME, ShardEntry  # noqa: E402
from tasks.fingerprint import sha256_bytes, sha256_file  # noqa: E402
from tasks.readers import coco  # noqa: E402
from tasks.items import SampleRef  # noqa: E402
from tasks.shards import assemble  # noqa: E402
from tasks.shards.state import ItemState, ShardState  # noqa: E402
from tasks.shards.layout import cut, shard_name  # noqa: E402
from tasks.shards.reading import shard_pipeline  # noqa: E402
from tasks.shards.tarball import encode_sample, write_shard  # noqa: E402


def source_samples(root: Path | None, annotations: str, images: str, split: str, scratch: Path) -> list[dict]:
    if root is None:
        from synthetic import write_sample

        write_sample(scratch / "raw", seed=0, datasets=("coco",))
        root = scratch / "raw" / "coco"
    opts = {**coco.OPTIONS, "annotations": annotations, "images": images}
    samples = []
    for item in coco.enumerate_items(root, split, opts):
        samples += coco.load_records(root, item, opts)
    if not samples:
        raise SystemExit(f"no COCO samples under {root} ({annotations}, split {split})")
    return samples


def replicate(samples: list[dict], count: int) -> list[dict]:
    return [{**samples[i % len(samples)], "__key__": f"coco-bench-{i:07d}"} for i in range(count)]


def best(repeats: int, runs: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Best time of each run, the runs interleaved so that load from elsewhere hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def tarfile_floor(samples: list[dict], folder: Path, max_samples: int) -> None:
    """The same members, in the same shards, written the plain way."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, run in enumerate(cut([1] * len(samples), max_samples, 1 << 62)):
        with tarfile.open(folder / shard_name("coco", "bench", index), "w") as tar:
            for sample in samples[run.start:run.stop]:
                for ext in sorted(k for k in sample if not k.startswith("__")):
                    info = tarfile.TarInfo(f"{sample['__key__']}.{ext}")
                    info.size = len(sample[ext])
                    tar.addfile(info, io.BytesIO(sample[ext]))


def tarfile_floor_hashed(samples: list[dict], folder: Path, max_samples: int) -> None:
    """The floor plus what a manifest needs: each shard's sha256."""
    tarfile_floor(samples, folder, max_samples)
    for path in sorted(folder.glob("*.tar")):
        sha256_file(path)


def our_writer(samples: list[dict], folder: Path, max_samples: int) -> None:
    """The shard writer fed straight from the samples: encoded, cut, each shard hashed and renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    records = [encode_sample(s) for s in samples]
    for index, run in enumerate(cut([len(r) for r in records], max_samples, 1 << 62)):
        write_shard(folder / shard_name("coco", "bench", index), records[run.start:run.stop])


def flow_path(samples: list[dict], out: Path, max_samples: int) -> None:
    """What a shard task writes: the records straight into the shard, each record's sha256 and
    offset into the shard's state file beside it."""
    (out / "bench").mkdir(parents=True, exist_ok=True)
    records = [encode_sample(s) for s in samples]
    for index, run in enumerate(cut([len(r) for r in records], max_samples, 1 << 62)):
        name = shard_name("coco", "bench", index)
        states, offset = [], 0
        for sample, record in zip(samples[run.start:run.stop], records[run.start:run.stop]):
            states.append(ItemState(sample["__key__"], sample["__key__"], (SampleRef(sample["__key__"], offset, len(record), sha256_bytes(record)),)))
            offset += len(record)
        written = write_shard(out / "bench" / name, records[run.start:run.stop])
        ShardState(name, written.bytes, written.sha256, tuple(states)).save(out / "state" / f"{name}.json")


def read_tarfile(urls: list[str]) -> int:
    count = 0
    for url in urls:
        with tarfile.open(url) as tar:
            for member in tar:
                count += len(tar.extractfile(member).read())
    return count


def read_tarfile_stream(urls: list[str]) -> int:
    """tarfile's sequential mode ("r|"), the one webdataset reads through."""
    count = 0
    for url in urls:
        with open(url, "rb") as handle, tarfile.open(fileobj=handle, mode="r|") as tar:
            for member in tar:
                count += len(tar.extractfile(member).read())
    return count


def read_webdataset(urls: list[str]) -> int:
    return sum(len(v) for s in wds.WebDataset(urls, shardshuffle=False) for k, v in s.items() if not k.startswith("__"))


def read_pipeline(urls: list[str]) -> int:
    """webdataset's pipeline with the project's seekable tar stage (tasks/shards/reading.py)."""
    return sum(len(v) for s in shard_pipeline(urls) for k, v in s.items() if not k.startswith("__"))


def read_wids(index: Path, order: list[int]) -> int:
    dataset = wids.ShardListDataset(str(index), localname=lambda url: url, transformations=[])
    total = 0
    for i in order:
        total += sum(len(v.getvalue()) for k, v in dataset[i].items() if not k.startswith("__"))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=3000, help="samples after replication")
    parser.add_argument("--max-samples", type=int, default=500, help="samples per shard")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--coco-root", type=Path, default=None, help="a COCO folder instead of the synthetic sample")
    parser.add_argument("--annotations", default=coco.OPTIONS["annotations"])
    parser.add_argument("--images-dir", default=coco.OPTIONS["images"])
    parser.add_argument("--split", default="train")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        scratch = Path(tmp)
        samples = replicate(source_samples(args.coco_root, args.annotations, args.images_dir, args.split, scratch), args.images)
        payload = sum(len(v) for s in samples for k, v in s.items() if not k.startswith("__"))
        print(f"{len(samples)} samples, {payload / 1e6:.0f} MB of members, shards of {args.max_samples}")

        writes = best(args.repeats, {
            "floor": lambda: tarfile_floor(samples, scratch / "floor", args.max_samples),
            "ours": lambda: our_writer(samples, scratch / "ours", args.max_samples),
            "flow": lambda: flow_path(samples, scratch / "flow", args.max_samples),
            "floor + sha256": lambda: tarfile_floor_hashed(samples, scratch / "hashed", args.max_samples),
        })
        floor, ours, flow = writes["floor"], writes["ours"], writes["flow"]
        same = all((scratch / "ours" / p.name).read_bytes() == p.read_bytes() for p in (scratch / "flow" / "bench").glob("*.tar"))
        print(f"write  shard writer / tarfile floor:           {floor / ours:.2f}  (target >= 0.70)")
        print(f"write  shard writer / tarfile + sha256 floor:  {writes['floor + sha256'] / ours:.2f}  (the manifest needs each sha256)")
        print(f"write  build path (+ state) / floor:           {floor / flow:.2f}  (each record hashed for the state)")
        print(f"write  build shards identical to the writer's: {same}")

        folder = scratch / "ours"
        shards = sorted(folder.glob("*.tar"))
        entries = [ShardEntry(p.name, n.stop - n.start, p.stat().st_size, "")
                   for p, n in zip(shards, cut([1] * len(samples), args.max_samples, 1 << 62))]
        (folder / WIDS_INDEX_NAME).write_text(assemble.wids_index("coco", "bench", entries))
        urls = [str(p) for p in shards]
        expected = read_tarfile(urls)  # also warms the page cache
        order = list(range(len(samples)))
        shuffled = random.Random(0).sample(order, len(order))
        results = best(args.repeats, {
            "tarfile": lambda: read_tarfile(urls),
            "tarfile stream": lambda: read_tarfile_stream(urls),
            "webdataset": lambda: read_webdataset(urls),
            "webdataset pipeline": lambda: read_pipeline(urls),
            "wids in order": lambda: read_wids(folder / WIDS_INDEX_NAME, order),
            "wids shuffled": lambda: read_wids(folder / WIDS_INDEX_NAME, shuffled),
        })
        assert read_webdataset(urls) == expected == read_pipeline(urls) == read_wids(folder / WIDS_INDEX_NAME, shuffled) == read_tarfile_stream(urls)
        for name in ("webdataset", "webdataset pipeline", "wids in order", "wids shuffled"):
            print(f"read   {name} / tarfile floor:{' ' * (22 - len(name))}{results['tarfile'] / results[name]:.2f}  (target >= 0.90)")
        print(f"read   webdataset / tarfile stream-mode floor: {results['tarfile stream'] / results['webdataset']:.2f}"
              "  (webdataset reads through this mode)")
        print(f"read   tarfile stream mode / tarfile floor:    {results['tarfile'] / results['tarfile stream']:.2f}")
        ratios = {"write_writer": floor / ours, "write_writer_vs_hashed": writes["floor + sha256"] / ours, "write_flow": floor / flow,
                  **{f"read_{k.replace(' ', '_')}": results["tarfile"] / v for k, v in results.items() if k != "tarfile"},
                  "read_webdataset_vs_stream": results["tarfile stream"] / results["webdataset"]}
        print(json.dumps({k: round(v, 3) for k, v in ratios.items()}))


if __name__ == "__main__":
    main()
