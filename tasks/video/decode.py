"""Video frames in batches: decord first, PyAV when decord cannot open a file.

Frames come out RGB, every `stride`-th frame, shrunk so the longer side is at most `max_side`
(never enlarged); each batch carries the factor back to the original pixels, so whatever is found
in the small frames is written in the video's own coordinates. A file that does not open, holds no
frames, stops decoding part way or has fewer frames than its header declares raises `DecodeError`
naming the file: that clip fails, the build goes on. `read_frames` gives chosen frames by index with
the same decoder, so frame numbers mean the same to the inspection commands as to the build.

Decoding ahead (`prefetch`) holds one of a few process-wide slots (one per CPU) until its last batch
is taken: a build's task runner may start a task for every video at once, and a video decoded ahead
of a busy caller sits in its queue, so without the slots memory grew with the number of videos
(1.5 GB for the 64-video rwf2000 sample) while the CPUs could only decode a couple at a time anyway.
A decoder lets its codec (and the frame pool it holds) go once its frames are out.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue
from typing import Callable, Iterable, Iterator

import numpy as np


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# How many videos of this process are decoded ahead at once (`prefetch`; the others wait).
DECODE_SLOTS = _cpus()
_slots = threading.BoundedSemaphore(DECODE_SLOTS)

# Frame batches are large (a few MB) and short-lived. glibc serves a freed block's size from its
# heaps from then on (its mmap threshold follows the largest block freed, up to 32 MB), and the
# heaps of a process with many threads keep what they held: the rwf2000 sample build kept ~100 MB
# more. A fixed threshold keeps blocks of 1 MiB and more in their own mappings, returned when freed.
M_MMAP_THRESHOLD = -3
LARGE_BLOCK = 1 << 20


def _large_blocks_mapped() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


_large_blocks_mapped()


class DecodeError(RuntimeError):
    """A video that cannot be decoded (the message names the file and why)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class VideoInfo:
    num_frames: int
    fps: float
    width: int
    height: int
    declared_frames: int
    reader: str


@dataclass
class FrameBatch:
    """Consecutive sampled frames of one video; `scale` maps decoded pixels to original (x, y)."""

    video: Path
    indices: np.ndarray
    images: np.ndarray
    scale: tuple[float, float]

    def __len__(self) -> int:
        return len(self.indices)


def target_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) with the longer side at most `max_side`; unchanged when it already fits."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    factor = max_side / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


