"""RWF-2000 fight videos -> skeleton tables (one sample per clip).

Layout: `{split}/{label}/*.avi` under the raw root (`videos` option), the label folders being the
spec's label names (Fight, NonFight). Frame rate and size are read from each video.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tasks.readers import options
from tasks.video.items import SampleSpan, VideoItem

if TYPE_CHECKING:
    from tasks.spec import DatasetSpec

OUTPUT = "skeletons"
OPTIONS = {**options.VIDEO, "videos": "{split}/{label}/*.avi"}


def videos(spec: "DatasetSpec") -> list[VideoItem]:
    """Every video of every split and label folder, in a stable order."""
    root = spec.require_root()
    if not spec.labels:
        raise ValueError(f"{spec.source}: 'labels' must map the label folders to class ids, e.g. {{NonFight: 0, Fight: 1}}")
    items = []
    for split in spec.splits:
        for label_name, label in sorted(spec.labels.items()):
            pattern = spec.options["videos"].format(split=split, label=label_name)
            for path in sorted(root.glob(pattern)):
                rel = path.relative_to(root).as_posix()
                items.append(VideoItem(str(Path(rel).with_suffix("")), rel, split, int(label), label_name))
    if not items:
        raise ValueError(
            f"no videos under {root} match {spec.options['videos']!r} for splits {spec.splits} and labels {sorted(spec.labels)}"
        )
    return items


def samples(spec: "DatasetSpec", item: VideoItem, num_frames: int) -> list[SampleSpan]:
    """A whole RWF-2000 clip is one sample."""
    return [SampleSpan(item.clip_id, 0, num_frames, item.label, item.label_name)]
