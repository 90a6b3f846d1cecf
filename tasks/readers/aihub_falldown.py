"""AI Hub fall-down CCTV (mp4 + same-stem XML) -> skeleton tables cut into labelled windows.

Layout: any `*.mp4` under the raw root (`videos` option; the real data sits in one folder per
scene event, e.g. `swoon/101-3_cam01_swoon01_place03_day_summer.mp4`) with its XML beside it.
The XML's action frame ranges (`object/action/frame/{start,end}`) become the clip's events; the
scene event (`event/{eventname,starttime,duration}`) becomes one more, converted with the header's
fps. Whether the XML counts frames from 0 or 1 and whether `end` is inclusive is not documented:
`xml.frame_base` and `xml.end_inclusive` say it (the defaults read ranges as 0-based and half-open,
as consecutive ranges like 3735-3809, 3809-4111 suggest). Events are stored 0-based, end exclusive.

Split: a path folder named like a split (train/val, Training/Validation) decides; otherwise a
stable hash of the file name puts `val_share` of the videos in val.
"""

from __future__ import annotations

import hashlib
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.readers import options
from tasks.video.items import SampleSpan, VideoItem
from tasks.video.windows import cut_windows

if TYPE_CHECKING:
    from tasks.spec import DatasetSpec

OUTPUT = "skeletons"
OPTIONS = {
    **options.VIDEO,
    "videos": "**/*.mp4",
    "windows": {
        "length": 100, "stride": 50, "min_overlap": 0.3,
        "action": "falldown", "positive": "Falldown", "negative": "Normal",
    },
    "xml": {"frame_base": 0, "end_inclusive": False},
    "val_share": 0.25,
}
SPLIT_ALIASES = {"training": "train", "validation": "val", "valid": "val"}


class AnnotationError(ValueError):
    """An AI Hub XML that does not parse or lacks what the build needs (names the file)."""


def _text(path: Path, node: ET.Element, where: str) -> str:
    found = node.find(where)
    if found is None or found.text is None or not found.text.strip():
        raise AnnotationError(f"{path}: missing <{where}>")
    return found.text.strip()


def _int(path: Path, text: str, where: str) -> int:
    try:
        return int(float(text)) if "." in text else int(text)
    except ValueError:
        raise AnnotationError(f"{path}: <{where}> is {text!r}, expected a frame number") from None


def _seconds(path: Path, text: str, where: str) -> float:
    """'HH:MM:SS.s' (or plain seconds) -> seconds."""
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        raise AnnotationError(f"{path}: <{where}> is {text!r}, expected HH:MM:SS.s") from None
    total = 0.0
    for part in parts:
        total = total * 60 + part
    if not math.isfinite(total) or total < 0:
        raise AnnotationError(f"{path}: <{where}> is {text!r}, expected a finite time >= 0")
    return total


