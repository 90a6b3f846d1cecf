"""Scheduled retraining: rebuild and retrain only when a task's raw data changed, then gate."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from tasks.fingerprint import fingerprint_tree
from tasks.pipeline import dvc_repro
from tasks.promotion import Decision, Registry, gate, gate_rule, git_revision


def raw_root(params: dict[str, Any], dataset: str) -> str:
    for group in ("images", "videos"):
        if dataset in params.get(group, {}):
            return params[group][dataset]
    raise KeyError(f"params.yaml names no raw root for dataset {dataset!r} under images or videos")


@flow(name="retrain", flow_run_name="retrain-{task}", log_prints=True)
def retrain(task: str, project_dir: str = ".", params_file: str = "params.yaml") -> dict[str, Any]:
    """Fingerprint the task's raw root; if it changed since the last build, `dvc repro` the task's
    training stage (rebuilding the dataset incrementally on the way), then promote the new model
    only if it passes params.yaml's gate. When nothing changed, nothing runs."""
    logger = get_run_logger()
    project = Path(project_dir).resolve()
    params = yaml.safe_load((project / params_file).read_text())
    config = params["retrain"]
    if task not in config["tasks"]:
        raise KeyError(f"{params_file}: retrain.tasks has no {task!r}; known: {sorted(config['tasks'])}")
    settings = config["tasks"][task]
    root = project / raw_root(params, settings["dataset"])
    registry = Registry(project / config["registry"], task)
    last = registry.last_build()
    fingerprint, files = fingerprint_tree(root, (last or {}).get("files"))
    if last and last["fingerprint"] == fingerprint:
        message = f"{task}: raw data under {root} unchanged since the last build ({fingerprint[:12]}); nothing to do"
        logger.info(message)
        create_markdown_artifact(key=f"retrain-{task}", markdown=f"# retrain {task}\n\n{message}\n")
        return {"task": task, "changed": False, "promoted": False, "reason": message}
    logger.info("%s: raw data changed (%s); reproducing %s", task, fingerprint[:12], settings["stage"])
    dvc_repro(project, [settings["stage"]], log=logger.info)
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
        logger.warning("%s: kept the accepted model: %s", task, reason)
    registry.record(decision)
    registry.record_build(fingerprint, files)
    verdict = "promoted" if promoted else "not promoted"
    create_markdown_artifact(
        key=f"retrain-{task}",
        markdown=f"# retrain {task}: {verdict}\n\n{reason}\n\n- data fingerprint: {fingerprint[:16]}\n"
        f"- git revision: {decision.git_revision}\n",
    )
    return {"changed": True, **asdict(decision)}
