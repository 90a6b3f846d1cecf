"""The one build flow: a dataset spec in, shards or skeleton tables out, a report back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.report import BuildReport
from flows.runners import make_task_runner
from tasks.spec import DatasetSpec, load_spec


def _builder(output: str):
    if output == "shards":
        from flows.shards import build_shards

        return build_shards
    from flows.skeletons import build_skeletons

    return build_skeletons


def _record(report: BuildReport) -> None:
    key = report.dataset.replace("_", "-").lower()
    create_table_artifact(key=f"{key}-counts", table=[report.counts()], description=report.summary())
    if report.failures:
        rows = "\n".join(f"| {f.item} | {f.file} | {f.reason} |" for f in report.failures[:50])
        create_markdown_artifact(
            key=f"{key}-failures",
            markdown=f"# {report.failed} failed item(s)\n\n| item | file | reason |\n|---|---|---|\n{rows}\n",
        )


@flow(name="build-dataset", flow_run_name="build-{dataset}", log_prints=True)
def build_dataset(
    dataset: str,
    out: str,
    root: str | None = None,
    overrides: list[str] | None = None,
    datasets_dir: str | None = None,
) -> dict[str, Any]:
    """Build one dataset from its spec (found in `datasets_dir`, default the project's datasets/,
    wherever the run executes); returns the report as a plain dict (deployments store it)."""
    spec: DatasetSpec = load_spec(dataset, Path(datasets_dir) if datasets_dir else None, root=root, overrides=overrides)
    spec.require_root()
    logger = get_run_logger()
    logger.info("building %s (%s reader) from %s into %s", spec.name, spec.reader, spec.root, out)
    Path(out).mkdir(parents=True, exist_ok=True)
    report = _builder(spec.output)(spec, Path(out))
    _record(report)
    logger.info(report.summary())
    return report.to_dict()


def run_build(
    dataset: str,
    out: str | Path,
    root: str | Path | None = None,
    overrides: list[str] | None = None,
    datasets_dir: str | Path | None = None,
    runner: str = "threads",
    workers: int | None = None,
    address: str | None = None,
) -> BuildReport:
    """Run the build flow with the task runner chosen by name (what the CLI and DVC call)."""
    task_runner = make_task_runner(runner, workers, address)
    result = build_dataset.with_options(task_runner=task_runner)(
        dataset=dataset,
        out=str(out),
        root=None if root is None else str(root),
        overrides=list(overrides or []),
        datasets_dir=None if datasets_dir is None else str(datasets_dir),
    )
    from flows.report import Failure

    failures = [Failure(**f) for f in result.pop("failures")]
    return BuildReport(**result, failures=failures)
