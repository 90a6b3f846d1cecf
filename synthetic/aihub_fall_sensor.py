"""Synthetic AI Hub 낙상사고 위험동작 영상-센서 쌍: the videos under
`원천데이터/영상/{N(비낙상)/N(비낙상), Y(낙상)/{BY(후면낙상),FY(전면낙상),SY(측면낙상)}}/{id}/{id}.mp4`,
each with its label JSON at the mirrored path under `라벨링데이터/` (`metadata`, `scene_info`,
`actor_info`, `sensordata`, `scene_path`), ids `{scene:05d}_H_A_{N|BY|FY|SY}_C{cam}`.

Fall scenes: the figure walks, totters, and goes down (synthetic.aihub_falldown's faller) from
`fall_start_frame`, the fall lasting 60 frames (`fall_end_frame` = start + 60, 0-based, end
exclusive, as in the real labels at 60 fps). No-fall scenes: the figure walks back and forth,
fall frames 0/0. A scene filmed by two cameras shows the same motion mirrored. 60 fps like the
real videos, but small and short. Scene numbers are picked so that the reader's default hash split
puts fall and no-fall scenes in both splits. Each video has its `<stem>.pose.json` beside it for
the `annotations` pose backend.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from synthetic.aihub_falldown import HEIGHT, WIDTH, _faller, _walker
from synthetic.clips import Actor, Clip, color, write_clip
from synthetic.copies import copy_rng
from tasks.readers.aihub_fall_sensor import OPTIONS, split_for

FPS, FRAMES, FALL_LENGTH = 60.0, 240, 60
SOURCE, LABELS, VIDEO = "원천데이터", "라벨링데이터", "영상"
# class code -> (folders under 영상/, scene_cat_name)
CLASSES = {
    "N": (("N(비낙상)", "N(비낙상)"), "비낙상"),
    "BY": (("Y(낙상)", "BY(후면낙상)"), "후면낙상"),
    "FY": (("Y(낙상)", "FY(전면낙상)"), "전면낙상"),
    "SY": (("Y(낙상)", "SY(측면낙상)"), "측면낙상"),
}
# (class, split the scene should land in, cameras)
SCENES = (("FY", "train", 2), ("SY", "train", 1), ("N", "train", 2), ("BY", "val", 1), ("N", "val", 1))
PLACES = (("병원", "병실"), ("요양병원", "병실"), ("집", "거실"), ("병원", "복도"), ("집", "화장실"))
AGES = ("adult1(청소년청년)", "adult2(중장년노년)")


def _scene_numbers(copies: int = 1) -> list[int]:
    """The first scene numbers that the reader's default split sends where SCENES says (SCENES
    over again for each copy of --scale)."""
    numbers, used = [], set()
    for code, split, _ in SCENES * copies:
        folders = "/".join((SOURCE, VIDEO, *CLASSES[code][0]))
        number = next(n for n in range(1, 100000) if n not in used
                      and split_for(f"{folders}/{n:05d}_H_A_{code}_C1/{n:05d}_H_A_{code}_C1.mp4", OPTIONS["val_share"]) == split)
        used.add(number)
        numbers.append(number)
    return numbers


def label_json(scene_id: str, code: str, cam: int, fall: tuple[int, int], rng: np.random.Generator) -> dict:
    """The label file's content, laid out like the dataset's."""
    location, position = PLACES[int(rng.integers(len(PLACES)))]
    falls = code != "N"
    return {
        "metadata": {
            "description": "낙상사고 위험동작 영상 데이터 (PoseFoundry synthetic)",
            "scene_id": scene_id, "scene_format": "MP4", "scene_res": f"{WIDTH} X {HEIGHT}",
            "creator": "posefoundry", "distributor": "synthetic", "date": "2023-09-05",
        },
        "scene_info": {
            "scene_loc": location, "scene_pos": position, "scene_method": str(rng.choice(["none", "cane"])),
            "scene_IsFall": "낙상" if falls else "비낙상", "scene_cat_name": CLASSES[code][1],
            "fall_type": "중심을 잃고 넘어짐" if falls else "none", "scene_length": FRAMES, "cam_num": cam,
        },
        "actor_info": {"actor_id": chr(ord("A") + int(rng.integers(26))), "actor_age": str(rng.choice(AGES)),
                       "actor_sex": str(rng.choice(["m", "f"]))},
        "sensordata": {"fall_start_frame": fall[0], "fall_end_frame": fall[1]},
        "scene_path": {"scene_path": f"낙상/{'Y' if falls else 'N'}/{code}/{scene_id}"},
    }


def generate(out: Path, seed: int, body_models: dict[str, Path], scale: int = 1) -> int:
    """Write the 낙상 video/label tree under `out`, `scale` times the scenes (synthetic.copies);
    returns the number of videos."""
    count = 0
    for index, ((code, _, cameras), number) in enumerate(zip(SCENES * scale, _scene_numbers(scale))):
        if index % len(SCENES) == 0:
            rng = copy_rng([seed, 71641], index // len(SCENES))
        if code == "N":
            person, fall = _walker(rng, FRAMES), (0, 0)
        else:
            totter = int(rng.integers(40, 80))
            start = totter + int(rng.integers(20, 35))
            person, fall = _faller(rng, FRAMES, totter, start), (start, start + FALL_LENGTH)
        tint = color(rng)
        for cam in range(1, cameras + 1):
            scene_id = f"{number:05d}_H_A_{code}_C{cam}"
            keypoints = person.copy()
            if cam % 2 == 0:  # the other camera sees the scene mirrored
                keypoints[..., 0] = WIDTH - 1 - keypoints[..., 0]
            clip = Clip(WIDTH, HEIGHT, FPS, FRAMES, [Actor(keypoints, tint, 0)])
            folders = Path(VIDEO, *CLASSES[code][0], scene_id)
            write_clip(clip, out / SOURCE / folders / f"{scene_id}.mp4", "mp4v", rng)
            label = out / LABELS / folders / f"{scene_id}.json"
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text(json.dumps(label_json(scene_id, code, cam, fall, rng), ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
            count += 1
    return count
