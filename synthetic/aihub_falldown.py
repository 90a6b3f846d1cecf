"""Synthetic AI Hub CCTV fall-down: `{event}/{scenario}-{n}_cam{NN}_{event}{NN}_place{NN}_{day|night}_{season}.mp4`
with a same-stem XML laid out like the dataset's (annotation/size/header/event/object/action/frame).

`swoon` videos: a figure walks, totters (the XML's `totter` range), then goes down, tipping over
its feet until it lies on the floor, inside the `falldown` ranges (0-based, end exclusive, as the
reader's defaults read them). `wander` videos: figures walking back and forth, never falling.
Names are picked so that the reader's default hash split puts both kinds in val too. Each video
has its `<stem>.pose.json` beside it for the `annotations` pose backend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synthetic.clips import Actor, Angles, Clip, color, pose, walk, write_clip
from synthetic.copies import copy_rng
from tasks.readers.aihub_falldown import OPTIONS, split_of

WIDTH, HEIGHT, FPS = 320, 180, 30.0
VIDEOS = {"swoon": {"train": 4, "val": 2}, "wander": {"train": 4, "val": 2}}
FALL_FRAMES = 24


def _timestamp(frames: float) -> str:
    seconds = frames / FPS
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:04.1f}"


def _walker(rng: np.random.Generator, frames: int, start_x: float | None = None) -> np.ndarray:
    """Walks back and forth across the view, turning at the edges."""
    height = rng.uniform(70, 100)
    feet = rng.uniform(0.8, 0.95) * HEIGHT
    x = rng.uniform(0.2, 0.8) * WIDTH if start_x is None else start_x
    facing = int(rng.choice([-1, 1]))
    speed = rng.uniform(0.8, 1.4)
    gait = walk(np.arange(frames), rng.uniform(26, 36), rng.uniform(0, 2 * np.pi), stride=0.35)
    out = []
    for a in gait:
        if not 0.1 * WIDTH < x + facing * speed < 0.9 * WIDTH:
            facing = -facing
        x += facing * speed
        out.append(pose(x, feet, height, facing, a))
    return np.stack(out)


def _faller(rng: np.random.Generator, frames: int, totter: int, fall: int) -> np.ndarray:
    """Walks until `totter`, sways in place until `fall`, goes down over FALL_FRAMES, lies still."""
    keypoints = _walker(rng, totter)
    x = float(keypoints[-1, 15:17, 0].mean())
    height = float(np.ptp(keypoints[0, :, 1])) / 0.93
    feet = float(keypoints[-1, 15:17, 1].max())
    facing = int(np.sign(keypoints[-1, 0, 0] - keypoints[-1, 5:7, 0].mean()) or 1)
    out = list(keypoints)
    for t in range(totter, frames):
        if t < fall:
            sway = 0.25 * np.sin(2 * np.pi * (t - totter) / 14)
            a = Angles(left_arm=0.5 + sway, right_arm=0.4 - sway, left_elbow=0.4, right_elbow=0.4, lean=sway,
                       left_leg=0.1, right_leg=-0.1, left_knee=0.2, right_knee=0.2)
        else:
            progress = min((t - fall) / FALL_FRAMES, 1.0) ** 2
            a = Angles(left_arm=0.3 + 1.2 * progress, right_arm=0.3 + 1.0 * progress, left_elbow=0.3, right_elbow=0.5,
                       left_knee=0.4 * progress, right_knee=0.2 * progress, fall=1.5 * progress + 0.02 * np.sin(t / 9) * progress)
        out.append(pose(x, feet, height, facing, a))
    return np.stack(out)


Actions = list[tuple[str, list[tuple[int, int]]]]


def _xml(name: str, event: str, frames: int, keyframe: int, point: np.ndarray, actions: Actions, start: int, end: int) -> str:
    action_xml = "".join(
        "        <action>\n"
        f"            <actionname>{action}</actionname>\n"
        + "".join(
            "            <frame>\n"
            f"                <start>{a}</start>\n"
            f"                <end>{b}</end>\n"
            "            </frame>\n"
            for a, b in ranges
        )
        + "        </action>\n"
        for action, ranges in actions
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        "<annotation>\n"
        f"    <folder>{event}</folder>\n"
        f"    <filename>{name}.mp4</filename>\n"
        "    <source>\n        <database>AI Hub synthetic</database>\n        <annotation>posefoundry</annotation>\n    </source>\n"
        "    <size>\n"
        f"        <width>{WIDTH}</width>\n        <height>{HEIGHT}</height>\n        <depth>3</depth>\n"
        "    </size>\n"
        "    <header>\n"
        f"        <duration>{_timestamp(frames)}</duration>\n"
        f"        <fps>{int(FPS)}</fps>\n"
        f"        <frames>{frames}</frames>\n"
        "        <inout>IN</inout>\n        <location>PLACE03</location>\n        <season>SUMMER</season>\n"
        "        <weather>SUNNY</weather>\n        <time>DAY</time>\n        <population>1</population>\n"
        "        <character>F30</character>\n"
        "    </header>\n"
        "    <event>\n"
        f"        <eventname>{event}</eventname>\n"
        f"        <starttime>{_timestamp(start)}</starttime>\n"
        f"        <duration>{_timestamp(end - start)}</duration>\n"
        "    </event>\n"
        "    <object>\n"
        "        <objectname>person_1</objectname>\n"
        "        <position>\n"
        f"            <keyframe>{keyframe}</keyframe>\n"
        "            <keypoint>\n"
        f"                <x>{int(point[0])}</x>\n                <y>{int(point[1])}</y>\n"
        "            </keypoint>\n"
        "        </position>\n"
        f"{action_xml}"
        "    </object>\n"
        "</annotation>\n"
    )


def _names(event: str, wanted: dict[str, int]) -> list[str]:
    """Realistic names, the first ones that the reader's default split sends where `wanted` says."""
    share, left, names = OPTIONS["val_share"], dict(wanted), []
    for scenario in range(101, 1000000):
        when = "day" if scenario % 3 else "night"
        name = (f"{scenario}-{scenario % 7 + 1}_cam{scenario % 4 + 1:02d}_{event}{scenario % 9 + 1:02d}"
                f"_place{scenario % 5 + 1:02d}_{when}_summer")
        split = split_of(f"{event}/{name}.mp4", share)
        if left.get(split, 0) > 0:
            left[split] -= 1
            names.append(name)
        if not any(left.values()):
            return names
    raise RuntimeError(f"could not name {wanted} {event} videos")


