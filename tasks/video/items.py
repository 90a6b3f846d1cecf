"""What a video reader hands the skeleton build: one `VideoItem` per raw video, one `SampleSpan`
per training sample cut from it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class VideoItem:
    """One raw video. `error` is set when its annotations could not be read: the clip then fails
    with that reason (naming `error_file`) while every other video is built."""

    clip_id: str
    path: str
    split: str
    label: int
    label_name: str
    events: list[dict[str, Any]] = field(default_factory=list)
    sidecars: list[str] = field(default_factory=list)
    error: str | None = None
    error_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SampleSpan:
    sample_id: str
    start: int
    end: int
    label: int
    label_name: str
