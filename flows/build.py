"""The one build flow: a dataset spec in, shards or skeleton tables out, a report back.

Every source goes the same way: the spec's reader enumerates each split's items, the writer the
spec names (shards or tables) turns them into outputs through the item cache, and the failure
policy is judged here, inside the flow: a split whose failed share passes the spec's threshold
ends the run Failed (the failures are an artifact either way), so a deployment run says what the
CLI's exit code says.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed, State

from flows.logs import logger
from flows.report import BuildFailed, BuildReport, Failure
from flows.runners import make_task_runner
from tasks import atomic, rawfiles
from tasks.items import Item, ItemError, MissingSplit
from tasks.lock import output_lock
from tasks.readers import reader_module
from tasks.spec import DatasetSpec, load_spec


def writer_for(output: str) -> ModuleType:
    """The writer a spec's `output` names: each has process_split(...), giving a split's item results
    and the files it wrote, and finish(...), writing what needs every split."""
    if output == "shards":
        from flows import shards

        return shards
    from flows import skeletons

    return skeletons


@task(name="enumerate-items", task_run_name="enumerate-{split}", cache_policy=NO_CACHE)
def enumerate_split(reader: str, root: str, split: str, options: dict[str, Any]) -> list[Item] | ItemError:
    """The split's items, or the error that stops the split (returned: it is data, not a crash)."""
    try:
        return reader_module(reader).enumerate_items(Path(root), split, options)
    except ItemError as err:
        return err


def _record(report: BuildReport) -> None:
    key = report.dataset.replace("_", "-").lower()
    create_table_artifact(key=f"{key}-counts", table=[report.counts()], description=report.summary())
    if report.failures or report.warnings:
        rows = "\n".join(f"| {f.item} | {f.file} | {f.reason} |" for f in report.failures[:200])
        notes = "".join(f"- {w}\n" for w in report.warnings)
        create_markdown_artifact(
            key=f"{key}-failures",
            markdown=f"# {report.failed} failed item(s)\n\n{notes}\n| item | file | reason |\n|---|---|---|\n{rows}\n",
        )


def build_into(spec: DatasetSpec, out: Path) -> BuildReport:
    """Enumerate, write, report (call inside a flow: the writers submit tasks)."""
    log = logger()
    report = BuildReport(spec.name, str(out))
    writer = writer_for(spec.output)
    digests = rawfiles.FileDigests(spec.require_root(), rawfiles.load_digests(out))
    results = {}
    written = []
    for split in spec.splits:
        items = enumerate_split(spec.reader, str(spec.root), split, spec.options)
        if isinstance(items, MissingSplit) and split not in spec.required_splits:
            report.warnings.append(f"split {split!r} skipped: {items.file}: {items.reason}")
            log.warning("%s/%s: skipped, its source is absent (%s: %s)", spec.name, split, items.file, items.reason)
            continue
        if isinstance(items, ItemError):
            log.error("%s/%s: cannot read the split: %s: %s", spec.name, split, items.file, items.reason)
            report.split_failed(split, Failure(f"{split} (whole split)", items.file, items.reason))
            continue
        log.info("%s/%s: %d items", spec.name, split, len(items))
        results[split], split_written = writer.process_split(spec, split, items, out, digests)
        written += split_written
        report.add(split, results[split])
        for result in results[split]:
            digests.fresh.update(result.digests)
    for failure in report.failures:
        log.warning("%s: failed %s: %s: %s", spec.name, failure.item, failure.file, failure.reason)
    if results:
        report.outputs = [str(p) for p in written + writer.finish(spec, out, results)]
    rawfiles.save_digests(out, digests.fresh)
    return report


@flow(name="build-dataset", flow_run_name="build-{dataset}", log_prints=True)
def build_dataset(
    dataset: str,
    out: str,
    root: str | None = None,
    overrides: list[str] | None = None,
    datasets_dir: str | None = None,
) -> State:
    """Build one dataset from its spec (found in `datasets_dir`, default the project's datasets/,
    wherever the run executes). Completed with the report as a plain dict, or Failed carrying
    BuildFailed (with the report) when a split's failures pass the spec's threshold."""
    spec: DatasetSpec = load_spec(dataset, Path(datasets_dir) if datasets_dir else None, root=root, overrides=overrides)
    spec.require_root()
    log = logger()
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    with output_lock(target):
        cleaned = atomic.clean_temporaries(target)
        if cleaned:
            log.info("removed %d temporary file(s) a killed build left under %s", len(cleaned), target)
        log.info("building %s (%s reader) from %s into %s", spec.name, spec.reader, spec.root, target)
        report = build_into(spec, target)
    _record(report)
    log.info(report.summary())
    problems = report.over_threshold(spec.failure_threshold)
    if problems:
        return Failed(message=f"{spec.name}: " + "; ".join(problems), data=BuildFailed(report, problems))
    return Completed(message=report.summary(), data=report.to_dict())


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
    """Run the build flow with the task runner chosen by name (what the CLI and DVC call);
    raises BuildFailed (carrying the report) when the run ends Failed for too many failures."""
    task_runner = make_task_runner(runner, workers, address)
    state = build_dataset.with_options(task_runner=task_runner)(
        dataset=dataset,
        out=str(out),
        root=None if root is None else str(root),
        overrides=list(overrides or []),
        datasets_dir=None if datasets_dir is None else str(datasets_dir),
        return_state=True,
    )
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return BuildReport.from_dict(result)
