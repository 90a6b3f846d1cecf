"""How `posefoundry build` scales: the COCO sample (shards) and the rwf2000 sample (skeleton tables,
annotations pose backend) written at several `posefoundry sample --scale`s and built for real.

Every build is `posefoundry build NAME --root SAMPLE --out OUT`, a child process reporting to one
Prefect server this bench starts (its start-up is printed apart). Per dataset and scale it prints:
- items/s of the build as a ratio to the floor measured in the same run right after it: plain
  Python reading every raw byte, hashing it (sha256) and writing the build's output bytes once
  (what any build of these files costs at least; 1.00 would be a build as fast as that);
- the build's peak RSS (the child's maximum resident set, from wait4);
then, per dataset, time per item and peak RSS at the largest scale as ratios to the smallest: time
should stay linear (about 1) and memory flat (about 1) as the data grows.

    .venv/bin/python bench/bench_build.py [--scales 1 4 16] [--datasets coco rwf2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from compare import best_of, timed

ROOT = Path(__file__).resolve().parents[1]
POSEFOUNDRY = Path(sys.executable).with_name("posefoundry")
TIME = "/usr/bin/time"  # GNU time (Debian's `time` package)
SUMMARY = re.compile(r"(\d+) items, (\d+) written, (\d+) unchanged, (\d+) failed")
CHUNK = 1 << 20


@dataclass
class Build:
    dataset: str
    scale: int
    items: int
    seconds: float
    peak_rss_mb: float
    out_bytes: int
    floor_seconds: float

    @property
    def ratio(self) -> float:
        """items/s of the build over items/s of the floor (the same items): floor time / build time."""
        return self.floor_seconds / self.seconds


def write_samples(folder: Path, scale: int, datasets: list[str]) -> Path:
    """The synthetic sample at `scale` (kept between runs under --keep: same seed, same bytes)."""
    sample = folder / f"scale{scale}"
    if all((sample / name).is_dir() for name in datasets):
        return sample
    from synthetic import write_sample

    write_sample(sample, seed=0, datasets=tuple(datasets), scale=scale)
    return sample


def build(dataset: str, root: Path, out: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, items) of one cold build in a child process. GNU time measures the
    peak: Linux counts a parent's resident set at fork in its exec'd child's maximum, so the child
    is forked from that small process rather than from this one (which holds torch)."""
    shutil.rmtree(out, ignore_errors=True)
    log, rss_file = out.with_suffix(".log"), out.with_suffix(".rss")
    command = [TIME, "-f", "%M", "-o", str(rss_file), str(POSEFOUNDRY), "build", dataset, "--root", str(root), "--out", str(out)]
    with open(log, "wb") as handle:
        seconds, code = timed(lambda: subprocess.call(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT))
    text = log.read_text(errors="replace")
    found = SUMMARY.findall(text)
    if code != 0 or not found:
        raise RuntimeError(f"{dataset} build failed (exit {code}); log: {log}\n{text[-3000:]}")
    items, written, _, failed = (int(v) for v in found[-1])
    if written != items or failed:
        raise RuntimeError(f"{dataset}: {items} items but {written} written, {failed} failed: not a cold build ({log})")
    return seconds, int(rss_file.read_text().split()[-1]) / 1024, items


def output_bytes(out: Path) -> int:
    """What the build delivers: every file under `out` but its .cache (parts, digests)."""
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file() and ".cache" not in p.relative_to(out).parts)


def floor(root: Path, out_bytes: int, scratch: Path) -> None:
    """Read every raw byte, sha256 it, write `out_bytes` bytes once: plain Python, one thread."""
    for path in sorted(root.rglob("*")):
        if path.is_file():
            hashlib.sha256(path.read_bytes()).digest()
    block = bytes(CHUNK)
    with open(scratch, "wb") as handle:
        for start in range(0, out_bytes, CHUNK):
            handle.write(block[:min(CHUNK, out_bytes - start)])
    scratch.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--datasets", nargs="+", default=["coco", "rwf2000"], choices=["coco", "rwf2000"])
    parser.add_argument("--repeats", type=int, default=3, help="floor measurements per build (the best is kept)")
    parser.add_argument("--keep", type=Path, help="keep the samples here and reuse them on the next run")
    args = parser.parse_args()
    scales = sorted(set(args.scales))
    from cli.environment import configure, project_root

    configure(project_root(ROOT))
    from cli.server import free_port, start_server, stop_server

    work = Path(tempfile.mkdtemp(prefix="bench_build."))
    samples_dir = args.keep or work / "samples"
    try:
        port = free_port("127.0.0.1")
        startup, server = timed(lambda: start_server("127.0.0.1", port, ui=False))
        env = {**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
        print(f"orchestration: Prefect server up in {startup:.1f} s (once, not in the builds below); "
              f"scales {scales}, {os.cpu_count()} CPUs")
        print(f"{'dataset':<9} {'scale':>5} {'items':>6} {'items/s vs floor':>17} {'peak RSS MB':>12}")
        results: list[Build] = []
        try:
            for scale in scales:
                sample = write_samples(samples_dir, scale, args.datasets)
                for dataset in args.datasets:
                    root = sample / dataset
                    out = work / f"out-{dataset}-{scale}"
                    seconds, rss, items = build(dataset, root, out, env)
                    size = output_bytes(out)
                    floor_s = best_of(args.repeats, lambda: floor(root, size, work / "floor.bin"))
                    result = Build(dataset, scale, items, seconds, rss, size, floor_s)
                    results.append(result)
                    print(f"{dataset:<9} {scale:>5} {items:>6} {result.ratio:>17.3g} {rss:>12.0f}", flush=True)
                    shutil.rmtree(out, ignore_errors=True)
        finally:
            stop_server(server)
        if len(scales) > 1:
            print(f"scale {scales[-1]} over scale {scales[0]} (1.00 = linear time, flat memory):")
            for dataset in args.datasets:
                small, large = (next(r for r in results if r.dataset == dataset and r.scale == s) for s in (scales[0], scales[-1]))
                per_item = (large.seconds / large.items) / (small.seconds / small.items)
                print(f"  {dataset:<9} time per item {per_item:5.2f}   peak RSS {large.peak_rss_mb / small.peak_rss_mb:5.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