def _copy_names(event: str, wanted: dict[str, int], copy: int, scale: int) -> list[str]:
    """Copy `copy`'s names: of the first names for `scale` copies, its own share of each split (copy 0's
    are the plain sample's), in the order they were found."""
    names = _names(event, {split: count * scale for split, count in wanted.items()})
    seen: dict[str, int] = {}
    mine = []
    for name in names:
        split = split_of(f"{event}/{name}.mp4", OPTIONS["val_share"])
        if seen.get(split, 0) // wanted[split] == copy:
            mine.append(name)
        seen[split] = seen.get(split, 0) + 1
    return mine


def generate(out: Path, seed: int, body_models: dict[str, Path], scale: int = 1) -> int:
    """Write the AI Hub tree under `out`, `scale` times the videos (synthetic.copies); returns the
    number of videos."""
    count = 0
    for copy in range(scale):
        count += _write_copy(out, copy_rng([seed, 171], copy), copy, scale)
    return count


def _write_copy(out: Path, rng: np.random.Generator, copy: int, scale: int) -> int:
    count = 0
    for event, wanted in VIDEOS.items():
        for name in _copy_names(event, wanted, copy, scale):
            frames = int(rng.integers(300, 390))
            clip = Clip(WIDTH, HEIGHT, FPS, frames)
            if event == "swoon":
                totter = int(rng.integers(90, frames - 200))
                fall = totter + int(rng.integers(25, 40))
                person = _faller(rng, frames, totter, fall)
                middle = fall + int(rng.integers(20, 40))
                end = frames - int(rng.integers(5, 20))
                actions = [("totter", [(totter, fall)]), ("falldown", [(fall, middle), (middle, end)])]
                start, stop, keyframe = totter, end, totter
            else:
                person = _walker(rng, frames)
                actions = [("wander", [(0, frames // 2), (frames // 2, frames)])]
                start, stop, keyframe = 0, frames, 0
            clip.actors.append(Actor(person, color(rng), 0))
            if rng.random() < 0.5:
                clip.actors.append(Actor(_walker(rng, frames), color(rng), 1))
            video = out / event / f"{name}.mp4"
            write_clip(clip, video, "mp4v", rng)
            point = person[keyframe, 11:13].mean(0)
            video.with_suffix(".xml").write_text(_xml(name, event, frames, keyframe, point, actions, start, stop), encoding="utf-8")
            count += 1
    return count
