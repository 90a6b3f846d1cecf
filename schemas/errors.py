"""Validation results that say where (file, row or sample, column or key) and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One way in which data breaks its contract."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class SchemaError(ValueError):
    """Raised with every problem found (the first few are spelled out in the message)."""

    def __init__(self, source: str, problems: list[Problem], shown: int = 5) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem(s) against the contract"]
        lines += [f"  - {p}" for p in problems[:shown]]
        if len(problems) > shown:
            lines.append(f"  ... and {len(problems) - shown} more")
        super().__init__("\n".join(lines))


def raise_if(source: str, problems: list[Problem]) -> None:
    if problems:
        raise SchemaError(source, problems)
