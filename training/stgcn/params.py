"""The knobs of one STGCN++ task (a `stgcn.<task>` block of params.yaml), typed and checked.

Every key is required and no other is accepted (see training.params), so a typo in params.yaml or
in `dvc exp run -S` fails before training starts, naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from training.params import CheckedParams, ParamsError

SCHEDULES = ("cosine", "multistep")
FEATS = ("j", "b", "jm", "bm")


@dataclass(frozen=True)
class StgcnParams(CheckedParams):
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
    num_person: int | None  # person slots; null: as many as the tables' clips hold
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

    def check(self, source: str) -> None:
        problems: list[str] = []
        if self.schedule not in SCHEDULES:
            problems.append(f"schedule is {self.schedule!r}, expected one of {list(SCHEDULES)}")
        unknown = [f for f in self.feats if f not in FEATS]
        if unknown or not self.feats:
            problems.append(f"feats are {self.feats}, expected some of {list(FEATS)}")
        if self.num_person is not None and self.num_person < 1:
            problems.append(f"num_person is {self.num_person}, expected >= 1 or null (from the tables)")
        for name in ("epochs", "batch_size", "clip_len", "num_stages", "base_channels"):
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
