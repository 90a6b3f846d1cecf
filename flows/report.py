"""What a build did, in numbers a person and a Prefect artifact can read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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

    @property
    def failure_share(self) -> float:
        return self.failed / self.items if self.items else 0.0

    def merge(self, other: "BuildReport") -> "BuildReport":
        self.items += other.items
        self.written += other.written
        self.skipped += other.skipped
        self.failed += other.failed
        self.failures += other.failures
        self.outputs += other.outputs
        return self

    def counts(self) -> dict[str, int]:
        """The artifact's table; `skipped` items are the unchanged ones, named so everywhere a person reads."""
        return {"items": self.items, "written": self.written, "unchanged": self.skipped, "failed": self.failed}

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        c = self.counts()
        return f"{self.dataset}: {c['items']} items, {c['written']} written, {c['unchanged']} unchanged, {c['failed']} failed -> {self.out}"
