"""tasks/video/tracking.py: stable ids through occlusions and crossings, then the top persons."""

from __future__ import annotations

import numpy as np

from synthetic.figures import standing_pose
from tasks.video.pose import Persons
from tasks.video.tracking import Tracker, Tracks, top_tracks, track_persons


def people(*entries: tuple[float, float, float]) -> Persons:
    """Persons standing with feet centred at (x, 200), height 100, box score s: (x, s, lift)."""
    boxes, scores, kpts = [], [], []
    for x, score, lift in entries:
        kp = standing_pose(x, 200 - lift, 100)
        kpts.append(kp)
        boxes.append([kp[:, 0].min() - 5, kp[:, 1].min() - 5, kp[:, 0].max() + 5, kp[:, 1].max() + 5])
        scores.append(score)
    if not entries:
        return Persons.empty()
    return Persons(np.array(boxes, np.float32), np.array(scores, np.float32), np.stack(kpts), np.full((len(entries), 17), 0.9, np.float32))


def ids_by_frame(tracks: Tracks) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for f, t in zip(tracks.frame_idx.tolist(), tracks.track_id.tolist()):
        out.setdefault(f, []).append(t)
    return out


def test_a_person_keeps_its_id_through_a_short_occlusion():
    tracker = Tracker(max_age=10, min_hits=3)
    frames = {}
    for f in range(30):
        seen = [(50 + 2 * f, 0.9, 0)] if not 10 <= f < 16 else []  # hidden for 6 frames
        frames[f] = tracker.update(f, people(*seen, (250, 0.9, 0))).tolist()
    walker = {ids[0] for f, ids in frames.items() if len(ids) == 2}
    assert len(walker) == 1, "the walker got a new id after the occlusion"
    result = tracker.result()
    assert sorted(set(result.track_id.tolist())) == [0, 1]


def test_an_occlusion_longer_than_max_age_starts_a_new_track():
    tracker = Tracker(max_age=3, min_hits=1)
    first = tracker.update(0, people((50, 0.9, 0)))[0]
    for f in range(1, 6):
        tracker.update(f, people())
    assert tracker.update(6, people((50, 0.9, 0)))[0] != first


def test_low_score_detections_extend_tracks_but_never_start_them():
    tracker = Tracker(high_score=0.5, low_score=0.1, min_hits=1)
    a = tracker.update(0, people((50, 0.9, 0)))[0]
    # the person is partly hidden: its score drops, the tracker still claims it (second stage)
    assert tracker.update(1, people((51, 0.3, 0)))[0] == a
    # a low-score detection far from any track is not a new person
    assert tracker.update(2, people((51, 0.9, 0), (250, 0.3, 0))).tolist() == [a, -1]


def test_people_with_overlapping_boxes_keep_their_ids_by_their_poses():
    """Two people locked together (a fight, a hug): their boxes are the same up to jitter, so only
    their keypoints tell them apart; each track must stay on one person."""
    rng = np.random.default_rng(0)
    kp = np.stack([standing_pose(110, 200, 100), standing_pose(130, 180, 100)])
    frames = []
    for f in range(60):
        boxes = np.array([[80, 90, 160, 210]] * 2, np.float32) + rng.uniform(-8, 8, (2, 4)).astype(np.float32)
        frames.append((f, Persons(boxes, np.array([0.9, 0.9], np.float32), kp, np.full((2, 17), 0.9, np.float32))))
    tracks = track_persons(frames, max_persons=2)
    for t in (0, 1):
        noses = tracks.keypoints[tracks.track_id == t][:, 0]
        assert len(noses) == 60 and np.ptp(noses[:, 0]) == 0, f"track {t} switched persons"


def test_short_tracks_are_noise_and_the_best_persons_are_kept_by_rank():
    frames = []
    for f in range(20):
        entries = [(60, 0.95, 0)]  # always there, sure
        if f < 12:
            entries.append((160, 0.6, 0))  # there for a while, less sure
        entries.append((260, 0.9, 0) if f == 5 else (260, 0.0, 0))  # a one-frame false positive
        frames.append((f, people(*entries)))
    tracks = track_persons(frames, max_persons=3, min_hits=3)
    assert sorted(set(tracks.track_id.tolist())) == [0, 1]
    rank0 = tracks.boxes[tracks.track_id == 0][:, 0].mean()
    rank1 = tracks.boxes[tracks.track_id == 1][:, 0].mean()
    assert rank0 < 100 < rank1 < 200  # the always-seen person ranks first
    one = top_tracks(tracks, 1)
    assert set(one.track_id.tolist()) == {0} and len(one) == 20
    order = np.lexsort((tracks.track_id, tracks.frame_idx))
    assert (order == np.arange(len(tracks))).all()  # rows sorted by frame, then track


def test_nothing_seen_gives_empty_tracks():
    tracks = track_persons([(f, Persons.empty()) for f in range(5)], max_persons=2)
    assert len(tracks) == 0 and tracks.keypoints.shape == (0, 17, 2)
