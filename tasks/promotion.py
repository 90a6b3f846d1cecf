"""The model registry of scheduled retraining: which model is accepted, and why a new one is or isn't."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tasks.atomic import atomic_path, write_text


@dataclass
class Decision:
    task: str
    promoted: bool
    reason: str
    metric: str
    new_value: float | None
    accepted_value: float | None
    data_fingerprint: str  # of the raw data the candidate was trained on
    git_revision: str
    candidate: str | None = None  # where a rejected candidate was kept
    decided_at: float = field(default_factory=time.time)


def gate(new: dict[str, Any], accepted: dict[str, Any] | None, metric: str, max_drop: float,
         higher_is_better: bool = True) -> tuple[bool, str]:
    """Promote unless `metric` worsens by more than `max_drop` against the accepted model's.

    Worse is lower for scores (accuracy, AP) and higher for errors (MPJPE): `higher_is_better` says which."""
    if metric not in new:
        return False, f"the new metrics have no {metric!r} (keys: {sorted(new)})"
    value = float(new[metric])
    if accepted is None:
        return True, f"no accepted model yet; {metric} = {value:.4f}"
    old = float(accepted["metrics"][metric])
    worsened = (old - value) if higher_is_better else (value - old)
    direction = "fell" if higher_is_better else "rose"
    if worsened > max_drop:
        return False, f"{metric} {direction} from {old:.4f} to {value:.4f}, worse by more than the allowed {max_drop}"
    return True, f"{metric} {old:.4f} -> {value:.4f} (allowed worsening {max_drop})"


def gate_rule(retrain: dict[str, Any], task: str) -> tuple[str, float, bool]:
    """A task's (metric, max_drop, higher_is_better): its own `gate:` block over retrain's default `gate:`."""
    rule = {"higher_is_better": True, **retrain.get("gate", {}), **retrain["tasks"][task].get("gate", {})}
    return str(rule["metric"]), float(rule["max_drop"]), bool(rule["higher_is_better"])


def git_revision(project: Path) -> str:
    """HEAD's commit, marked '-dirty' when tracked files have changed since."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=project,
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


class Registry:
    """`<registry>/<task>/`: accepted.json + model/ (the promoted files), builds.json, decisions.jsonl."""

    def __init__(self, root: Path, task: str) -> None:
        self.folder = root / task
        self.folder.mkdir(parents=True, exist_ok=True)

    def _read(self, name: str) -> dict[str, Any] | None:
        path = self.folder / name
        return json.loads(path.read_text()) if path.exists() else None

    def _write(self, name: str, data: dict[str, Any]) -> None:
        write_text(self.folder / name, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def accepted(self) -> dict[str, Any] | None:
        return self._read("accepted.json")

    def last_build(self) -> dict[str, Any] | None:
        return self._read("builds.json")

    def record_build(self, fingerprint: str, file_cache: dict[str, list]) -> None:
        self._write("builds.json", {"fingerprint": fingerprint, "files": file_cache})

    def record(self, decision: Decision) -> None:
        with open(self.folder / "decisions.jsonl", "a") as log:
            log.write(json.dumps(asdict(decision), sort_keys=True) + "\n")

    def decisions(self) -> list[dict[str, Any]]:
        path = self.folder / "decisions.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def last_decision(self) -> dict[str, Any] | None:
        decisions = self.decisions()
        return decisions[-1] if decisions else None

    def model_sha256(self) -> str | None:
        """One digest of the accepted model's files (names and bytes), or None before the first."""
        folder = self.folder / "model"
        if not folder.is_dir():
            return None
        digest = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    def set_aside(self, model_dir: Path, decision: Decision) -> Path:
        """Keep a rejected candidate under `rejected/<n>/` and put the accepted model back into the
        task's model folder, so what the pipeline serves is the accepted model."""
        rejected = self.folder / "rejected"
        target = rejected / f"{len(list(rejected.iterdir())) if rejected.is_dir() else 0:04d}"
        shutil.copytree(model_dir, target)
        accepted = self.folder / "model"
        if accepted.is_dir():
            with atomic_path(model_dir) as staging:
                shutil.copytree(accepted, staging)
        decision.candidate = str(target)
        return target

    def promote(self, model_dir: Path, metrics: dict[str, Any], decision: Decision) -> Path:
        """Copy the model next to its record; the old copy is replaced only once the new one is whole."""
        target = self.folder / "model"
        with atomic_path(target) as staging:
            shutil.copytree(model_dir, staging)
        self._write("accepted.json", {"metrics": metrics, "model": str(target), **asdict(decision)})
        return target
