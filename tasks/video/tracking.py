"""ByteTrack-style tracking: stable person ids through a clip, then the persons worth keeping.

Per frame, confident detections are matched first to every live track, then the leftover
low-score detections to the tracks still unmatched that were seen in the previous frame: a person
partly hidden keeps its id instead of starting a new one. A pair may match only when the box
overlaps the track's box (moved by its velocity) by `match_iou`; among those, the Hungarian
assignment maximises IoU plus keypoint similarity (COCO's OKS), which tells apart two persons
whose boxes overlap (a fight, a hug). A track survives `max_age` frames unseen (a short occlusion); a
track seen fewer than `min_hits` times is noise and dropped. The clip keeps its `max_persons`
best tracks, ranked by how long and how confidently they are seen, renumbered 0, 1, ... by rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from tasks.video.boxes import box_iou
from tasks.video.pose import Persons

MAX_EXTRAPOLATION = 10
SECOND_STAGE_IOU = 0.5
# COCO's per-keypoint OKS sigmas (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles).
SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10.0
VISIBLE = 0.3


@dataclass
class _Track:
    id: int
    box: np.ndarray
    keypoints: np.ndarray
    scores: np.ndarray
    last_frame: int
    hits: int = 1
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4, np.float64))

    def predict(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """Box and keypoints moved on by the velocity to `frame`."""
        shift = self.velocity * min(frame - self.last_frame, MAX_EXTRAPOLATION)
        return self.box + shift, self.keypoints + (shift[:2] + shift[2:]) / 2

    def update(self, box: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, frame: int) -> None:
        step = max(frame - self.last_frame, 1)
        self.velocity = 0.5 * self.velocity + 0.5 * (box - self.box) / step
        self.box, self.last_frame = box.astype(np.float64), frame
        self.keypoints, self.scores = keypoints.astype(np.float64), scores
        self.hits += 1


def oks(det_kpts: np.ndarray, det_scores: np.ndarray, trk_kpts: np.ndarray, trk_scores: np.ndarray, trk_boxes: np.ndarray) -> np.ndarray:
    """Object keypoint similarity of every detection [N] with every track [M] -> [N, M], over the
    keypoints both see; the track's box area is the scale."""
    if not len(det_kpts) or not len(trk_kpts):
        return np.zeros((len(det_kpts), len(trk_kpts)))
    d2 = ((det_kpts[:, None] - trk_kpts[None]) ** 2).sum(-1)
    area = np.prod(np.clip(trk_boxes[:, 2:] - trk_boxes[:, :2], 1, None), axis=1)
    e = d2 / (2 * area[None, :, None] * (2 * SIGMAS) ** 2)
    both = (det_scores[:, None] > VISIBLE) & (trk_scores[None] > VISIBLE)
    return (np.exp(-e) * both).sum(-1) / np.maximum(both.sum(-1), 1)


