"""AI Hub 낙상사고 위험동작 영상-센서 쌍 (fall-risk video/sensor pairs, dataSetSn 71641) -> skeleton
tables cut into windows labelled by the annotated fall frames.

Layout (FORMATS.md (b)): the videos under a `원천데이터` folder, e.g.
`원천데이터/영상/Y(낙상)/BY(후면낙상)/00151_H_A_BY_C1/00151_H_A_BY_C1.mp4`, and each video's label
JSON at the mirrored path under `라벨링데이터` (`라벨링데이터/영상/.../00151_H_A_BY_C1.json`). Real
copies name these folders differently (`01.원천데이터`, `Training/02.라벨링데이터/TL/영상`, a `센서`
twin of the `영상` labels), so a video's label is the same-stem JSON under a folder whose name
contains `label_folder`; of several, the one whose path shares the most folders with the video's
(`영상` beats `센서`), then the first by name. Folder names are compared in Unicode NFC, so trees
copied from macOS (NFD names) match too.

The JSON: `scene_info.scene_IsFall` ('낙상' fall | '비낙상' no fall) gives the clip's label (as
`scene_labels` names it); `sensordata.{fall_start_frame, fall_end_frame}` the fall, one event named
`fall_event`; `scene_info.scene_length` the declared frame count, which the fall must lie within.
A no-fall scene carries 0/0. Whether the frames count from 0 or 1 and whether the end frame belongs
to the fall is not documented: `frames.frame_base` and `frames.end_inclusive` say it (the defaults
read them 0-based and half-open: every real fall is end - start = 60 frames, one second at 60 fps).
Events are stored 0-based, end exclusive.

Split: a path folder named like a split (Training/Validation, train/val) decides; otherwise a stable
hash of the scene number (the id's first field, so the cameras of one scene stay together) puts
`val_share` of the scenes in val.
"""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path
from typing import Any, Optional

from pydantic import Field, ValidationInfo, field_validator

from tasks.items import Item, ItemError, MissingSplit
from tasks.readers import options
from tasks.readers.aihub_falldown import split_of

OUTPUT = "skeletons"
KIND = "video"

FALL, NO_FALL = "낙상", "비낙상"


class FrameOptions(options.Strict):
    frame_base: int = Field(0, ge=0, le=1, description="the JSON counts frames from 0 or 1")
    end_inclusive: bool = Field(False, description="fall_end_frame belongs to the fall")


class SceneLabels(options.Strict):
    fall: str = Field("Falldown", description="label name of scenes whose scene_IsFall is '낙상'")
    no_fall: str = Field("Normal", description="label name of scenes whose scene_IsFall is '비낙상'")


class Options(options.VideoOptions):
    videos: str = Field("**/*.mp4", description="glob of the videos under the raw root")
    windows: Optional[options.WindowOptions] = options.WindowOptions(length=120, stride=60)
    label_folder: str = Field("라벨링데이터", min_length=1, description="a folder whose name contains this holds the label JSON")
    source_folder: str = Field("원천데이터", min_length=1, description="its counterpart holding the videos (names a missing label)")
    fall_event: str = Field("falldown", min_length=1, description="event name of the fall frames (windows.action picks it)")
    frames: FrameOptions = FrameOptions()
    scene_labels: SceneLabels = SceneLabels()
    val_share: float = Field(0.25, ge=0, le=1, description="share of scenes in val when no folder names the split")

    @field_validator("scene_labels")
    @classmethod
    def _known_labels(cls, value: SceneLabels, info: ValidationInfo) -> SceneLabels:
        labels = info.data.get("labels") or {}
        missing = sorted({value.fall, value.no_fall} - set(labels))
        if labels and missing:
            raise ValueError(f"names label(s) {missing} that 'labels' lacks ({sorted(labels)})")
        return value


OPTIONS = Options().model_dump()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _folder_index(parts: tuple[str, ...], name: str) -> int | None:
    """Index of the first folder whose (NFC) name contains `name`."""
    wanted = _nfc(name)
    return next((i for i, part in enumerate(parts) if wanted in _nfc(part)), None)


def label_files(root: Path, label_folder: str) -> dict[str, list[str]]:
    """Every `*.json` under a label folder, by stem (relative paths, sorted)."""
    found: dict[str, list[str]] = {}
    for path in sorted(Path(root).rglob("*.json")):
        rel = path.relative_to(root)
        if _folder_index(rel.parts[:-1], label_folder) is not None:
            found.setdefault(path.stem, []).append(rel.as_posix())
    return found


def label_for(video: str, candidates: list[str], opts: dict[str, Any]) -> str:
    """The video's label JSON: the candidate sharing the most folders with it, else where it would lie."""
    folders = {_nfc(p) for p in Path(video).parts[:-1]}
    if candidates:
        return min(candidates, key=lambda c: (-len(folders & {_nfc(p) for p in Path(c).parts[:-1]}), c))
    parts = list(Path(video).with_suffix(".json").parts)
    at = _folder_index(tuple(parts[:-1]), opts["source_folder"])
    if at is not None:
        parts[at] = _nfc(parts[at]).replace(_nfc(opts["source_folder"]), opts["label_folder"])
    return Path(*parts).as_posix()


