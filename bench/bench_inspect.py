"""How `shards stats` and the other inspection commands compare with reading every byte of the tars.

Writes a few thousand person-image samples (realistic JPEG and JSON sizes) into shards with a
manifest, then times, in the same run and with the page cache warm:
- the floor: tarfile reading every member's bytes (what any full pass costs at least);
- `shards stats`, `ls` (manifest and by reading headers), `validate` and `verify`.
Prints each as a ratio to the floor (below 1 is faster than reading everything); no absolute times.
Then the commands as a user runs them, each a whole `posefoundry` process on the built sample
(`shards ls data/shards/coco`, `tables stats data/skeletons/rwf2000`), as a ratio to
`posefoundry --help` (start-up and imports: the least any command costs), median of --runs
alternating pairs; the target is at most 1.5.

    .venv/bin/python bench/bench_inspect.py [--samples 3000] [--per-shard 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import cv2
import numpy as np

from inspection.listing import list_group
from inspection.shardstats import group_stats
from inspection.sources import resolve
from inspection.validate import validate_group
from inspection.verify import verify_group
from schemas.manifest import MANIFEST_NAME, Manifest, ShardEntry
from schemas.shards import PERSON_IMAGE
from synthetic.figures import background, standing_pose
from tasks.atomic import write_text
from tasks.shards.layout import cut, shard_name
from tasks.shards.tarball import encode_sample, write_shard

from compare import alternate, best_of, report, timed

ROOT = Path(__file__).resolve().parents[1]
POSEFOUNDRY = str(Path(sys.executable).with_name("posefoundry"))
COMMANDS = {  # what a user types, on the sample the pipeline builds
    "shards ls data/shards/coco": ["shards", "ls", "data/shards/coco"],
    "tables stats data/skeletons/rwf2000": ["tables", "stats", "data/skeletons/rwf2000"],
}


def write_shards(folder: Path, count: int, per_shard: int) -> None:
    rng = np.random.default_rng(0)
    jpegs = [cv2.imencode(".jpg", background(480, 640, rng) + rng.integers(0, 30, (480, 640, 3), dtype=np.uint8),
                          [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes() for _ in range(8)]
    records = []
    for i in range(count):
        persons = []
        for p in range(1 + i % 3):
            kpts = np.zeros((17, 3))
            kpts[:, :2] = standing_pose(100 + 200 * p, 400, 300)
            kpts[:, 2] = 2
            persons.append({"id": i * 10 + p, "bbox": [50.0 + 200 * p, 90.0, 110.0, 320.0], "area": 30000.0,
                            "iscrowd": 0, "keypoints": np.round(kpts, 2).tolist()})
        meta = {"image_id": i, "file_name": f"{i:012d}.jpg", "width": 640, "height": 480, "persons": persons}
        records.append(encode_sample({"__key__": f"bench-train-{i}", "jpg": jpegs[i % len(jpegs)], "json": json.dumps(meta).encode()}))
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_shard(folder / shard_name("bench", "train", index), records[run.start:run.stop])
               for index, run in enumerate(cut([len(r) for r in records], per_shard, 256 << 20))]
    shards = [ShardEntry(w.path.name, w.samples, w.bytes, w.sha256) for w in written]
    write_text(folder / MANIFEST_NAME, Manifest("bench", "train", PERSON_IMAGE, "0" * 64, "0" * 16, shards).to_json())


def read_all_bytes(folder: Path) -> int:
    total = 0
    for path in sorted(folder.glob("*.tar")):
        with tarfile.open(path) as tar:
            for member in tar:
                total += len(tar.extractfile(member).read())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--per-shard", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5, help="alternating pairs per command ratio")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "train"
        write_shards(folder, args.samples, args.per_shard)
        size = sum(p.stat().st_size for p in folder.glob("*.tar"))
        print(f"{args.samples} samples in {len(list(folder.glob('*.tar')))} shards, {size / 1e6:.0f} MB; best of {args.repeats}")
        read_all_bytes(folder)  # warm the page cache
        (group,) = resolve(str(folder))
        floor = best_of(args.repeats, lambda: read_all_bytes(folder))
        stats = group_stats(group)
        assert stats.samples == args.samples and not stats.problems, stats.problems

        def ls_by_reading() -> None:
            (bare,) = resolve(str(folder))
            bare.manifest = None
            list_group(bare)

        timings = {
            "shards stats (manifest + json members)": best_of(args.repeats, lambda: group_stats(group)),
            "shards ls (manifest)": best_of(args.repeats, lambda: list_group(group)),
            "shards ls (tar headers, no manifest)": best_of(args.repeats, ls_by_reading),
            "shards validate (every member)": best_of(args.repeats, lambda: validate_group(group)),
            "shards verify (sha256 + count)": best_of(args.repeats, lambda: verify_group(group)),
        }
        print(f"{'floor: tarfile reading every byte':45s} 1.00")
        for name, seconds in timings.items():
            print(f"{name:45s} {seconds / floor:.2f}")
    command_ratios(args.runs)


def run_command(args: list[str]) -> float:
    seconds, code = timed(lambda: subprocess.call([POSEFOUNDRY, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                                                  stderr=subprocess.DEVNULL))
    if code != 0:
        raise RuntimeError(f"posefoundry {' '.join(args)} exited {code}")
    return seconds


def command_ratios(runs: int) -> None:
    """Each command's wall time over `posefoundry --help`'s, in alternating pairs."""
    missing = [name for name, args in COMMANDS.items() if not (ROOT / args[-1]).exists()]
    if missing:
        print(f"skipped {missing}: build the sample first: "
              "PATH=.venv/bin:$PATH posefoundry server --port 0 -- dvc repro shards@coco skeletons@rwf2000")
    print(f"commands over `posefoundry --help` (median of {runs}; target <= 1.5):")
    run_command(["--help"])  # warm the page cache
    for name, args in COMMANDS.items():
        if name not in missing:
            pairs = alternate(runs, lambda: run_command(args), lambda: run_command(["--help"]))
            report(name, [ours / theirs for ours, theirs in pairs])


if __name__ == "__main__":
    main()
