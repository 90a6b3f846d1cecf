"""What a build did, in numbers a person and a Prefect artifact can read, and the failure policy.

The threshold is judged per split: a split whose annotations do not parse fails as a whole (its
share is 1), so a build whose val split is broken cannot pass because train was fine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable

from tasks.items import ItemResult


@dataclass
class Failure:
    item: str
    file: str
    reason: str


@dataclass
class BuildReport:
    dataset: str
    out: str
    items: int = 0
    written: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    splits: dict[str, list[int]] = field(default_factory=dict)  # split -> [items, failed]
    warnings: list[str] = field(default_factory=list)

    @property
    def failure_share(self) -> float:
        return self.failed / self.items if self.items else 0.0

    def add(self, split: str, results: Iterable[ItemResult]) -> None:
        """Count one split's item results."""
        counts = self.splits.setdefault(split, [0, 0])
        for r in results:
            self.items += 1
            counts[0] += 1
            if r.failed:
                self.failed += 1
                counts[1] += 1
                self.failures.append(Failure(r.key, r.file, r.reason))
            elif r.reused:
                self.skipped += 1
            else:
                self.written += 1

    def split_failed(self, split: str, failure: Failure) -> None:
        """A split that cannot be read at all: all of it failed."""
        self.items += 1
        self.failed += 1
        self.failures.append(failure)
        self.splits[split] = [1, 1]

    def over_threshold(self, threshold: float) -> list[str]:
        """Lines naming each split whose failed share passes `threshold` (empty: the build passes)."""
        lines = []
        for split, (items, failed) in sorted(self.splits.items()):
            if items and failed / items > threshold:
                lines.append(f"{split}: {failed} of {items} items failed ({failed / items:.0%}), above the failure_threshold {threshold:.0%}")
        if not self.splits:
            lines.append("no split had any items")
        return lines

    def counts(self) -> dict[str, int]:
        """The artifact's table; `skipped` items are the unchanged ones, named so everywhere a person reads."""
        return {"items": self.items, "written": self.written, "unchanged": self.skipped, "failed": self.failed}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "BuildReport":
        data = dict(data)
        failures = [Failure(**f) for f in data.pop("failures", [])]
        return cls(**data, failures=failures)

    def summary(self) -> str:
        c = self.counts()
        return f"{self.dataset}: {c['items']} items, {c['written']} written, {c['unchanged']} unchanged, {c['failed']} failed -> {self.out}"


class BuildFailed(Exception):
    """The flow run's Failed state carries this: too many items failed; the report says which."""

    def __init__(self, report: BuildReport, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.report = report
        self.lines = lines
