"""Synthetic RWF-2000: `{train,val}/{Fight,NonFight}/{youtubeId}_{n}.avi` (XVID, 30 fps).

Fight clips show two figures face to face striking at each other (fast arm swings toward the
other, now and then a kick) while closing in and backing off; NonFight clips show calm figures
walking past, standing and waving, or chatting with small gestures. Each video has its
`<stem>.pose.json` beside it for the `annotations` pose backend.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np

from synthetic.clips import Actor, Angles, Clip, color, pose, walk, write_clip
from synthetic.copies import copy_rng

CLIPS_PER_CLASS = {"train": 24, "val": 8}
WIDTH, HEIGHT, FPS, FRAMES = 320, 240, 30.0, 64
ID_CHARS = string.ascii_letters + string.digits + "-_"


def youtube_id(rng: np.random.Generator) -> str:
    return "".join(ID_CHARS[i] for i in rng.integers(0, len(ID_CHARS), 11))


def _fighters(rng: np.random.Generator) -> list[np.ndarray]:
    t = np.arange(FRAMES, dtype=np.float32)
    height = rng.uniform(120, 160)
    feet = rng.uniform(0.82, 0.92) * HEIGHT
    center = rng.uniform(0.4, 0.6) * WIDTH + rng.normal(0, 4, FRAMES).cumsum() * 0.3
    gap = height * (0.42 + 0.14 * np.sin(2 * np.pi * t / rng.uniform(24, 40) + rng.uniform(0, 6)))
    people = []
    for side, facing in ((-1, 1), (1, -1)):
        period = rng.uniform(7, 11)
        phase = rng.uniform(0, 2 * np.pi)
        kick_period = rng.uniform(20, 32)
        angles = []
        for ti in t:
            left = max(0.0, np.sin(2 * np.pi * ti / period + phase)) ** 0.7
            right = max(0.0, np.sin(2 * np.pi * ti / period + phase + np.pi)) ** 0.7
            kick = max(0.0, np.sin(2 * np.pi * ti / kick_period + phase)) ** 6
            angles.append(Angles(
                left_arm=0.5 + 1.2 * left, left_elbow=1.6 * (1 - left), right_arm=0.5 + 1.2 * right,
                right_elbow=1.6 * (1 - right), left_leg=0.15 + 1.0 * kick, left_knee=0.5 * (1 - kick),
                right_leg=-0.25, right_knee=0.2, lean=0.2 + 0.1 * (left + right),
            ))
        xs = center + side * gap / 2
        people.append(np.stack([pose(x, feet, height, facing, a) for x, a in zip(xs, angles)]))
    return people


def _calm(rng: np.random.Generator) -> list[np.ndarray]:
    t = np.arange(FRAMES, dtype=np.float32)
    people = []
    kinds = rng.choice(["walk", "wave", "chat"], size=int(rng.integers(1, 4)))
    for i, kind in enumerate(kinds):
        height = rng.uniform(90, 150)
        feet = rng.uniform(0.8, 0.95) * HEIGHT
        if kind == "walk":
            facing = int(rng.choice([-1, 1]))
            x0 = rng.uniform(0.1, 0.9) * WIDTH
            xs = x0 + facing * rng.uniform(0.8, 1.6) * t
            angles = walk(t, rng.uniform(26, 36), rng.uniform(0, 2 * np.pi), stride=0.35)
            people.append(np.stack([pose(x, feet, height, facing, a) for x, a in zip(xs, angles)]))
            continue
        x = (0.25 + 0.5 * i / max(len(kinds) - 1, 1)) * WIDTH + rng.normal(0, 10)
        period = rng.uniform(40, 60)
        phase = rng.uniform(0, 2 * np.pi)
        frames = []
        for ti in t:
            s = np.sin(2 * np.pi * ti / period + phase)
            if kind == "wave":
                a = Angles(left_arm=0.1, left_elbow=0.1, right_arm=2.4, right_elbow=0.5 + 0.4 * s)
            else:
                a = Angles(left_arm=0.15 + 0.1 * s, left_elbow=0.6 + 0.2 * s, right_arm=0.1, right_elbow=0.2)
            frames.append(pose(x + 2 * s, feet, height, 0, a))
        people.append(np.stack(frames))
    return people


def generate(out: Path, seed: int, body_models: dict[str, Path], scale: int = 1) -> int:
    """Write the RWF-2000 tree under `out`, `scale` times the videos (synthetic.copies); returns
    the number of videos."""
    count, names = 0, set()
    for copy in range(scale):
        rng = copy_rng([seed, 2000], copy)
        for split, per_class in CLIPS_PER_CLASS.items():
            for label, make in (("Fight", _fighters), ("NonFight", _calm)):
                for _ in range(per_class):
                    clip = Clip(WIDTH, HEIGHT, FPS, FRAMES)
                    for identity, keypoints in enumerate(make(rng)):
                        clip.actors.append(Actor(keypoints, color(rng), identity))
                    video_id, part = youtube_id(rng), int(rng.integers(0, 10))
                    while video_id in names:  # one YouTube video never twice, whatever the scale
                        video_id, part = youtube_id(rng), int(rng.integers(0, 10))
                    names.add(video_id)
                    write_clip(clip, out / split / label / f"{video_id}_{part}.avi", "XVID", rng)
                    count += 1
    return count
