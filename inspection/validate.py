"""`shards validate`: every sample against its layout in schemas.shards, failures named precisely.

Besides the schema: tar damage, member names webdataset would drop or collide on, keys that repeat
across shards, samples of two splits made from one source (inspection.leakage, when the groups of
several splits share one `SplitLeaks`), and (with `decode`) images that do not decode or differ
from their annotated size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

import cv2
import numpy as np

from inspection.kinds import guess_kind
from inspection.leakage import SplitLeaks
from inspection.sources import ShardGroup
from schemas.shards import KEY_PATTERN, KINDS, PERSON_IMAGE, load_json, sample_problems
from tasks.shards.reading import Sample, ShardReadError, samples

IMAGE_SUFFIXES = ("jpg", "jpeg", "png", "webp")


@dataclass
class Finding:
    shard: str
    key: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.shard}: {self.message}"


@dataclass
class GroupValidation:
    label: str
    kind: str | None
    shards: int = 0
    samples: int = 0
    bad_samples: int = 0
    findings: list[Finding] = field(default_factory=list)
    finding_count: int = 0
    limit: int = 20

    def add(self, finding: Finding) -> None:
        self.finding_count += 1
        if len(self.findings) < self.limit:
            self.findings.append(finding)

    @property
    def ok(self) -> bool:
        return self.finding_count == 0

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("limit")
        data["findings"] = [{**asdict(f), "text": str(f)} for f in self.findings]
        return data


def _is_image(ext: str) -> bool:
    return ext.rsplit(".", 1)[-1] in IMAGE_SUFFIXES


def decode_problems(sample: Sample, kind: str) -> list[str]:
    """Images that do not decode, and a person image whose pixels differ from its annotated size."""
    problems = []
    for ext, data in sample.members.items():
        if not _is_image(ext) or data is None:
            continue
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            problems.append(f"sample {sample.key} member {ext!r}: does not decode as an image")
            continue
        if kind == PERSON_IMAGE and ext == "jpg":
            try:
                meta = load_json(sample.members.get("json") or b"{}")
            except ValueError:
                continue
            size = (meta.get("width"), meta.get("height"))
            if size != (image.shape[1], image.shape[0]):
                problems.append(
                    f"sample {sample.key} member 'jpg': {image.shape[1]}x{image.shape[0]} pixels, "
                    f"the json says {size[0]}x{size[1]}"
                )
    return problems


def sample_findings(sample: Sample, kind: str, decode: bool = False) -> list[str]:
    """Everything wrong with one sample, each message naming the sample and the member."""
    problems = [f"sample {sample.key}: {p}" for p in sample.problems]
    if not KEY_PATTERN.match(sample.key):
        problems.append(f"sample {sample.key}: key has characters outside {KEY_PATTERN.pattern}")
    problems += [str(p) for p in sample_problems(sample.as_webdataset(), kind)]
    if decode:
        problems += decode_problems(sample, kind)
    return problems


def validate_group(
    group: ShardGroup,
    kind: str | None = None,
    decode: bool = False,
    limit: int = 20,
    progress: Callable[[int], None] | None = None,
    leaks: SplitLeaks | None = None,
) -> GroupValidation:
    """One split folder's samples; pass every group of a dataset one `leaks` to compare their splits."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown sample kind {kind!r}; expected one of {', '.join(KINDS)}")
    result = GroupValidation(group.label, kind or group.kind, limit=limit)
    split = group.split_of()
    if group.manifest_error:
        result.add(Finding(str(group.folder), None, group.manifest_error))
    seen: dict[str, str] = {}
    for shard in group.shards:
        if not shard.exists:
            result.add(Finding(shard.target, None, "listed in the manifest but missing"))
            continue
        result.shards += 1
        try:
            for sample in samples(shard.target):
                result.samples += 1
                if progress:
                    progress(1)
                if result.kind is None:
                    result.kind = guess_kind(sample.sizes)
                if result.kind is None:
                    result.bad_samples += 1
                    result.add(Finding(shard.target, sample.key, f"sample {sample.key}: members {sorted(sample.sizes)} fit no layout (pass the kind)"))
                    continue
                problems = sample_findings(sample, result.kind, decode)
                if sample.key in seen:
                    problems.append(f"sample {sample.key}: key already used in {seen[sample.key]}")
                seen.setdefault(sample.key, shard.name)
                if leaks is not None and split is not None:
                    problems += leaks.check(*split, sample, result.kind)
                if problems:
                    result.bad_samples += 1
                for problem in problems:
                    result.add(Finding(shard.target, sample.key, problem))
        except ShardReadError as err:
            result.add(Finding(err.shard, None, f"member {err.member!r}: {err.reason}" if err.member else err.reason))
    return result
