"""Previews draw where the annotations are: every labelled keypoint is covered in its person's (or
finger's, or track's) colour, and nothing is drawn away from keypoints, limbs and boxes."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from inspection.drawing import CANVAS_GREY, FINGER_COLORS, PALETTE, WRIST_COLOR, line_width
from inspection.shardpreview import PreviewError, hand_preview, person_preview
from inspection.tablepreview import clip_preview, pick_frames
from inspection.tableread import clip_frames, clip_row
from schemas.shards import HAND_SKELETON, frame_member, load_npy
from schemas.skeletons import COCO_SKELETON
from shard_factory import body, hand_sample, person, person_sample, write_tar
from skeleton_factory import write_skeleton_tables
from tasks.shards.reading import samples
from tasks.video.decode import read_frames


def as_sample(tmp_path, sample):
    path = tmp_path / "one.tar"
    write_tar(path, [sample])
    (got,) = samples(str(path))
    return got


def near(image, xy, color, radius=1, tolerance=24):
    """Whether `color` (give or take anti-aliasing) appears within `radius` pixels of point xy."""
    x, y = int(round(xy[0])), int(round(xy[1]))
    patch = image[max(y - radius, 0):y + radius + 1, max(x - radius, 0):x + radius + 1].reshape(-1, 3).astype(int)
    return bool((np.abs(patch - np.array(color)) <= tolerance).all(axis=1).any())


def allowed_region(shape, people, thickness, slack=2):
    """Pixels a drawing of these (keypoints [17,3], bbox xywh) may touch."""
    mask = np.zeros(shape[:2], np.uint8)
    for kpts, bbox in people:
        x, y, w, h = bbox
        cv2.rectangle(mask, (int(x), int(y)), (int(round(x + w)), int(round(y + h))), 255, 1 + 2 * slack)
        labelled = kpts[:, 2] > 0
        for a, b in COCO_SKELETON:
            if labelled[a] and labelled[b]:
                cv2.line(mask, tuple(np.round(kpts[a, :2]).astype(int)), tuple(np.round(kpts[b, :2]).astype(int)), 255, thickness + 2 * slack)
        for point in kpts[labelled, :2]:
            cv2.circle(mask, tuple(np.round(point).astype(int)), thickness + 3 + slack + 1, 255, -1)  # joint, rim, blur
    return mask > 0


def check_person_picture(picture, source, people):
    h, w = source.shape[:2]
    drawn = (picture.image[:h, :w] != source).any(axis=2)
    thickness = line_width(h, w)
    for index, (kpts, _) in enumerate(people):
        for point in kpts[kpts[:, 2] > 0, :2]:
            assert drawn[int(round(point[1])), int(round(point[0]))]
            assert near(picture.image, point, PALETTE[index % len(PALETTE)])
    stray = drawn & ~allowed_region(source.shape, people, thickness)
    assert not stray.any(), f"{stray.sum()} pixels drawn away from keypoints, limbs and boxes, e.g. {np.argwhere(stray)[:3].tolist()}"
    assert drawn.sum() > 200


def test_person_preview_draws_on_the_keypoints(tmp_path):
    vis = [2] * 17
    vis[5], vis[7] = 1, 1
    vis[15], vis[16] = 0, 0
    persons = [person(1, body(45)), person(2, body(115, vis))]
    sample = as_sample(tmp_path, person_sample("toy-val-1", 1, persons))
    picture = person_preview(sample)
    source = cv2.imdecode(np.frombuffer(sample.members["jpg"], np.uint8), cv2.IMREAD_COLOR)
    people = [(np.asarray(p["keypoints"]), p["bbox"]) for p in persons]
    check_person_picture(picture, source, people)
    assert not (picture.image[:12, :12] != source[:12, :12]).any()  # the unlabelled feet (0, 0) are not drawn
    assert picture.image.shape[0] > source.shape[0]  # the caption band is below the image


def test_person_preview_on_a_real_photo(samples_dir, tmp_path):
    coco = json.loads((samples_dir / "coco" / "test_coco.json").read_text())
    image = coco["images"][0]
    anns = [a for a in coco["annotations"] if a["image_id"] == image["id"]]
    persons = [{"id": a["id"], "bbox": a["bbox"], "area": a["area"], "iscrowd": a["iscrowd"],
                "keypoints": np.asarray(a["keypoints"], float).reshape(17, 3).tolist()} for a in anns]
    meta = {"image_id": image["id"], "file_name": image["file_name"], "width": image["width"], "height": image["height"], "persons": persons}
    jpg = (samples_dir / "coco" / image["file_name"]).read_bytes()
    sample = as_sample(tmp_path, {"__key__": f"coco-val-{image['id']}", "jpg": jpg, "json": json.dumps(meta).encode()})
    picture = person_preview(sample)
    source = cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_COLOR)
    check_person_picture(picture, source, [(np.asarray(p["keypoints"]), p["bbox"]) for p in persons if not p["iscrowd"]])
    cv2.imwrite(str(tmp_path / "real.png"), picture.image)


def test_hand_strip_draws_each_frame_on_its_joints(tmp_path):
    valid = np.ones((3, 21), np.float32)
    valid[1, 20] = 0
    sample = as_sample(tmp_path, hand_sample("hands-train-0", t=3, valid=valid))
    picture = hand_preview(sample, columns=2)
    joints = load_npy(sample.members["joint_img.npy"])
    assert [t.label for t in picture.tiles] == ["frame00.jpg", "frame01.jpg", "frame02.jpg"]
    for t, tile in enumerate(picture.tiles):
        source = cv2.imdecode(np.frombuffer(sample.members[frame_member(t)], np.uint8), cv2.IMREAD_COLOR)
        region = picture.image[tile.y:tile.y + tile.height, tile.x:tile.x + tile.width]
        for j, point in enumerate(joints[t]):
            color = WRIST_COLOR if j == 0 else FINGER_COLORS[(j - 1) // 4]
            x, y = np.round(point).astype(int)
            if valid[t, j]:
                assert tuple(region[y, x]) == color, (t, j)
            else:
                assert (region[y - 1:y + 2, x - 1:x + 2] == source[y - 1:y + 2, x - 1:x + 2]).all()
        drawn = (region != source).any(axis=2)
        allowed = np.zeros(drawn.shape, np.uint8)
        for a, b in HAND_SKELETON:
            if valid[t, a] and valid[t, b]:
                cv2.line(allowed, tuple(np.round(joints[t, a]).astype(int)), tuple(np.round(joints[t, b]).astype(int)), 255, 5)
        for j in np.flatnonzero(valid[t]):
            cv2.circle(allowed, tuple(np.round(joints[t, j]).astype(int)), 5, 255, -1)
        assert not (drawn & (allowed == 0)).any()


def test_hand_preview_names_a_wrong_shape(tmp_path):
    sample = hand_sample("hands-train-0", t=2)
    sample["joint_img.npy"] = sample["joint_cam.npy"]
    with pytest.raises(PreviewError, match=r"hands-train-0 member 'joint_img.npy': shape \[2, 21, 3\], expected \[T, 21, 2\]"):
        hand_preview(as_sample(tmp_path, sample))


@pytest.fixture()
def tables(tmp_path):
    return write_skeleton_tables(tmp_path / "tables", {"train": 2}, num_frames=24)


def _tile_of(picture, frame):
    return next(t for t in picture.tiles if t.label == f"frame {frame}")


def test_clip_grid_draws_tracks_on_grey(tables):
    clip, _ = clip_row(tables, "train-001")
    frames = clip_frames(tables, "train-001")
    chosen = pick_frames(frames, clip["num_frames"], 4)
    assert chosen == [0, 8, 15, 23]
    picture = clip_preview(clip, frames, chosen=chosen, columns=2, tile_width=320)
    assert len(picture.tiles) == 4 and picture.tiles[0].scale == 1.0
    for frame in chosen:
        tile = _tile_of(picture, frame)
        rows = frames.at(frame)
        assert len(rows) == (2 if frame >= 6 else 1)  # the second person walks in at frame 6
        for row in rows:
            color = PALETTE[int(frames.track_id[row]) % len(PALETTE)]
            for point in tile.to_picture(frames.keypoints[row])[5:]:  # the head points crowd; limbs are apart
                assert near(picture.image, point, color, radius=1), (frame, row)
        corner = picture.image[tile.y + 2, tile.x + 2]
        assert tuple(corner) == (CANVAS_GREY,) * 3


def test_clip_grid_over_the_raw_video(tables, tmp_path):
    clip, _ = clip_row(tables, "train-000")
    video = tmp_path / "raw" / clip["path"]
    video.parent.mkdir(parents=True)
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (clip["width"], clip["height"]))
    for i in range(clip["num_frames"]):
        writer.write(np.full((clip["height"], clip["width"], 3), (8 * i, 100, 200 - 4 * i), np.uint8))
    writer.release()
    frames = clip_frames(tables, "train-000")
    chosen = [3, 20]
    decoded = read_frames(video, chosen + [999])
    assert sorted(decoded) == chosen
    picture = clip_preview(clip, frames, decoded, chosen=chosen, tile_width=160)
    for frame in chosen:
        tile = _tile_of(picture, frame)
        assert tile.scale == 0.5
        corner = picture.image[tile.y + 2, tile.x + 2].astype(int)
        assert np.abs(corner - [8 * frame, 100, 200 - 4 * frame]).max() <= 6
        (row,) = frames.at(frame)
        for point in tile.to_picture(frames.keypoints[row])[5:]:
            assert near(picture.image, point, PALETTE[0], radius=1)
