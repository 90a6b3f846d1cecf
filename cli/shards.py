"""`posefoundry shards`: list, summarise, show, validate, verify and preview WebDataset shards.

PATH is a split folder, a dataset folder, data/shards itself, one shard, a glob, or a URL that
webdataset opens (pipe:, http(s)). Every command takes --json (one JSON object on stdout); human
output goes to stderr. Exit status: 0 fine, 1 problems found, 2 usage error.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.console import console, print_checked

app = typer.Typer(help="Inspect WebDataset shards: ls, stats, show, validate, verify, preview.", no_args_is_help=True)

JsonOption = typer.Option(False, "--json", help="Print one machine-readable JSON object on stdout.")
PathArgument = typer.Argument(..., help="A folder, a shard, a glob, or a URL webdataset opens (pipe:, http(s)).")
KindOption = typer.Option(None, "--kind", help="person_image | hand_clip (default: the manifest's, else guessed).")


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def emit(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2, default=_plain))


def usage_error(message: str, as_json: bool) -> NoReturn:
    if as_json:
        emit({"ok": False, "error": message})
    console.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(2)


def finish(problems: int, as_json: bool, what: str = "problem(s)") -> None:
    if problems:
        if not as_json:
            console.print(f"[red]{problems} {what} found[/red]")
        raise typer.Exit(1)


def emit_checked(problems: int, as_json: bool, payload: dict[str, Any], checked: list[tuple]) -> None:
    """A check command's ending: the JSON payload, or one `print_checked` block per checked thing."""
    if as_json:
        emit({"ok": not problems, **payload})
    else:
        for args in checked:
            print_checked(*args)
    finish(problems, as_json)


@contextmanager
def progress_bar(description: str, total: int | None, in_bytes: bool = False) -> Iterator[Callable[[int], None]]:
    """A transient progress bar on stderr; yields the function that advances it."""
    counter = DownloadColumn() if in_bytes else MofNCompleteColumn()
    with Progress(TextColumn("{task.description}"), BarColumn(), counter, TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


def _groups(path: str, as_json: bool) -> list:
    from inspection.sources import TargetError, resolve

    try:
        return resolve(path)
    except TargetError as err:
        usage_error(str(err), as_json)


def _kind(kind: str | None, as_json: bool) -> str | None:
    from schemas.shards import KINDS

    if kind is not None and kind not in KINDS:
        usage_error(f"--kind {kind!r}: expected one of {', '.join(KINDS)}", as_json)
    return kind


def _expected_samples(groups: list) -> int | None:
    """The progress bar's total, when every group's manifest tells it."""
    counts = [g.expected_samples for g in groups]
    return None if None in counts else sum(counts)


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)


def _fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _dist(d: dict | None, unit: str = "") -> str:
    if not d:
        return "-"
    return f"median {d['median']:.4g}{unit} (p10 {d['p10']:.4g}, p90 {d['p90']:.4g}, min {d['min']:.4g}, max {d['max']:.4g})"


def _not_found(found: Any, key: str | None, path: str, as_json: bool) -> NoReturn:
    """Say which sample is missing, the closest keys, and what could not be read; exit 1."""
    hint = f"; closest keys: {', '.join(found.suggestions)}" if found.suggestions else ""
    message = f"no sample {key!r} in {path}{hint}" if key else f"no readable sample in {path}"
    if as_json:
        emit({"ok": False, "error": message, "suggestions": found.suggestions, "read_errors": found.read_errors})
    console.print(f"[red]{escape(message)}[/red]")
    for error in found.read_errors:
        console.print(f"  [red]{escape(error)}[/red]")
    raise typer.Exit(1)