def scene_of(stem: str) -> str:
    """The scene number of an id like `00151_H_A_BY_C1` (the whole stem when it is not one)."""
    return stem.split("_", 1)[0]


def split_for(rel: str, val_share: float) -> str:
    """A split folder in the video's path decides, else a stable hash of its scene number."""
    return split_of(str(Path(rel).parent / scene_of(Path(rel).stem)), val_share)


def _guess(stem: str) -> str:
    """fall or no_fall from an id's class field (N | BY | FY | SY), for rows of unreadable labels."""
    fields = stem.split("_")
    return "fall" if len(fields) >= 4 and fields[3] in ("BY", "FY", "SY") else "no_fall"


def enumerate_items(root: Path, split: str, opts: dict[str, Any]) -> list[Item]:
    """Every video of the split with its label JSON (a missing JSON fails that video only)."""
    root = Path(root)
    labels = None
    items = []
    for path in sorted(root.glob(opts["videos"])):
        rel = path.relative_to(root).as_posix()
        if split_for(rel, opts["val_share"]) != split:
            continue
        if labels is None:
            labels = label_files(root, opts["label_folder"])
        label_name = opts["scene_labels"][_guess(path.stem)]
        items.append(Item(str(Path(rel).with_suffix("")), (rel, label_for(rel, labels.get(path.stem, []), opts)),
                          {"split": split, "label": int(opts["labels"].get(label_name, -1)), "label_name": label_name}))
    if not items:
        raise MissingSplit(str(root), f"no videos of split {split!r} match {opts['videos']!r}")
    return items


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"'{key}' is {'missing' if value is None else repr(value)}, expected an object")
    return value


def _frame(section: dict[str, Any], where: str, key: str) -> int:
    """A non-negative whole number (an integral float or a digit string passes too)."""
    value = section.get(key)
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"'{where}.{key}' is {section[key]!r}, expected a frame number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"'{where}.{key}' is {'missing' if value is None else repr(value)}, expected a frame number")
    if not math.isfinite(value) or value != int(value) or value < 0:
        raise ValueError(f"'{where}.{key}' is {value!r}, expected a finite whole number >= 0")
    return int(value)


def parse_label(data: Any, opts: dict[str, Any]) -> dict[str, Any]:
    """One label JSON's content -> {fall: bool, scene_length, events}; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"top level is {type(data).__name__}, expected an object")
    scene = _section(data, "scene_info")
    is_fall = scene.get("scene_IsFall")
    if is_fall not in (FALL, NO_FALL):
        raise ValueError(f"'scene_info.scene_IsFall' is {is_fall!r}, expected {FALL!r} or {NO_FALL!r}")
    length = _frame(scene, "scene_info", "scene_length") if scene.get("scene_length") is not None else None
    sensor = data.get("sensordata")
    if sensor is None and is_fall == NO_FALL:
        return {"fall": False, "scene_length": length, "events": []}
    sensor = _section(data, "sensordata")
    start = _frame(sensor, "sensordata", "fall_start_frame")
    end = _frame(sensor, "sensordata", "fall_end_frame")
    if is_fall == NO_FALL:
        if (start, end) != (0, 0):
            raise ValueError(f"scene_IsFall is {NO_FALL!r} but sensordata gives fall frames {start}-{end} (expected 0-0)")
        return {"fall": False, "scene_length": length, "events": []}
    base, inclusive = opts["frames"]["frame_base"], opts["frames"]["end_inclusive"]
    first, stop = start - base, end - base + int(inclusive)
    if first < 0 or stop <= first:
        raise ValueError(f"sensordata gives fall frames {start}-{end}: not a frame range "
                         f"({first}-{stop}, 0-based, end exclusive, with frame_base {base})")
    if length is not None and stop > length:
        raise ValueError(f"sensordata's fall ends at frame {stop} (0-based, end exclusive), "
                         f"beyond scene_length {length}")
    return {"fall": True, "scene_length": length, "events": [{"name": opts["fall_event"], "start": first, "end": stop}]}


def load_records(root: Path, item: Item, opts: dict[str, Any]) -> list[dict[str, Any]]:
    """The clip's record from its label JSON: the scene's label and the fall as an event."""
    video, label = item.files
    try:
        text = (Path(root) / label).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ItemError(label, "file not found (the video's label JSON)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ItemError(label, f"cannot be read ({err})") from None
    try:
        meta = parse_label(json.loads(text), opts)
    except json.JSONDecodeError as err:
        raise ItemError(label, f"not JSON ({err})") from None
    except ValueError as err:
        raise ItemError(label, str(err)) from None
    label_name = opts["scene_labels"]["fall" if meta["fall"] else "no_fall"]
    return [{"clip_id": item.key, "path": video, "split": item.data["split"], "label": int(opts["labels"].get(label_name, -1)),
             "label_name": label_name, "events": meta["events"]}]
