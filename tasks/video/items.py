"""What a video reader's record becomes in the tables: one `VideoItem` (the clips row's labels and
events) per raw video, and the `SampleSpan`s cut from it, as the spec's `windows` option says."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tasks.video.windows import cut_windows


@dataclass
class VideoItem:
    """One raw video's record: `path` relative to the raw root, `events` 0-based, end exclusive."""

    clip_id: str
    path: str
    split: str
    label: int
    label_name: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SampleSpan:
    sample_id: str
    start: int
    end: int
    label: int
    label_name: str


def cut_samples(item: VideoItem, num_frames: int, windows: dict[str, Any] | None, labels: dict[str, int]) -> list[SampleSpan]:
    """No `windows`: the whole clip is one sample with the clip's label (RWF-2000). Otherwise
    fixed windows, `positive` where they overlap the `action` events enough, else `negative`."""
    if not windows:
        return [SampleSpan(item.clip_id, 0, num_frames, item.label, item.label_name)]
    ranges = [(e["start"], e["end"]) for e in item.events if e["name"] == windows["action"]]
    pos, neg = windows["positive"], windows["negative"]
    return [
        SampleSpan(
            f"{item.clip_id}@{w.start:06d}-{w.end:06d}", w.start, w.end,
            int(labels[pos if w.positive else neg]), pos if w.positive else neg,
        )
        for w in cut_windows(num_frames, windows["length"], windows["stride"], windows["min_overlap"], ranges)
    ]