@app.command("ls")
def ls(path: str = PathArgument, as_json: bool = JsonOption) -> None:
    """Shards with their sample counts and sizes: from the manifest when present, else by reading."""
    from inspection.listing import list_group

    groups = _groups(path, as_json)
    with progress_bar("listing shards", sum(len(g.shards) for g in groups)) as advance:
        listings = [list_group(g, advance) for g in groups]
    problems = sum(len(x.problems) for x in listings)
    if as_json:
        emit({"ok": not problems, "groups": [x.to_dict() for x in listings],
              "samples": sum(x.samples for x in listings), "bytes": sum(x.bytes for x in listings)})
    else:
        for listing in listings:
            source = "manifest" if listing.has_manifest else "read from the tars (no manifest)"
            title = f"{listing.label}: {len(listing.shards)} shard(s), {listing.samples:,} samples, {_size(listing.bytes)}"
            if listing.quarantined:
                title += f", {listing.quarantined} item(s) quarantined"
            table = Table(title=escape(title), caption=f"{listing.kind or 'layout unknown'}; {source}", title_justify="left")
            for column in ("shard", "samples", "size", "sha256", "status"):
                table.add_column(column, justify="right" if column in ("samples", "size") else "left")
            for row in listing.shards:
                status = f"[red]{row.status}[/red]" if row.problem else "ok"
                table.add_row(escape(row.name), "-" if row.samples is None else f"{row.samples:,}", _size(row.bytes),
                              (row.sha256 or "-")[:12], status)
            console.print(table)
            for problem in listing.problems:
                console.print(f"  [red]{escape(problem)}[/red]")
        console.print(f"{sum(len(x.shards) for x in listings)} shard(s), {sum(x.samples for x in listings):,} samples in {len(listings)} split folder(s)")
    finish(problems, as_json)


def _stats_rows(content: dict, kind: str) -> list[tuple[str, str]]:
    if kind == "person_image":
        k = content["keypoints"]
        weakest = sorted((v, n) for n, v in content["labelled_share_per_keypoint"].items() if v is not None)[:3]
        return [
            ("images", f"{content['images']:,}"),
            ("persons", f"{content['persons']:,}, {content['mean_persons_per_image'] or 0:.2f} per image "
                        f"(and {content['crowd_regions']} crowd region(s))"),
            ("persons per image", ", ".join(f"{n}: {c}" for n, c in content["persons_per_image"].items())),
            ("keypoints", f"visible {_fraction(k['visible'])}, occluded {_fraction(k['occluded'])}, unlabelled {_fraction(k['unlabelled'])}"),
            ("least labelled", ", ".join(f"{n} {_fraction(v)}" for v, n in weakest) or "-"),
            ("persons without keypoints", f"{content['persons_without_keypoints']:,}"),
            ("bbox side", _dist(content["bbox_side_px"], " px")),
            ("area (COCO)", ", ".join(f"{n} {c}" for n, c in content["area"].items())),
            ("with SMPL-X", f"{content['persons_with_smplx']:,}"),
            ("image sizes", ", ".join(f"{s} ({n})" for s, n in content["image_sizes"].items()) or "-"),
        ]
    return [
        ("clips", f"{content['clips']:,} ({content['frames']:,} frames)"),
        ("clip lengths", ", ".join(f"T={t}: {n}" for t, n in content["clip_lengths"].items()) or "-"),
        ("handedness", ", ".join(f"{h} {n}" for h, n in content["handedness"].items()) or "-"),
        ("data sources", ", ".join(f"{s} {n}" for s, n in content["data_sources"].items()) or "-"),
        ("source splits", ", ".join(f"{s} {n}" for s, n in content["source_splits"].items()) or "-"),
        ("valid joints", f"{_fraction(content['valid_joint_share'])} (all 21 valid in {_fraction(content['frames_with_all_joints_valid'])} of frames)"),
        ("frames with MANO", _fraction(content["frames_with_mano"])),
        ("hand bbox side", _dist(content["hand_bbox_side_px"], " px")),
    ]