def parse_xml(path: Path, frame_base: int = 0, end_inclusive: bool = False) -> dict[str, Any]:
    """One AI Hub CCTV XML -> {fps, frames, width, height, event, events: [{name, start, end}]}."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise AnnotationError(f"{path}: not well-formed XML ({err})") from err
    except OSError as err:
        raise AnnotationError(f"{path}: cannot be read ({err.strerror})") from err
    if root.tag != "annotation":
        raise AnnotationError(f"{path}: root element is <{root.tag}>, expected <annotation>")
    try:
        fps = float(_text(path, root, "header/fps"))
    except ValueError:
        raise AnnotationError(f"{path}: <header/fps> is not a number") from None
    if not math.isfinite(fps) or fps <= 0:
        raise AnnotationError(f"{path}: <header/fps> is {fps}, expected a finite number > 0")
    events = []
    scene = root.find("event")
    if scene is not None:
        name = _text(path, scene, "eventname")
        start = _seconds(path, _text(path, scene, "starttime"), "event/starttime")
        length = _seconds(path, _text(path, scene, "duration"), "event/duration")
        events.append({"name": name, "start": round(start * fps), "end": round((start + length) * fps)})
    for i, obj in enumerate(root.findall("object")):
        for j, action in enumerate(obj.findall("action")):
            name = _text(path, action, "actionname")
            for k, frame in enumerate(action.findall("frame")):
                where = f"object[{i}]/action[{j}]/frame[{k}]"
                start = _int(path, _text(path, frame, "start"), f"{where}/start") - frame_base
                end = _int(path, _text(path, frame, "end"), f"{where}/end") - frame_base + int(end_inclusive)
                if start < 0 or end <= start:
                    raise AnnotationError(f"{path}: <{where}> runs from {start} to {end} (0-based, end exclusive): not a frame range")
                events.append({"name": name, "start": start, "end": end})
    size = root.find("size")
    return {
        "fps": fps,
        "frames": _int(path, root.findtext("header/frames", "0").strip() or "0", "header/frames"),
        "width": _int(path, size.findtext("width", "0"), "size/width") if size is not None else 0,
        "height": _int(path, size.findtext("height", "0"), "size/height") if size is not None else 0,
        "event": events[0]["name"] if scene is not None else None,
        "events": sorted(events, key=lambda e: (e["start"], e["end"], e["name"])),
    }


def split_of(rel: str, splits: list[str], val_share: float) -> str:
    known = {s.lower(): s for s in splits}
    for part in Path(rel).parts[:-1]:
        name = SPLIT_ALIASES.get(part.lower(), part.lower())
        if name in known:
            return known[name]
    digest = int(hashlib.sha256(Path(rel).stem.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if "val" in known and digest < val_share:
        return known["val"]
    return known.get("train", splits[0] if splits else "train")


def _labels(spec: "DatasetSpec") -> tuple[tuple[str, int], tuple[str, int]]:
    windows = spec.options["windows"]
    names = (windows["positive"], windows["negative"])
    missing = [n for n in names if n not in spec.labels]
    if missing:
        raise ValueError(f"{spec.source}: windows.positive/negative name label(s) {missing} that 'labels' lacks ({sorted(spec.labels)})")
    return (names[0], int(spec.labels[names[0]])), (names[1], int(spec.labels[names[1]]))


def videos(spec: "DatasetSpec") -> list[VideoItem]:
    """Every mp4 with its XML read; a video whose XML is missing or broken becomes an item that
    fails with the reason, so the rest of the build goes on."""
    root = spec.require_root()
    (pos_name, pos), (neg_name, neg) = _labels(spec)
    action = spec.options["windows"]["action"]
    xml_options = spec.options["xml"]
    items = []
    for path in sorted(root.glob(spec.options["videos"])):
        rel = path.relative_to(root).as_posix()
        xml = path.with_suffix(".xml")
        item = VideoItem(
            clip_id=str(Path(rel).with_suffix("")), path=rel,
            split=split_of(rel, spec.splits, spec.options["val_share"]),
            label=neg, label_name=neg_name, sidecars=[xml.relative_to(root).as_posix()],
        )
        try:
            meta = parse_xml(xml, xml_options["frame_base"], xml_options["end_inclusive"]) if xml.is_file() else None
            if meta is None:
                raise AnnotationError(f"{xml}: missing (every AI Hub video needs its same-stem XML)")
        except AnnotationError as err:
            item.error, item.error_file = str(err), xml.relative_to(root).as_posix()
        else:
            item.events = meta["events"]
            if any(e["name"] == action for e in item.events):
                item.label, item.label_name = pos, pos_name
        items.append(item)
    if not items:
        raise ValueError(f"no videos under {root} match {spec.options['videos']!r}")
    return items


def samples(spec: "DatasetSpec", item: VideoItem, num_frames: int) -> list[SampleSpan]:
    """Windows of the video, positive where they overlap the action's ranges enough."""
    (pos_name, pos), (neg_name, neg) = _labels(spec)
    windows = spec.options["windows"]
    ranges = [(e["start"], e["end"]) for e in item.events if e["name"] == windows["action"]]
    return [
        SampleSpan(
            f"{item.clip_id}@{w.start:06d}-{w.end:06d}", w.start, w.end,
            pos if w.positive else neg, pos_name if w.positive else neg_name,
        )
        for w in cut_windows(num_frames, windows["length"], windows["stride"], windows["min_overlap"], ranges)
    ]