@dataclass
class Tracks:
    """Tracked persons as columns, one row per (frame, track): what frames.parquet holds."""

    frame_idx: np.ndarray
    track_id: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray
    keypoint_scores: np.ndarray

    @classmethod
    def empty(cls) -> "Tracks":
        none = Persons.empty()
        return cls(np.zeros(0, np.int32), np.zeros(0, np.int32), none.boxes, none.scores, none.keypoints, none.keypoint_scores)

    def __len__(self) -> int:
        return len(self.frame_idx)

    def select(self, index: np.ndarray) -> "Tracks":
        return Tracks(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    def sorted(self) -> "Tracks":
        return self.select(np.lexsort((self.track_id, self.frame_idx)))


def _match(iou: np.ndarray, similarity: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Hungarian assignment on IoU + OKS among the pairs whose IoU reaches `threshold`."""
    if iou.size == 0:
        return []
    allowed = iou >= threshold
    rows, cols = linear_sum_assignment(-np.where(allowed, iou + similarity, -1e6))
    return [(r, c) for r, c in zip(rows, cols) if allowed[r, c]]


class Tracker:
    """Feed frames in order with `update`; `result()` gives every track's rows."""

    def __init__(
        self,
        high_score: float = 0.5,
        low_score: float = 0.1,
        match_iou: float = 0.3,
        max_age: int = 30,
        min_hits: int = 3,
    ) -> None:
        self.high, self.low, self.match_iou = high_score, low_score, match_iou
        self.max_age, self.min_hits = max_age, min_hits
        self.tracks: list[_Track] = []
        self.next_id = 0
        self.last_frame: int | None = None
        self._rows: list[tuple[int, int, Persons]] = []

    def update(self, frame: int, persons: Persons) -> np.ndarray:
        """Track ids for the persons of `frame` (-1 for a low-score detection nobody claims)."""
        ids = np.full(len(persons), -1, np.int64)
        self.tracks = [t for t in self.tracks if frame - t.last_frame <= self.max_age]
        high = np.flatnonzero(persons.scores >= self.high)
        low = np.flatnonzero((persons.scores >= self.low) & (persons.scores < self.high))
        moved = [t.predict(frame) for t in self.tracks]
        boxes = np.array([b for b, _ in moved]).reshape(-1, 4)
        kpts = np.array([k for _, k in moved]).reshape(-1, *persons.keypoints.shape[1:])
        kscores = np.array([t.scores for t in self.tracks]).reshape(-1, persons.keypoint_scores.shape[1])

        def similarity(dets: np.ndarray, tracks: list[int]) -> tuple[np.ndarray, np.ndarray]:
            iou = box_iou(persons.boxes[dets], boxes[tracks])
            return iou, oks(persons.keypoints[dets], persons.keypoint_scores[dets], kpts[tracks], kscores[tracks], boxes[tracks])

        everyone = list(range(len(self.tracks)))
        matches = _match(*similarity(high, everyone), self.match_iou)
        for r, c in matches:
            ids[high[r]] = c
        claimed = {c for _, c in matches}
        recent = [c for c in everyone if c not in claimed and self.tracks[c].last_frame == self.last_frame]
        for r, c in _match(*similarity(low, recent), SECOND_STAGE_IOU):
            ids[low[r]] = recent[c]
        for det, slot in enumerate(ids):
            if slot >= 0:
                self.tracks[slot].update(persons.boxes[det], persons.keypoints[det], persons.keypoint_scores[det], frame)
        for det in high:
            if ids[det] < 0:
                self.tracks.append(_Track(
                    self.next_id, persons.boxes[det].astype(np.float64),
                    persons.keypoints[det].astype(np.float64), persons.keypoint_scores[det], frame,
                ))
                ids[det] = len(self.tracks) - 1
                self.next_id += 1
        track_ids = np.array([self.tracks[s].id if s >= 0 else -1 for s in ids], np.int64)
        for det, track in enumerate(track_ids):
            if track >= 0:
                self._rows.append((frame, int(track), persons.select(np.array([det]))))
        self.last_frame = frame
        return track_ids

    def result(self) -> Tracks:
        """Every row of every track seen at least `min_hits` times, ids as assigned."""
        if not self._rows:
            return Tracks.empty()
        hits = np.bincount([track for _, track, _ in self._rows])
        rows = [r for r in self._rows if hits[r[1]] >= self.min_hits]
        if not rows:
            return Tracks.empty()
        people = Persons.stack([p for _, _, p in rows])
        return Tracks(
            np.array([f for f, _, _ in rows], np.int32), np.array([t for _, t, _ in rows], np.int32),
            people.boxes, people.scores, people.keypoints, people.keypoint_scores,
        )


def top_tracks(tracks: Tracks, max_persons: int) -> Tracks:
    """The `max_persons` tracks with the most confidence summed over their frames (long and
    sure beats short or doubtful), renumbered 0.. by that rank, rows sorted by frame then id."""
    if not len(tracks):
        return tracks
    weight = tracks.scores * tracks.keypoint_scores.mean(axis=1)
    ids, inverse = np.unique(tracks.track_id, return_inverse=True)
    total = np.bincount(inverse, weights=weight)
    order = np.lexsort((ids, -total))[:max_persons]
    rank = np.full(len(ids), -1, np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    kept = rank[inverse]
    out = tracks.select(np.flatnonzero(kept >= 0))
    out.track_id = kept[kept >= 0]
    return out.sorted()


def track_persons(frames: list[tuple[int, Persons]], max_persons: int, **settings: float) -> Tracks:
    """Per-frame persons of one clip (in frame order) -> the clip's top tracks; `settings` are the
    Tracker's (high_score, low_score, match_iou, max_age, min_hits: the spec's tracking block)."""
    tracker = Tracker(**settings)
    for frame, persons in frames:
        tracker.update(frame, persons)
    return top_tracks(tracker.result(), max_persons)
