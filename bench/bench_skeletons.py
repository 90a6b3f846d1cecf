"""The skeleton path's costs against floors measured in the same run (ratios, no absolute times).

- decode: our VideoDecoder (batches, stride, max side, scale) against decord alone reading the same
  frames at the same size in the same batches; ratio = our fps / decord's fps, target >= 0.95.
- pipeline: the whole per-video pipeline (decode, pose, tracking, top persons, table part written)
  against the pose backend alone on the same, already decoded frames; overhead = pipeline time /
  backend time - 1, target < 10 %. MediaPipe on the real two-person video (a backend with real cost).
- arrays: frames.parquet + samples.parquet -> per-sample [M,T,17,2] arrays (schemas.arrays) against
  reading the two parquet files alone; reports samples/s and the ratio to the read floor.

Each figure is the best of --repeats interleaved runs.

    .venv/bin/python bench/bench_skeletons.py [--video PATH] [--clips 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import decord
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.arrays import sample_arrays
from schemas.tables import FRAMES, SAMPLES

from tasks.video.decode import VideoDecoder, target_size
from tasks.items import Item
from tasks.rawfiles import FileDigests
from tasks.readers import rwf2000
from tasks.video.pipeline import build_part
from tasks.video.pose import make_backend

from compare import timed

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = ROOT.parent / "shared" / "samples" / "videos" / "ntu_sample.avi"


def bench_decode(video: Path, max_side: int, batch: int, repeats: int) -> float:
    def ours() -> int:
        return sum(len(b) for b in VideoDecoder(video, max_side=max_side, batch=batch))

    def floor() -> int:
        info = VideoDecoder(video, max_side=None)
        width, height = target_size(info.info.width, info.info.height, max_side)
        resize = {} if (width, height) == (info.info.width, info.info.height) else {"width": width, "height": height}
        reader = decord.VideoReader(str(video), **resize)
        n = len(reader)
        return sum(len(reader.get_batch(list(range(s, min(s + batch, n)))).asnumpy()) for s in range(0, n, batch))

    ours_t, floor_t = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine load
        floor_t.append(timed(floor)[0])
        ours_t.append(timed(ours)[0])
    return min(floor_t) / min(ours_t)


def bench_pipeline(video: Path, repeats: int) -> float:
    options = {**rwf2000.OPTIONS, "pose": {**rwf2000.OPTIONS["pose"], "backend": "mediapipe"}}
    backend = make_backend(options["pose"])
    batches = list(VideoDecoder(video, max_side=options["decode"]["max_side"], batch=options["decode"]["batch"]))
    info = VideoDecoder(video, max_side=None).info
    item = Item("bench/video", (video.name,), {"split": "train", "label": 0, "label_name": "bench"})

    def alone() -> None:
        for b in batches:
            backend(b, info.width, info.height)

    def whole() -> None:
        with tempfile.TemporaryDirectory() as parts:
            result = build_part(item, rwf2000, FileDigests(video.parent), options, "bench", Path(parts))
            assert result.status == "written", result.reason

    alone()  # build the graphs before timing
    alone_t, whole_t = [], []
    for _ in range(repeats):
        alone_t.append(timed(alone)[0])
        whole_t.append(timed(whole)[0])
    return min(whole_t) / min(alone_t) - 1


def skeleton_tables(folder: Path, clips: int, frames: int, persons: int, window: int) -> tuple[Path, Path, int]:
    """RWF-sized synthetic tables: `clips` clips of `frames` frames with `persons` tracks each."""
    rng = np.random.default_rng(0)
    n = clips * frames * persons
    clip_ids = np.repeat([f"train/Fight/clip{c:05d}" for c in range(clips)], frames * persons)
    frame_idx = np.tile(np.repeat(np.arange(frames, dtype=np.int32), persons), clips)
    track_id = np.tile(np.arange(persons, dtype=np.int32), clips * frames)
    keypoints = rng.uniform(0, 320, (n, 17, 2)).astype(np.float32)
    table = pa.Table.from_arrays([
        pa.array(clip_ids), pa.array(frame_idx), pa.array(track_id),
        pa.FixedSizeListArray.from_arrays(pa.array(rng.uniform(0, 320, n * 4).astype(np.float32)), 4),
        pa.array(np.full(n, 0.9, np.float32)),
        pa.FixedSizeListArray.from_arrays(pa.FixedSizeListArray.from_arrays(pa.array(keypoints.ravel()), 2), 17),
        pa.FixedSizeListArray.from_arrays(pa.array(rng.uniform(0, 1, n * 17).astype(np.float32)), 17),
    ], schema=FRAMES)
    rows = [
        {"sample_id": f"train/Fight/clip{c:05d}@{s}", "clip_id": f"train/Fight/clip{c:05d}", "split": "train",
         "start_frame": s, "end_frame": s + window, "label": c % 2, "label_name": str(c % 2)}
        for c in range(clips) for s in range(0, frames - window + 1, window // 2)
    ]
    frames_path, samples_path = folder / "frames.parquet", folder / "samples.parquet"
    pq.write_table(table, frames_path, compression="zstd")
    pq.write_table(pa.Table.from_pylist(rows, schema=SAMPLES), samples_path, compression="zstd")
    return frames_path, samples_path, len(rows)


def bench_arrays(clips: int, repeats: int) -> tuple[float, float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        frames_path, samples_path, count = skeleton_tables(Path(tmp), clips, 150, 2, 100)

        def read() -> tuple[pa.Table, pa.Table]:
            return pq.read_table(frames_path), pq.read_table(samples_path)

        def arrays() -> list:
            return sample_arrays(*read(), num_persons=2)

        read_t, arrays_t = [], []
        for _ in range(repeats):
            read_t.append(timed(read)[0])
            arrays_t.append(timed(arrays)[0])
        rows = pq.ParquetFile(frames_path).metadata.num_rows
    return count / min(arrays_t), min(arrays_t) / min(read_t), count, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO, help="a real video with people (ntu_sample.avi)")
    parser.add_argument("--clips", type=int, default=2000, help="clips in the synthetic tables for the arrays bench")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not args.video.is_file():
        parser.error(f"{args.video} not found: pass --video with a real video of people")

    print(f"decode ({args.video.name}, max side 640, batches of 32): our fps / decord's fps")
    print(f"  ratio {bench_decode(args.video, 640, 32, args.repeats):.3f}  (target >= 0.95)")
    with tempfile.TemporaryDirectory() as tmp:
        import cv2

        small = Path(tmp) / "small.avi"
        writer = cv2.VideoWriter(str(small), cv2.VideoWriter_fourcc(*"XVID"), 30.0, (320, 240))
        rng = np.random.default_rng(0)
        for _ in range(600):
            writer.write(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8))
        writer.release()
        print("decode (synthetic 320x240 XVID, 600 frames, no resize): our fps / decord's fps")
        print(f"  ratio {bench_decode(small, 640, 32, args.repeats):.3f}  (target >= 0.95)")

    overhead = bench_pipeline(args.video, args.repeats)
    print(f"pipeline ({args.video.name}, mediapipe): whole per-video pipeline / pose backend alone on the same frames")
    print(f"  overhead {overhead:+.1%}  (target < 10 %)")

    rate, ratio, count, rows = bench_arrays(args.clips, args.repeats)
    print(f"arrays ({count} samples of [2,100,17,2] from {rows} frame rows): read + group / read alone")
    print(f"  {rate:,.0f} samples/s; ratio to the parquet read floor {ratio:.2f}x")


if __name__ == "__main__":
    main()