@app.command("stats")
def stats(path: str = PathArgument, kind: str = KindOption, as_json: bool = JsonOption) -> None:
    """Per split: samples, persons or hands, keypoint visibility, box sizes, handedness balance
    (from the manifest and the json members; images are not read)."""
    from inspection.shardstats import group_stats

    kind = _kind(kind, as_json)
    groups = _groups(path, as_json)
    with progress_bar("reading sample metadata", _expected_samples(groups)) as advance:
        results = [group_stats(g, kind, advance) for g in groups]
    problems = sum(r.problem_count for r in results)
    if as_json:
        emit({"ok": not problems, "groups": [r.to_dict() for r in results]})
    else:
        for result in results:
            data = result.to_dict()
            title = f"{result.label}: {result.samples:,} samples in {result.shards} shard(s) ({result.kind or 'layout unknown'})"
            table = Table(title=escape(title), show_header=False, title_justify="left")
            table.add_column("what", style="bold")
            table.add_column("value")
            if data["content"]:
                for name, value in _stats_rows(data["content"], result.kind or ""):
                    table.add_row(name, escape(value))
            if result.quarantined:
                reasons = "; ".join(f"{r} ({n})" for r, n in result.quarantine_reasons.items())
                table.add_row("quarantined", escape(f"{result.quarantined}: {reasons}"))
            console.print(table)
            for problem in result.problems:
                console.print(f"  [red]{escape(problem)}[/red]")
    finish(problems, as_json)


@app.command("show")
def show(path: str = PathArgument, key: str = typer.Argument(..., help="The sample's key (__key__)."),
         as_json: bool = JsonOption) -> None:
    """Every member of one sample with its type, shape and dtype (and the json laid out)."""
    from inspection.describe import describe_sample, find_sample, json_outline

    groups = _groups(path, as_json)
    with progress_bar(f"looking for {key}", None) as _:
        found = find_sample(groups, key)
    if found.sample is None:
        _not_found(found, key, path, as_json)
    info = describe_sample(found.sample, found.group.kind if found.group else None)
    if as_json:
        emit({"ok": not info["problems"], **info})
    else:
        table = Table(title=escape(f"{info['key']} in {info['shard']} ({info['kind']})"), title_justify="left")
        for column in ("member", "bytes", "type", "array", "values"):
            table.add_column(column, justify="right" if column == "bytes" else "left")
        for member in info["members"]:
            values = member.get("error") or ""
            if "min" in member:
                values = f"min {member['min']:.4g}, max {member['max']:.4g}, mean {member['mean']:.4g}"
                if member.get("non_finite"):
                    values += f", {member['non_finite']} non-finite"
            if member["type"] in ("text",):
                values = member["value"][:60]
            array = f"{member['dtype']} {member['shape']}" if "shape" in member else ""
            table.add_row(escape(member["member"]), f"{member['bytes']:,}", member["type"], array, escape(values))
        console.print(table)
        for member in info["members"]:
            if member["type"] == "json" and "value" in member:
                console.print(f"[bold]{escape(member['member'])}[/bold]")
                for line in json_outline(member["value"], 1):
                    console.print(escape(line))
        for problem in info["problems"]:
            console.print(f"  [red]{escape(problem)}[/red]")
    finish(len(info["problems"]), as_json)


@app.command("validate")
def validate(
    path: str = PathArgument,
    kind: str = KindOption,
    decode: bool = typer.Option(False, "--decode", help="Also decode every image (and compare with the annotated size)."),
    limit: int = typer.Option(20, "--limit", min=1, help="How many failures to spell out per split."),
    as_json: bool = JsonOption,
) -> None:
    """Every sample against the shard schema, and sources shared by two splits (leakage); the first
    failures are named by shard, key and member."""
    from inspection.leakage import SplitLeaks
    from inspection.validate import validate_group

    kind = _kind(kind, as_json)
    groups = _groups(path, as_json)
    leaks = SplitLeaks()
    with progress_bar("validating samples", _expected_samples(groups)) as advance:
        results = [validate_group(g, kind, decode, limit, advance, leaks) for g in groups]
    emit_checked(sum(r.finding_count for r in results), as_json, {"groups": [r.to_dict() for r in results]}, [
        (f"{r.label}: {r.samples:,} samples in {r.shards} shard(s) ({r.kind})", r.ok,
         f"{r.bad_samples} bad sample(s), {r.finding_count} problem(s)", r.findings, r.finding_count - len(r.findings))
        for r in results
    ])


