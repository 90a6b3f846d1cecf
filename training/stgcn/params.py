"""The knobs of one STGCN++ task (a `stgcn.<task>` block of params.yaml), typed and checked.

Every key is required and no other is accepted, so a typo in params.yaml or in `dvc exp run -S`
fails before training starts, naming the key.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Any, get_type_hints

SCHEDULES = ("cosine", "multistep")
FEATS = ("j", "b", "jm", "bm")


class ParamsError(ValueError):
    """A params block that cannot be trained with; the message names the key."""


@dataclass(frozen=True)
class StgcnParams:
    # data: a skeleton-table folder and the splits to fit and to score on
    data: str
    train_split: str
    val_split: str
    seed: int
    # model: STGCN++ backbone and GCN head
    gcn_adaptive: str
    gcn_with_res: bool
    tcn_type: str
    graph_layout: str
    graph_mode: str
    num_stages: int
    base_channels: int
    inflate_stages: list[int]
    down_stages: list[int]
    dropout: float
    class_weight: dict[str, float]
    # input pipeline
    feats: list[str]
    clip_len: int
    num_person: int
    # optimisation
    epochs: int
    batch_size: int
    num_workers: int
    lr: float
    weight_decay: float
    grad_clip: float
    warmup_epochs: int
    warmup_factor: float
    schedule: str
    milestones: list[int]
    gamma: float
    min_lr: float
    precise_bn_batches: int  # 0: keep BatchNorm's moving averages; else recompute them each epoch

    @classmethod
    def from_dict(cls, data: Any, source: str = "params.yaml") -> "StgcnParams":
        """Checked against the fields: missing, unknown and mistyped keys all raise with their name."""
        if not isinstance(data, dict):
            raise ParamsError(f"{source}: expected a mapping of STGCN++ settings, got {data!r}")
        hints = get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        problems = []
        for key in data:
            if key not in hints:
                close = difflib.get_close_matches(key, names, n=1)
                problems.append(f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        problems += [f"missing key {name!r}" for name in names if name not in data]
        values = {}
        for name in names:
            if name in data:
                value, problem = _coerce(data[name], hints[name])
                if problem:
                    problems.append(f"key {name!r} is {data[name]!r}: {problem}")
                values[name] = value
        if problems:
            raise ParamsError(f"{source}: " + "; ".join(problems))
        params = cls(**values)
        params.check(source)
        return params

    def check(self, source: str) -> None:
        problems = []
        if self.schedule not in SCHEDULES:
            problems.append(f"schedule is {self.schedule!r}, expected one of {list(SCHEDULES)}")
        unknown = [f for f in self.feats if f not in FEATS]
        if unknown or not self.feats:
            problems.append(f"feats are {self.feats}, expected some of {list(FEATS)}")
        for name in ("epochs", "batch_size", "clip_len", "num_person", "num_stages", "base_channels"):
            if getattr(self, name) < 1:
                problems.append(f"{name} is {getattr(self, name)}, expected >= 1")
        if not 0 <= self.warmup_epochs < self.epochs:
            problems.append(f"warmup_epochs is {self.warmup_epochs}, expected 0 <= warmup_epochs < epochs ({self.epochs})")
        if not 0 <= self.dropout < 1:
            problems.append(f"dropout is {self.dropout}, expected 0 <= dropout < 1")
        if self.lr <= 0:
            problems.append(f"lr is {self.lr}, expected > 0")
        if problems:
            raise ParamsError(f"{source}: " + "; ".join(problems))

    def class_weights(self, class_names: list[str], source: str = "params.yaml") -> list[float]:
        """Loss weights in label order; named by class so a relabelled dataset cannot silently swap them."""
        missing = [n for n in class_names if n not in self.class_weight]
        extra = [n for n in self.class_weight if n not in class_names]
        if missing or extra:
            raise ParamsError(
                f"{source}: class_weight names {sorted(self.class_weight)}, but the data's classes are "
                f"{class_names} (missing {missing}, unknown {extra})"
            )
        return [float(self.class_weight[n]) for n in class_names]


def _coerce(value: Any, kind: Any) -> tuple[Any, str | None]:
    """YAML's value as the field's type (ints are fine as floats); a reason when it cannot be."""
    origin = getattr(kind, "__origin__", None)
    if kind is bool:
        return value, None if isinstance(value, bool) else "expected true or false"
    if kind is int:
        return value, None if isinstance(value, int) and not isinstance(value, bool) else "expected an integer"
    if kind is float:
        if isinstance(value, str):  # PyYAML (YAML 1.1) reads 1e-3 as a string; YAML 1.2 and DVC's -S read a number
            try:
                return float(value), None
            except ValueError:
                return value, "expected a number"
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value) if ok else value), None if ok else "expected a number"
    if kind is str:
        return value, None if isinstance(value, str) else "expected a string"
    if origin is list:
        (item,) = kind.__args__
        if not isinstance(value, list):
            return value, "expected a list"
        coerced = [_coerce(v, item) for v in value]
        bad = [p for _, p in coerced if p]
        return [v for v, _ in coerced], bad[0] if bad else None
    if origin is dict:
        _, item = kind.__args__
        if not isinstance(value, dict):
            return value, "expected a mapping"
        coerced = {k: _coerce(v, item) for k, v in value.items()}
        bad = [p for _, p in coerced.values() if p]
        return {k: v for k, (v, _) in coerced.items()}, bad[0] if bad else None
    raise TypeError(f"no rule for {kind}")
