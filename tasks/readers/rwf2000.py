"""RWF-2000 fight videos -> skeleton tables (one sample per clip).

Layout: `{split}/{label}/*.avi` under the raw root (`videos` option), the label folders being the
spec's label names (Fight, NonFight). Frame rate and size are read from each video.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from tasks.items import Item, MissingSplit
from tasks.readers import options

OUTPUT = "skeletons"
KIND = "video"


class Options(options.VideoOptions):
    videos: str = Field("{split}/{label}/*.avi", description="glob of a split's videos of one label folder")


OPTIONS = Options().model_dump()


def enumerate_items(root: Path, split: str, opts: dict[str, Any]) -> list[Item]:
    """Every video of the split's label folders, in a stable order; the clip id is its path."""
    items = []
    for label_name, label in sorted(opts["labels"].items()):
        pattern = opts["videos"].format(split=split, label=label_name)
        for path in sorted(Path(root).glob(pattern)):
            rel = path.relative_to(root).as_posix()
            items.append(Item(str(Path(rel).with_suffix("")), (rel,), {"split": split, "label": int(label), "label_name": label_name}))
    if not items:
        where = ", ".join(opts["videos"].format(split=split, label=name) for name in sorted(opts["labels"]))
        raise MissingSplit(str(root), f"no videos of split {split!r} ({where})")
    return items


def load_records(root: Path, item: Item, opts: dict[str, Any]) -> list[dict[str, Any]]:
    """The clip's record: its label is its folder's."""
    return [{"clip_id": item.key, "path": item.files[0], "events": [], **item.data}]