def _declared(path: Path) -> tuple[int, float, int, int]:
    """Frame count, fps and size from the container header alone (0 when the header is silent)."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise DecodeError(path, "no video stream")
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            return int(stream.frames or 0), fps, stream.codec_context.width, stream.codec_context.height
    except av.error.FFmpegError as err:
        raise DecodeError(path, f"not a readable video ({err.strerror or type(err).__name__})") from err


class VideoDecoder:
    """Iterate `FrameBatch`es of one video; `info` is final once iteration has finished."""

    def __init__(
        self,
        path: str | Path,
        stride: int = 1,
        max_side: int | None = 640,
        batch: int = 32,
        truncation_tolerance: float = 0.01,
        threads: int = 0,
        reader: str = "auto",
    ) -> None:
        self.path = Path(path)
        if stride < 1 or batch < 1:
            raise ValueError(f"stride and batch must be >= 1, got {stride} and {batch}")
        if reader not in ("auto", "decord", "pyav"):
            raise ValueError(f"reader must be auto, decord or pyav, got {reader!r}")
        self.stride, self.max_side, self.batch = stride, max_side, batch
        self.tolerance = truncation_tolerance
        if not self.path.is_file():
            raise DecodeError(self.path, "no such file")
        if self.path.stat().st_size == 0:
            raise DecodeError(self.path, "empty file (0 bytes)")
        declared, fps, width, height = _declared(self.path)
        if width <= 0 or height <= 0:
            raise DecodeError(self.path, f"no frame size in the header ({width}x{height})")
        self.size = target_size(width, height, max_side)
        self._reader = None
        self._decord_args: dict | None = None
        count, kind = declared, "pyav"
        if reader != "pyav":
            try:
                import decord

                resize = {} if self.size == (width, height) else {"width": self.size[0], "height": self.size[1]}
                self._decord_args = {"num_threads": threads, **resize}
                self._reader = decord.VideoReader(str(self.path), **self._decord_args)
                count, fps, kind = len(self._reader), float(self._reader.get_avg_fps()) or fps, "decord"
            except Exception as err:  # decord raises plain RuntimeErrors (DECORDError) for what it cannot open
                if reader == "decord":
                    raise DecodeError(self.path, f"decord cannot open it ({str(err).splitlines()[0][:200]})") from err
                self._reader = self._decord_args = None
        self.info = VideoInfo(count, fps, width, height, declared, kind)
        if kind == "decord":
            self._check_count(count)

    @property
    def scale(self) -> tuple[float, float]:
        return self.info.width / self.size[0], self.info.height / self.size[1]

    def _check_count(self, count: int) -> None:
        if count == 0:
            raise DecodeError(self.path, "holds no decodable frames")
        declared = self.info.declared_frames
        if declared and count < declared - max(1, math.ceil(declared * self.tolerance)):
            raise DecodeError(self.path, f"truncated: the header declares {declared} frames, only {count} decode")

    def __iter__(self) -> Iterator[FrameBatch]:
        if self._decord_args is not None:
            return self._decord(np.arange(0, self.info.num_frames, self.stride, dtype=np.int64))
        return self._pyav(lambda index: index % self.stride == 0)

    def frames(self, indices: Iterable[int]) -> dict[int, np.ndarray]:
        """The frames at these 0-based indices (RGB, decoded size); indices past the end are left out.
        decord seeks to them; PyAV decodes from the start up to the last one asked for."""
        wanted = sorted({int(i) for i in indices if int(i) >= 0})
        if self._decord_args is not None:
            batches = self._decord(np.array([i for i in wanted if i < self.info.num_frames], np.int64))
        else:
            batches = self._pyav(set(wanted).__contains__, last=wanted[-1] if wanted else -1)
        return {int(i): image for batch in batches for i, image in zip(batch.indices, batch.images)}

    def _decord(self, indices: np.ndarray) -> Iterator[FrameBatch]:
        """Batches from decord; the reader (and its codec's frame pool) is let go when they end, so a
        video waiting for tracking and writing holds no decoded frames (it reopens if asked again)."""
        try:
            if self._reader is None:
                import decord

                self._reader = decord.VideoReader(str(self.path), **self._decord_args)
            for start in range(0, len(indices), self.batch):
                chunk = indices[start:start + self.batch]
                try:
                    images = self._reader.get_batch(chunk.tolist()).asnumpy()
                except Exception as err:  # a broken packet part way through the file
                    raise DecodeError(self.path, f"decoding stopped near frame {int(chunk[0])}: {str(err).splitlines()[0][:200]}") from err
                yield FrameBatch(self.path, chunk, images, self.scale)
        finally:
            self._reader = None

    def _pyav(self, keep: Callable[[int], bool], last: int | None = None) -> Iterator[FrameBatch]:
        """Frames `keep` accepts, decoding every frame in order; to the end (then the count is final
        and checked) or, given `last`, only up to that frame."""
        import av

        width, height = self.size
        indices: list[int] = []
        images: list[np.ndarray] = []
        count = 0
        try:
            with av.open(str(self.path)) as container:
                for frame in container.decode(video=0):
                    if last is not None and count > last:
                        break
                    if keep(count):
                        indices.append(count)
                        images.append(frame.reformat(width=width, height=height, format="rgb24").to_ndarray())
                        if len(indices) == self.batch:
                            yield FrameBatch(self.path, np.array(indices, np.int64), np.stack(images), self.scale)
                            indices, images = [], []
                    count += 1
        except av.error.FFmpegError as err:
            raise DecodeError(self.path, f"decoding stopped near frame {count}: {err.strerror or type(err).__name__}") from err
        if last is None:
            self.info = VideoInfo(count, self.info.fps, self.info.width, self.info.height, self.info.declared_frames, "pyav")
            self._check_count(count)
        if indices:
            yield FrameBatch(self.path, np.array(indices, np.int64), np.stack(images), self.scale)


def prefetch(batches: Iterable[FrameBatch], depth: int = 2) -> Iterator[FrameBatch]:
    """Decode ahead in a thread while the caller works on the current batch (decord and the pose
    backends release the GIL); errors reach the caller at the batch where they happened. At most
    DECODE_SLOTS videos of the process are decoded ahead at once: the others wait for a slot.
    A batch's pixels are let go when the caller asks for the next one (its `images` become empty;
    copy them to keep them longer), so a caller still holding the last batch holds no frames."""
    queue: Queue = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        queue.put(batch, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as err:  # handed to the consumer, raised there
            queue.put(err)

    with _slots:  # held until the caller has taken the last batch: queued batches count too
        worker = threading.Thread(target=produce, name="decode-prefetch", daemon=True)
        worker.start()
        try:
            while (item := queue.get()) is not done:
                if isinstance(item, BaseException):
                    raise item
                yield item
                item.images = np.empty((0, *item.images.shape[1:]), item.images.dtype)
        finally:
            stop.set()
            worker.join()


def probe(path: str | Path) -> VideoInfo:
    """Frame count, fps and size without decoding pixels (decord's count, else the header's)."""
    return VideoDecoder(path, max_side=None).info


def read_frames(path: str | Path, indices: Iterable[int], max_side: int | None = None) -> dict[int, np.ndarray]:
    """RGB frames of one video at these 0-based indices, as the build decodes them (decord, else
    PyAV); indices past the end are left out. Raises DecodeError naming the file."""
    return VideoDecoder(path, max_side=max_side).frames(indices)
