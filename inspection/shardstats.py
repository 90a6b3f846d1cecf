"""`shards stats`: per split, what the samples hold, from the manifest and the small members only.

Person images: persons per image, keypoint visibility, box sizes, SMPL-X coverage (the `json`
member). Hand clips: frames, handedness and source balance, joint validity, MANO coverage, hand box
sizes (`json` plus the tiny `joint_valid`, `hand_bbox` and `has_mano` arrays). Images are never
read, let alone decoded: local shards are walked with seeks past them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from inspection.distribution import distribution
from inspection.kinds import guess_kind
from inspection.sources import ShardGroup
from schemas.shards import HAND_CLIP, HAND_JOINTS, PERSON_IMAGE, load_npy
from schemas.skeletons import COCO_KEYPOINTS
from tasks.shards.reading import Sample, ShardReadError, extensions, samples

HAND_STAT_MEMBERS = ("joint_valid.npy", "hand_bbox.npy", "has_mano.npy")
STAT_MEMBERS = {"json", *HAND_STAT_MEMBERS}
COCO_SMALL, COCO_MEDIUM = 32**2, 96**2
SHOWN_PROBLEMS = 20


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class PersonStats:
    images: int = 0
    persons: int = 0
    crowd: int = 0
    with_smplx: int = 0
    per_image: Counter = field(default_factory=Counter)
    visibility_rows: list[list[float]] = field(default_factory=list)
    box_sides: list[float] = field(default_factory=list)
    areas: list[float] = field(default_factory=list)
    image_sizes: Counter = field(default_factory=Counter)

    def add(self, meta: dict[str, Any]) -> None:
        """Plain Python per person (thousands of samples a second); numpy once, in to_dict."""
        self.images += 1
        self.image_sizes[f"{meta.get('width')}x{meta.get('height')}"] += 1
        people = [p for p in meta.get("persons", []) if isinstance(p, dict)]
        self.persons += len(people)
        counted = 0
        for person in people:
            if person.get("iscrowd"):
                self.crowd += 1
                continue
            counted += 1
            self.with_smplx += "smplx" in person
            kpts = person.get("keypoints", [])
            if len(kpts) == len(COCO_KEYPOINTS) and all(len(k) == 3 for k in kpts):
                self.visibility_rows.append([k[2] for k in kpts])
            bbox = person.get("bbox", [])
            if len(bbox) == 4:
                self.box_sides.append(max(bbox[2], 0) * max(bbox[3], 0))
            self.areas.append(float(person.get("area", 0)))
        self.per_image[counted if counted < 5 else "5+"] += 1

    def to_dict(self) -> dict[str, Any]:
        people = self.persons - self.crowd
        vis = np.asarray(self.visibility_rows, dtype=np.float64).reshape(-1, len(COCO_KEYPOINTS))
        slots = vis.size
        areas = np.asarray(self.areas)
        return {
            "images": self.images,
            "persons": people,
            "crowd_regions": self.crowd,
            "persons_per_image": {str(k): v for k, v in sorted(self.per_image.items(), key=lambda kv: str(kv[0]))},
            "mean_persons_per_image": _share(people, self.images),
            "keypoints": {
                "visible": _share(float((vis == 2).sum()), slots),
                "occluded": _share(float((vis == 1).sum()), slots),
                "unlabelled": _share(float((vis == 0).sum()), slots),
            },
            "labelled_share_per_keypoint": {
                name: _share(float(n), len(vis)) for name, n in zip(COCO_KEYPOINTS, (vis > 0).sum(axis=0))
            },
            "persons_without_keypoints": int((~(vis > 0).any(axis=1)).sum()),
            "bbox_side_px": distribution(np.sqrt(self.box_sides)),
            "area": {"small": int((areas < COCO_SMALL).sum()),
                     "medium": int(((areas >= COCO_SMALL) & (areas < COCO_MEDIUM)).sum()),
                     "large": int((areas >= COCO_MEDIUM).sum())},
            "persons_with_smplx": self.with_smplx,
            "image_sizes": dict(self.image_sizes.most_common(5)),
        }


@dataclass
class HandStats:
    clips: int = 0
    frames: int = 0
    lengths: Counter = field(default_factory=Counter)
    handedness: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    source_splits: Counter = field(default_factory=Counter)
    valid_joints: np.ndarray = field(default_factory=lambda: np.zeros(len(HAND_JOINTS)))
    all_valid_frames: int = 0
    mano_frames: int = 0
    box_sides: list[float] = field(default_factory=list)

    def add(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.clips += 1
        self.handedness[str(meta.get("handedness"))] += 1
        self.sources[str(meta.get("data_source"))] += 1
        self.source_splits[str(meta.get("source_split"))] += 1
        valid = arrays.get("joint_valid")
        if valid is not None and valid.ndim == 2 and valid.shape[1] == len(HAND_JOINTS):
            self.frames += valid.shape[0]
            self.lengths[valid.shape[0]] += 1
            self.valid_joints += (valid > 0).sum(axis=0)
            self.all_valid_frames += int((valid > 0).all(axis=1).sum())
        mano = arrays.get("has_mano")
        if mano is not None:
            self.mano_frames += int((mano.reshape(-1) > 0).sum())
        box = arrays.get("hand_bbox")
        if box is not None and box.ndim == 2 and box.shape[1] == 4:
            sides = np.sqrt(np.clip(box[:, 2] - box[:, 0], 0, None) * np.clip(box[:, 3] - box[:, 1], 0, None))
            self.box_sides += sides.tolist()

    def to_dict(self) -> dict[str, Any]:
        return {
            "clips": self.clips,
            "frames": self.frames,
            "clip_lengths": {str(k): v for k, v in sorted(self.lengths.items())},
            "handedness": dict(sorted(self.handedness.items())),
            "data_sources": dict(sorted(self.sources.items())),
            "source_splits": dict(sorted(self.source_splits.items())),
            "valid_joint_share": _share(float(self.valid_joints.sum()), self.frames * len(HAND_JOINTS)),
            "valid_share_per_joint": {name: _share(float(n), self.frames) for name, n in zip(HAND_JOINTS, self.valid_joints)},
            "frames_with_all_joints_valid": _share(self.all_valid_frames, self.frames),
            "frames_with_mano": _share(self.mano_frames, self.frames),
            "hand_bbox_side_px": distribution(self.box_sides),
        }


@dataclass
class GroupStats:
    label: str
    kind: str | None
    shards: int = 0
    samples: int = 0
    manifest_samples: int | None = None
    quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    content: PersonStats | HandStats | None = None
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "kind": self.kind, "shards": self.shards, "samples": self.samples,
            "manifest_samples": self.manifest_samples, "quarantined": self.quarantined,
            "quarantine_reasons": self.quarantine_reasons,
            "content": self.content.to_dict() if self.content else None,
            "problems": self.problems, "problem_count": self.problem_count,
        }


def _reason(text: str) -> str:
    """A quarantine reason without the per-item detail, so alike reasons count together."""
    return text.split(":")[0].strip()[:80] or text[:80]


def _add(stats: GroupStats, sample: Sample) -> None:
    kind = stats.kind or guess_kind(sample.sizes)
    if kind is None:
        stats.problem(f"{sample.shard}: sample {sample.key} has members {sorted(sample.sizes)}: neither layout")
        return
    if stats.kind is None:
        stats.kind = kind
    if stats.content is None:
        stats.content = PersonStats() if kind == PERSON_IMAGE else HandStats()
    try:
        meta = json.loads(sample.members.get("json") or b"")
        if not isinstance(meta, dict):
            raise ValueError("not an object")
    except ValueError as err:
        stats.problem(f"{sample.shard}: sample {sample.key} member 'json' does not parse: {err}")
        return
    if kind == PERSON_IMAGE:
        stats.content.add(meta)  # type: ignore[call-arg]
        return
    arrays = {}
    for member in HAND_STAT_MEMBERS:
        data = sample.members.get(member)
        if data is None:
            continue
        try:
            arrays[member.removesuffix(".npy")] = load_npy(data)
        except ValueError as err:
            stats.problem(f"{sample.shard}: sample {sample.key} member {member!r} is not a .npy array: {err}")
    stats.content.add(meta, arrays)  # type: ignore[call-arg]


def group_stats(group: ShardGroup, kind: str | None = None, progress: Callable[[int], None] | None = None) -> GroupStats:
    stats = GroupStats(group.label, kind or group.kind)
    if group.manifest_error:
        stats.problem(group.manifest_error)
    if group.manifest is not None:
        stats.quarantined = len(group.manifest.quarantined)
        stats.quarantine_reasons = dict(Counter(_reason(q.reason) for q in group.manifest.quarantined).most_common(10))
        stats.manifest_samples = group.expected_samples
    for shard in group.shards:
        if not shard.exists:
            stats.problem(f"{shard.target}: listed in the manifest but missing")
            continue
        stats.shards += 1
        try:
            for sample in samples(shard.target, select=extensions(STAT_MEMBERS)):
                stats.samples += 1
                _add(stats, sample)
                if progress:
                    progress(1)
        except ShardReadError as err:
            stats.problem(str(err))
    if stats.manifest_samples is not None and stats.manifest_samples != stats.samples and not stats.problem_count:
        stats.problem(f"{group.label}: {stats.samples} samples read, the manifest says {stats.manifest_samples}")
    if stats.content is None and stats.kind in (PERSON_IMAGE, HAND_CLIP):
        stats.content = PersonStats() if stats.kind == PERSON_IMAGE else HandStats()
    return stats
