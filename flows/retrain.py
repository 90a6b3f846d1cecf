"""Scheduled retraining: retrain a task when DVC says its training stage is out of date, then gate.

What is out of date comes from `dvc status` (raw data, params, code, anything upstream), and what
ran from `dvc repro` itself: a model is gated only when its training stage really ran. A rejected
candidate is kept aside in the registry and the accepted model stays in the task's model folder.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed

from tasks.fingerprint import fingerprint_tree
from tasks.pipeline import dvc_repro, dvc_status
from tasks.promotion import Decision, Registry, gate, gate_rule, git_revision


def raw_root(params: dict[str, Any], dataset: str) -> str:
    for group in ("images", "videos"):
        if dataset in params.get(group, {}):
            return params[group][dataset]
    raise KeyError(f"params.yaml names no raw root for dataset {dataset!r} under images or videos")


def describe(stale: dict[str, list]) -> str:
    """`dvc status` in one line: which stages are out of date and why."""
    parts = []
    for stage, changes in stale.items():
        kinds = []
        for change in changes:
            if isinstance(change, dict):
                for kind, what in change.items():
                    kinds.append(f"{kind} {', '.join(_changed(what))}" if isinstance(what, dict) else kind)
            else:
                kinds.append(str(change))
        parts.append(f"{stage}: {'; '.join(kinds)}")
    return " | ".join(parts)


def _changed(what: dict[str, Any]) -> list[str]:
    """Paths, and for a params file the keys that changed: `params.yaml (stgcn.fight.lr)`."""
    return [f"{path} ({', '.join(sorted(state))})" if isinstance(state, dict) else f"{path} {state}"
            for path, state in sorted(what.items())]


def only_model_restored(stale: dict[str, list], stage: str, last: dict[str, Any] | None, fingerprint: str) -> bool:
    """After a rejection the accepted model sits in the stage's output folder: that alone, with the
    same raw data, is not a reason to train the same candidate again."""
    if not last or last.get("promoted", True) or last.get("data_fingerprint") != fingerprint or set(stale) != {stage}:
        return False
    return all(isinstance(c, dict) and set(c) == {"changed outs"} for c in stale[stage])


def _finish(task: str, result: dict[str, Any], title: str) -> Any:
    create_markdown_artifact(key=f"retrain-{task}", markdown=f"# retrain {task}: {title}\n\n{result['reason']}\n\n"
                             f"```json\n{json.dumps(result, indent=2, sort_keys=True)}\n```\n")
    if result.get("trained") and not result.get("promoted"):
        return Completed(message=result["reason"], name="Rejected", data=result)
    return result


@flow(name="retrain", flow_run_name="retrain-{task}", log_prints=True)
def retrain(task: str, project_dir: str = ".", params_file: str = "params.yaml", force: bool = False) -> Any:
    """`dvc repro` the task's training stage when `dvc status` finds it (or anything upstream) out of
    date, or always with `force`; promote the new model only if it passes the task's gate."""
    logger = get_run_logger()
    project = Path(project_dir).resolve()
    params = yaml.safe_load((project / params_file).read_text())
    config = params["retrain"]
    if task not in config["tasks"]:
        raise KeyError(f"{project / params_file}: retrain.tasks has no {task!r}; known: {sorted(config['tasks'])}")
    settings = config["tasks"][task]
    stage = settings["stage"]
    root = project / raw_root(params, settings["dataset"])
    registry = Registry(project / config["registry"], task)
    base = {"task": task, "stage": stage, "changed": False, "trained": False, "promoted": False}
    stale = dvc_status(project, stage)
    fingerprint, files = fingerprint_tree(root, (registry.last_build() or {}).get("files"))
    if not force and not stale:
        reason = f"{task}: dvc status finds {stage} and everything upstream up to date; nothing to do"
        return _finish(task, {**base, "reason": reason, "model_sha256": registry.model_sha256()}, "nothing to do")
    if not force and only_model_restored(stale, stage, registry.last_decision(), fingerprint):
        reason = (f"{task}: nothing to do: the current data and params were trained and rejected "
                  f"(candidate kept at {registry.last_decision().get('candidate')}); --force retrains and gates again")
        return _finish(task, {**base, "reason": reason, "model_sha256": registry.model_sha256()}, "nothing to do")
    why = "forced" if force and not stale else describe(stale)
    logger.info("%s: %s is out of date (%s); reproducing it", task, stage, why)
    ran = dvc_repro(project, [stage], log=logger.info)
    if force and stage not in ran:
        ran += dvc_repro(project, [stage], log=logger.info, options=("--force", "--single-item"))
    if stage not in ran:
        reason = (f"{task}: out of date ({why}), but dvc repro ran {', '.join(ran) or 'no stage'} and not {stage} "
                  f"(DVC kept or restored its outputs): nothing was trained, nothing is promoted")
        logger.warning(reason)
        return _finish(task, {**base, "changed": True, "reason": reason, "ran": ran,
                              "model_sha256": registry.model_sha256()}, "nothing trained")
    fingerprint, files = fingerprint_tree(root, files)  # the raw data this model was trained on
    metrics = json.loads((project / settings["metrics"]).read_text())
    metric, max_drop, higher_is_better = gate_rule(config, task)
    accepted = registry.accepted()
    promoted, reason = gate(metrics, accepted, metric, max_drop, higher_is_better)
    decision = Decision(
        task=task, promoted=promoted, reason=reason, metric=metric,
        new_value=float(metrics[metric]) if metric in metrics else None,
        accepted_value=float(accepted["metrics"][metric]) if accepted else None,
        data_fingerprint=fingerprint, git_revision=git_revision(project),
    )
    if promoted:
        target = registry.promote(project / settings["model"], metrics, decision)
        logger.info("%s: promoted the new model to %s (%s)", task, target, reason)
    else:
        kept = registry.set_aside(project / settings["model"], decision)
        logger.warning("%s: rejected the new model (kept at %s), the accepted one stays: %s", task, kept, reason)
    registry.record(decision)
    registry.record_build(fingerprint, files)
    result = {**base, **asdict(decision), "changed": True, "trained": True, "why": why, "ran": ran,
              "model_sha256": registry.model_sha256()}
    return _finish(task, result, "promoted" if promoted else "rejected")
