"""Frames of a raw video by index, for drawing skeletons over what the pose backend saw.

decord first (it seeks frame-accurately); PyAV, decoding from the start, when decord cannot open
the file, as the build's own decoder does, so frame numbers mean the same here and there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np


class VideoError(Exception):
    """A raw video that cannot give the wanted frames: which file and why."""


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _with_decord(path: Path, indices: Sequence[int]) -> dict[int, np.ndarray]:
    import decord

    reader = decord.VideoReader(str(path), ctx=decord.cpu(0))
    wanted = sorted({int(i) for i in indices if 0 <= int(i) < len(reader)})
    if not wanted:
        return {}
    batch = reader.get_batch(wanted).asnumpy()
    return {index: np.ascontiguousarray(frame[..., ::-1]) for index, frame in zip(wanted, batch)}


def _with_pyav(path: Path, indices: Sequence[int]) -> dict[int, np.ndarray]:
    import av

    wanted = {int(i) for i in indices if int(i) >= 0}
    found: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                found[index] = frame.to_ndarray(format="bgr24")
            if len(found) == len(wanted) or index >= max(wanted, default=-1):
                break
    return found


def read_frames(path: Path, indices: Sequence[int]) -> dict[int, np.ndarray]:
    """BGR frames at these 0-based indices; indices past the end are left out."""
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: not found")
    try:
        return _with_decord(path, indices)
    except Exception as first:  # decord raises its own and plain runtime errors alike
        try:
            return _with_pyav(path, indices)
        except Exception as second:
            raise VideoError(f"{path}: cannot be decoded ({_first_line(first)}; PyAV: {_first_line(second)})") from None