@app.command("verify")
def verify(path: str = PathArgument, as_json: bool = JsonOption) -> None:
    """Each shard's size, sha256 and sample count against its manifest, and the wids index too."""
    from inspection.verify import bytes_to_verify, verify_group

    groups = _groups(path, as_json)
    run_verification(groups, bytes_to_verify(groups), verify_group, as_json, "groups", "shard",
                     ("samples", "bytes", "sha256"), lambda r: (r.label, r.shards))


def run_verification(targets: list, total_bytes: int, check: Callable[..., Any], as_json: bool, key: str, what: str,
                     names: tuple[str, ...], parts: Callable[[Any], tuple[str, list]]) -> None:
    """`verify` of shards and of tables: `check(target, progress)` each target under a progress bar in
    bytes, then the JSON object, or per result (`parts` gives its label and file checks) a table of
    each of `names` as the manifest says it, red with what was found where they differ, and the
    problems; exit 1 when there are any."""
    with progress_bar(f"hashing {what}s", total_bytes, in_bytes=True) as advance:
        results = [check(target, advance) for target in targets]
    problems = sum(len(r.problems) for r in results)
    if as_json:
        emit({"ok": not problems, key: [r.to_dict() for r in results]})
        return finish(problems, as_json)
    for result in results:
        label, checks = parts(result)
        table = Table(title=escape(f"{label}: {len(checks)} {what}(s) against the manifest"), title_justify="left")
        for column in (what, *names):
            table.add_column(column)
        for check in checks:
            cells = []
            for name in names:
                want, got = check.expected.get(name), check.found.get(name)
                text = (str(want)[:12] if name == "sha256" else f"{want:,}") if want is not None else "-"
                cells.append(f"[green]{text}[/green]" if got == want else f"[red]{text} (found {str(got)[:12] if got is not None else '-'})[/red]")
            table.add_row(escape(check.name), *cells)
        console.print(table)
        for problem in result.problems:
            console.print(f"  [red]{escape(problem)}[/red]")
        if result.ok:
            console.print(f"{escape(label)}: [green]every {what} matches its manifest[/green]")
    finish(problems, as_json)


@app.command("preview")
def preview(
    path: str = PathArgument,
    key: str = typer.Argument(None, help="The sample's key (default: the first sample)."),
    out: Path = typer.Option(..., "--out", help="Image file to write (.png, .jpg or .webp)."),
    columns: int = typer.Option(8, "--columns", min=1, help="Frames per row of a hand clip's strip."),
    as_json: bool = JsonOption,
) -> None:
    """Draw one sample: the image with boxes, keypoints and skeletons, or a hand clip's frames with joints."""
    from inspection.describe import find_sample
    from inspection.drawing import EXTENSIONS, write_image
    from inspection.kinds import guess_kind
    from inspection.shardpreview import PreviewError, preview_sample

    if out.suffix.lower() not in EXTENSIONS:
        usage_error(f"--out {out}: unsupported image type; use one of {', '.join(EXTENSIONS)}", as_json)
    groups = _groups(path, as_json)
    found = find_sample(groups, key)
    if found.sample is None:
        _not_found(found, key, path, as_json)
    sample = found.sample
    kind = (found.group.kind if found.group else None) or guess_kind(sample.sizes)
    try:
        picture = preview_sample(sample, kind or "", columns)
    except PreviewError as err:
        if as_json:
            emit({"ok": False, "error": f"{sample.shard}: {err}"})
        console.print(f"[red]{escape(sample.shard)}: {escape(str(err))}[/red]")
        raise typer.Exit(1)
    write_image(out, picture.image)
    if as_json:
        emit({"ok": True, "out": str(out), "key": sample.key, "shard": sample.shard, "kind": kind, **picture.to_dict()})
    else:
        h, w = picture.image.shape[:2]
        for note in picture.notes:
            console.print(f"  [yellow]{escape(note)}[/yellow]")
        console.print(f"wrote {escape(str(out))} ({w}x{h}): {kind} sample {escape(sample.key)} from {escape(sample.shard)}")
