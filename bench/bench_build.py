"""How `posefoundry build` scales: the COCO sample (shards) and the rwf2000 sample (skeleton tables,
annotations pose backend) written at several `posefoundry sample --scale`s and built for real.

Every build is `posefoundry build NAME --root SAMPLE --out OUT`, a child process reporting to one
Prefect server this bench starts (its start-up is printed apart), as inside `dvc repro`. Per
dataset and scale it prints:
- start-up: seconds from spawning the command to its flow's first log line (Python, imports,
  checks, creating the flow run), as a ratio to `posefoundry --help` measured in the same run;
- items/s of the whole build as a ratio to the floor measured right after it: plain Python
  reading every raw byte, hashing it (sha256) and writing the build's output bytes once (what any
  build of these files costs at least; 1.00 would be a build as fast as that);
- the build's peak RSS (the child's maximum resident set, from wait4);
then, per dataset, from the smallest to the largest scale: per-item work (the extra build time per
extra item, so start-up and fixed costs cancel) as a ratio to the floor's extra time per extra
item, and time per item and peak RSS at the largest scale as ratios to the smallest: time should
stay linear (about 1) and memory flat (about 1) as the data grows.

    .venv/bin/python bench/bench_build.py [--scales 1 4 16] [--datasets coco rwf2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
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
FLOW_BEGINS = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) \| INFO .* Beginning flow run", re.M)
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
    startup: float

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


def _startup(text: str, spawned: float) -> float:
    """Seconds from spawning the build to its flow's first log line (Prefect logs local wall time)."""
    found = FLOW_BEGINS.search(text)
    if found is None:
        raise RuntimeError("the build's log has no 'Beginning flow run' line")
    hours, minutes, seconds = int(found[1]), int(found[2]), float(found[3])
    midnight = time.mktime(time.localtime(spawned)[:3] + (0, 0, 0, 0, 0, -1))
    return midnight + hours * 3600 + minutes * 60 + seconds - spawned


def build(dataset: str, root: Path, out: Path, env: dict[str, str]) -> tuple[float, float, int, float]:
    """(seconds, peak RSS in MB, items, start-up seconds) of one cold build in a child process. GNU time measures the
    peak: Linux counts a parent's resident set at fork in its exec'd child's maximum, so the child
    is forked from that small process rather than from this one (which holds torch)."""
    shutil.rmtree(out, ignore_errors=True)
    log, rss_file = out.with_suffix(".log"), out.with_suffix(".rss")
    command = [TIME, "-f", "%M", "-o", str(rss_file), str(POSEFOUNDRY), "build", dataset, "--root", str(root), "--out", str(out)]
    with open(log, "wb") as handle:
        spawned = time.time()
        seconds, code = timed(lambda: subprocess.call(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT))
    text = log.read_text(errors="replace")
    found = SUMMARY.findall(text)
    if code != 0 or not found:
        raise RuntimeError(f"{dataset} build failed (exit {code}); log: {log}\n{text[-3000:]}")
    items, written, _, failed = (int(v) for v in found[-1])
    if written != items or failed:
        raise RuntimeError(f"{dataset}: {items} items but {written} written, {failed} failed: not a cold build ({log})")
    return seconds, int(rss_file.read_text().split()[-1]) / 1024, items, _startup(text, spawned)


def help_seconds(env: dict[str, str], repeats: int = 5) -> float:
    """Median wall time of `posefoundry --help`: the floor of any command's start-up."""
    runs = [timed(lambda: subprocess.run([str(POSEFOUNDRY), "--help"], env=env, capture_output=True, check=True))[0]
            for _ in range(repeats)]
    return statistics.median(runs)


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
        help_s = help_seconds(env)
        print(f"posefoundry --help: {help_s:.2f} s (median of 5)")
        print(f"{'dataset':<9} {'scale':>5} {'items':>6} {'start-up s':>10} {'vs --help':>9} {'items/s vs floor':>17} {'peak RSS MB':>12}")
        results: list[Build] = []
        try:
            for scale in scales:
                sample = write_samples(samples_dir, scale, args.datasets)
                for dataset in args.datasets:
                    root = sample / dataset
                    out = work / f"out-{dataset}-{scale}"
                    seconds, rss, items, startup = build(dataset, root, out, env)
                    size = output_bytes(out)
                    floor_s = best_of(args.repeats, lambda: floor(root, size, work / "floor.bin"))
                    result = Build(dataset, scale, items, seconds, rss, size, floor_s, startup)
                    results.append(result)
                    print(f"{dataset:<9} {scale:>5} {items:>6} {startup:>10.2f} {startup / help_s:>9.2f} {result.ratio:>17.3g} {rss:>12.0f}",
                          flush=True)
                    shutil.rmtree(out, ignore_errors=True)
        finally:
            stop_server(server)
        if len(scales) > 1:
            print(f"scale {scales[-1]} over scale {scales[0]} (1.00 = linear time, flat memory):")
            for dataset in args.datasets:
                small, large = (next(r for r in results if r.dataset == dataset and r.scale == s) for s in (scales[0], scales[-1]))
                per_item = (large.seconds / large.items) / (small.seconds / small.items)
                extra = large.items - small.items
                marginal = ((large.floor_seconds - small.floor_seconds) / extra) / ((large.seconds - small.seconds) / extra)
                print(f"  {dataset:<9} per-item work vs floor {marginal:6.3f}   time per item {per_item:5.2f}   "
                      f"peak RSS {large.peak_rss_mb / small.peak_rss_mb:5.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
