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
from typing import Any, Optional

from pydantic import Field

from tasks.items import Item, ItemError, MissingSplit
from tasks.readers import options

OUTPUT = "skeletons"
KIND = "video"


class XmlOptions(options.Strict):
    frame_base: int = Field(0, ge=0, le=1, description="the XML counts frames from 0 or 1")
    end_inclusive: bool = Field(False, description="an XML range's end frame belongs to it")


class Options(options.VideoOptions):
    videos: str = Field("**/*.mp4", description="glob of the videos under the raw root")
    windows: Optional[options.WindowOptions] = options.WindowOptions()
    xml: XmlOptions = XmlOptions()
    val_share: float = Field(0.25, ge=0, le=1, description="share of videos in val when no folder names the split")


OPTIONS = Options().model_dump()
SPLIT_ALIASES = {"training": "train", "validation": "val", "valid": "val"}
SPLITS = ("train", "val", "test")


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


def split_of(rel: str, val_share: float) -> str:
    """A folder named like a split (train, val, test, Training, Validation) decides; otherwise a
    stable hash of the file name puts `val_share` of the videos in val, the rest in train."""
    for part in Path(rel).parts[:-1]:
        name = SPLIT_ALIASES.get(part.lower(), part.lower())
        if name in SPLITS:
            return name
    digest = int(hashlib.sha256(Path(rel).stem.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "val" if digest < val_share else "train"


def enumerate_items(root: Path, split: str, opts: dict[str, Any]) -> list[Item]:
    """Every mp4 of the split with its same-stem XML (a missing XML fails that video only)."""
    items = []
    for path in sorted(Path(root).glob(opts["videos"])):
        rel = path.relative_to(root).as_posix()
        if split_of(rel, opts["val_share"]) != split:
            continue
        negative = opts["windows"]["negative"] if opts["windows"] else ""
        items.append(Item(str(Path(rel).with_suffix("")), (rel, Path(rel).with_suffix(".xml").as_posix()),
                          {"split": split, "label": int(opts["labels"].get(negative, -1)), "label_name": negative}))
    if not items:
        raise MissingSplit(str(root), f"no videos of split {split!r} match {opts['videos']!r}")
    return items


def load_records(root: Path, item: Item, opts: dict[str, Any]) -> list[dict[str, Any]]:
    """The clip's record from its XML: events, and the positive label when the action occurs."""
    video, xml = item.files
    try:
        meta = parse_xml(Path(root) / xml, opts["xml"]["frame_base"], opts["xml"]["end_inclusive"])
    except AnnotationError as err:
        raise ItemError(xml, str(err).removeprefix(f"{Path(root) / xml}: ")) from None
    windows = opts["windows"] or {}
    positive = any(e["name"] == windows.get("action") for e in meta["events"])
    label_name = windows["positive"] if positive else item.data["label_name"]
    return [{"clip_id": item.key, "path": video, "split": item.data["split"], "label": int(opts["labels"].get(label_name, -1)),
             "label_name": label_name, "events": meta["events"]}]
