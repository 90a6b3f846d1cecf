"""The `mediapipe` backend: BlazePose (MediaPipe 0.10.21's bundled model, offline), COCO-17 out.

BlazePose sees one person per image. Several persons are found by masking: run it on the frame,
paint the found person's own segmentation mask grey, run again, until it finds nobody, finds a
"person" made mostly of already masked pixels (a blend of two bodies), or `max_people` are found.
When two bodies merge (a hug) the full-frame detector can miss both; the boxes of the previous
frame are then tried as crops of the masked frame, so a person seen a moment ago is looked for
where it was.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from tasks.video.boxes import box_iou
from tasks.video.decode import FrameBatch
from tasks.video.pose import Persons, PoseBackend

# MediaPipe's 33 landmarks -> COCO-17 (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles).
MP_TO_COCO = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
MASK_THRESHOLD = 0.5
SEED_MARGIN = 0.25
SEED_IOU = 0.3
MASK_GREY = 127


class _Found:
    def __init__(self, landmarks: np.ndarray, mask: np.ndarray, width: int, height: int) -> None:
        self.mask = mask
        xy = landmarks[:, :2]
        pad = 0.05 * max(float(np.ptp(xy[:, 1])), 1.0)
        x1, y1 = xy.min(0) - pad
        x2, y2 = xy.max(0) + pad
        self.box = np.array([max(x1, 0), max(y1, 0), min(x2, width), min(y2, height)], np.float32)
        coco = landmarks[MP_TO_COCO]
        self.keypoints = coco[:, :2].astype(np.float32)
        self.scores = coco[:, 2].clip(0, 1).astype(np.float32)
        self.score = float(self.scores.mean())


class BlazePoseBackend(PoseBackend):
    name = "mediapipe"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.max_people = int(options.get("max_people") or 4)
        self._local = threading.local()

    def settings(self) -> dict[str, Any]:
        keep = ("score_threshold", "max_people")
        return {"model": "mediapipe-0.10.21-blazepose-full", **{k: self.options.get(k) for k in keep}}

    def _pose(self) -> Any:
        """One graph per thread: a MediaPipe solution is not safe to share between threads."""
        if getattr(self._local, "pose", None) is None:
            import mediapipe as mp

            self._local.pose = mp.solutions.pose.Pose(
                static_image_mode=True, model_complexity=1, enable_segmentation=True,
            )
        return self._local.pose

    def _run(self, image: np.ndarray, region: tuple[int, int, int, int]) -> _Found | None:
        x1, y1, x2, y2 = region
        crop = np.ascontiguousarray(image[y1:y2, x1:x2])
        if crop.shape[0] < 16 or crop.shape[1] < 16:
            return None
        result = self._pose().process(crop)
        if result.pose_landmarks is None:
            return None
        h, w = crop.shape[:2]
        landmarks = np.array([[p.x * w + x1, p.y * h + y1, p.visibility] for p in result.pose_landmarks.landmark], np.float32)
        mask = np.zeros(image.shape[:2], bool)
        if result.segmentation_mask is not None:
            mask[y1:y2, x1:x2] = result.segmentation_mask > MASK_THRESHOLD
        return _Found(landmarks, mask, image.shape[1], image.shape[0])

    @staticmethod
    def _is_blend(found: _Found, covered: np.ndarray) -> bool:
        """Mostly made of masked pixels: the model stitched a body from persons already found."""
        h, w = covered.shape
        visible = found.scores > 0.5
        if not visible.any():
            return True
        xy = np.round(found.keypoints[visible]).astype(int)
        xy[:, 0] = xy[:, 0].clip(0, w - 1)
        xy[:, 1] = xy[:, 1].clip(0, h - 1)
        return covered[xy[:, 1], xy[:, 0]].mean() > 0.5

    def _frame(self, image: np.ndarray, seeds: np.ndarray) -> list[_Found]:
        h, w = image.shape[:2]
        work = image.copy()
        covered = np.zeros((h, w), bool)
        found: list[_Found] = []

        def accept(candidate: _Found | None) -> bool:
            if candidate is None or self._is_blend(candidate, covered):
                return False
            found.append(candidate)
            covered[candidate.mask] = True
            work[candidate.mask] = MASK_GREY
            return True

        while len(found) < self.max_people and accept(self._run(work, (0, 0, w, h))):
            pass
        for seed in seeds:
            if len(found) >= self.max_people:
                break
            if found and box_iou(seed, np.stack([f.box for f in found])).max() > SEED_IOU:
                continue
            mx, my = (seed[2] - seed[0]) * SEED_MARGIN, (seed[3] - seed[1]) * SEED_MARGIN
            region = (int(max(seed[0] - mx, 0)), int(max(seed[1] - my, 0)), int(min(seed[2] + mx, w)), int(min(seed[3] + my, h)))
            accept(self._run(work, region))
        return found

    def estimate(self, batch: FrameBatch) -> list[Persons]:
        state = self._local
        if getattr(state, "video", None) != batch.video or getattr(state, "last", -1) >= int(batch.indices[0]):
            state.video, state.seeds = batch.video, np.zeros((0, 4), np.float32)
        out = []
        for index, image in zip(batch.indices, batch.images):
            found = self._frame(image, state.seeds)
            if found:
                state.seeds = np.stack([f.box for f in found])
            state.last = int(index)
            persons = Persons(
                np.stack([f.box for f in found]) if found else np.zeros((0, 4), np.float32),
                np.array([f.score for f in found], np.float32),
                np.stack([f.keypoints for f in found]) if found else np.zeros((0, 17, 2), np.float32),
                np.stack([f.scores for f in found]) if found else np.zeros((0, 17), np.float32),
            )
            out.append(persons.scaled(*batch.scale))
        return out
