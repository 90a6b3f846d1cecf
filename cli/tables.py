"""`posefoundry tables`: summarise, show, validate, verify and preview a dataset's skeleton tables.

DIR is a dataset folder (clips/frames/samples.parquet, e.g. data/skeletons/rwf2000) or a folder
above several. Every command takes --json (one JSON object on stdout); human output goes to
stderr. Exit status: 0 fine, 1 problems found, 2 usage error.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from cli.console import console
from cli.shards import emit, emit_checked, finish, progress_bar, run_verification, usage_error

app = typer.Typer(help="Inspect skeleton tables: stats, show, validate, verify, preview.", no_args_is_help=True)

JsonOption = typer.Option(False, "--json", help="Print one machine-readable JSON object on stdout.")
DirArgument = typer.Argument(..., help="A dataset folder of skeleton tables, or a folder above several.")


def _folders(path: Path, as_json: bool) -> list[Path]:
    from inspection.tableread import TablesError, table_folders

    try:
        return table_folders(path)
    except TablesError as err:
        usage_error(str(err), as_json)


def _one_folder(path: Path, as_json: bool) -> Path:
    folders = _folders(path, as_json)
    if len(folders) > 1:
        usage_error(f"{path} holds tables of {len(folders)} datasets ({', '.join(f.name for f in folders)}); name one", as_json)
    return folders[0]


def _dist(d: dict | None, digits: str = ".3g") -> str:
    if not d:
        return "-"
    return f"median {d['median']:{digits}} (min {d['min']:{digits}}, max {d['max']:{digits}})"


def _share(d: dict | None) -> str:
    if not d:
        return "-"
    return f"mean {d['mean']:.1%} (min {d['min']:.1%}, median {d['median']:.1%})"


def _print_stats(stats: dict) -> None:
    clips, frames, samples = stats["clips"], stats["frames"], stats["samples"]
    table = Table(title=escape(f"{stats['folder']}: {clips['clips']} clip(s), {clips['ok']} ok, {clips['failed']} failed"),
                  title_justify="left")
    for column in ("split", "label", "clips", "samples"):
        table.add_column(column, justify="right" if column in ("clips", "samples") else "left")
    keys = {(r["split"], r["label"], r["label_name"]) for r in clips["per_split_label"] + samples["per_split_label"]}
    clip_count = {(r["split"], r["label"], r["label_name"]): r["count"] for r in clips["per_split_label"]}
    sample_count = {(r["split"], r["label"], r["label_name"]): r["count"] for r in samples["per_split_label"]}
    for key in sorted(keys):
        table.add_row(escape(key[0]), escape(f"{key[2]} ({key[1]})"), str(clip_count.get(key, 0)), str(sample_count.get(key, 0)))
    console.print(table)
    facts = Table(show_header=False)
    facts.add_column("what", style="bold")
    facts.add_column("value")
    facts.add_row("frames per clip", _dist(clips["num_frames"], ".4g"))
    facts.add_row("fps", ", ".join(f"{k} ({v})" for k, v in clips["fps"].items()) or "-")
    facts.add_row("pose backend", ", ".join(f"{b['pose_backend']} {b['pose_settings_hash'][:8]} ({b['count']})" for b in clips["pose_backends"]))
    facts.add_row("skeleton rows", f"{frames['rows']:,}")
    facts.add_row("persons per frame", ", ".join(f"{k}: {v:,}" for k, v in frames["persons_per_frame"].items())
                  + (f" (mean {frames['mean_persons_per_frame']:.2f})" if frames["mean_persons_per_frame"] is not None else ""))
    facts.add_row("frames with skeletons", _share(frames["clip_coverage"]))
    facts.add_row("tracks", f"{frames['tracks']:,}; per clip {_dist(frames['tracks_per_clip'])}")
    facts.add_row("track length (frames)", _dist(frames["track_frames"], ".4g"))
    facts.add_row("track coverage of its span", _share(frames["track_coverage_of_span"]))
    facts.add_row("track share of its clip", _share(frames["track_share_of_clip"]))
    if frames["mean_keypoint_score"] is not None:
        facts.add_row("mean keypoint score", f"{frames['mean_keypoint_score']:.3f}")
    facts.add_row("sample length (frames)", _dist(samples["length_frames"], ".4g"))
    if frames["clips_without_skeletons"]:
        facts.add_row("ok clips without skeletons", escape(", ".join(frames["clips_without_skeletons"])))
    if frames["rows_of_unknown_or_failed_clips"]:
        facts.add_row("rows of failed/unknown clips", f"[red]{frames['rows_of_unknown_or_failed_clips']:,}[/red]")
    console.print(facts)
    if clips["failed"]:
        console.print(f"[yellow]{clips['failed']} failed clip(s):[/yellow]")
        for reason, count in clips["failure_reasons"].items():
            console.print(f"  {count} x {escape(reason)}")
        for clip in clips["failed_clips"]:
            console.print(f"  [yellow]{escape(clip['clip_id'])}[/yellow] {escape(clip['path'])}: {escape(str(clip['error']))}")


@app.command("stats")
def stats(path: Path = DirArgument, as_json: bool = JsonOption) -> None:
    """Clips per split and label, failed clips with reasons, persons per frame, frame coverage of tracks."""
    from inspection.tableread import TableReadError
    from inspection.tablestats import table_stats

    results, problems = [], []
    with progress_bar("reading tables", None):
        for folder in _folders(path, as_json):
            try:
                results.append(table_stats(folder))
            except TableReadError as err:
                problems.append(str(err))
    if as_json:
        emit({"ok": not problems, "datasets": results, "problems": problems})
    else:
        for result in results:
            _print_stats(result)
        for problem in problems:
            console.print(f"[red]{escape(problem)}[/red]")
    finish(len(problems), as_json)


def _clip(folder: Path, clip_id: str, as_json: bool) -> dict:
    from inspection.tableread import TableReadError, clip_row

    try:
        clip, suggestions = clip_row(folder, clip_id)
    except TableReadError as err:
        if as_json:
            emit({"ok": False, "error": str(err)})
        console.print(f"[red]{escape(str(err))}[/red]")
        raise typer.Exit(1)
    if clip is None:
        hint = f"; closest ids: {', '.join(suggestions)}" if suggestions else ""
        message = f"no clip {clip_id!r} in {folder / 'clips.parquet'}{hint}"
        if as_json:
            emit({"ok": False, "error": message, "suggestions": suggestions})
        console.print(f"[red]{escape(message)}[/red]")
        raise typer.Exit(1)
    return clip


def _frames(folder: Path, clip_id: str, as_json: bool):
    from inspection.tableread import TableReadError, clip_frames

    try:
        return clip_frames(folder, clip_id)
    except TableReadError as err:
        if as_json:
            emit({"ok": False, "error": str(err)})
        console.print(f"[red]{escape(str(err))}[/red]")
        raise typer.Exit(1)


@app.command("show")
def show(
    path: Path = DirArgument,
    clip_id: str = typer.Argument(..., metavar="CLIP", help="The clip's clip_id."),
    rows: int = typer.Option(0, "--rows", min=0, help="Also print the first N rows of frames.parquet for this clip."),
    as_json: bool = JsonOption,
) -> None:
    """One clip: its row, events, tracks (span, coverage, scores), persons per frame and samples."""
    from inspection.tablestats import clip_summary

    folder = _one_folder(path, as_json)
    clip = _clip(folder, clip_id, as_json)
    summary = clip_summary(folder, clip, _frames(folder, clip_id, as_json), rows)
    if as_json:
        emit({"ok": True, **summary})
        return
    table = Table(title=escape(f"{clip_id} in {folder}"), show_header=False, title_justify="left")
    table.add_column("column", style="bold")
    table.add_column("value")
    for name, value in clip.items():
        text = str(value)
        if name == "status" and value != "ok":
            text = f"[red]{escape(text)}[/red]"
        else:
            text = escape(text)
        table.add_row(name, text)
    table.add_row("frames with skeletons", f"{summary['frames_with_skeletons']} of {clip['num_frames']}")
    table.add_row("persons per frame", ", ".join(f"{k}: {v}" for k, v in summary["persons_per_frame"].items()))
    console.print(table)
    if summary["tracks"]:
        tracks = Table(title="tracks", title_justify="left")
        for column in ("track", "first", "last", "frames", "coverage of span", "bbox score", "keypoint score"):
            tracks.add_column(column, justify="right")
        for t in summary["tracks"]:
            tracks.add_row(str(t["track_id"]), str(t["first"]), str(t["last"]), str(t["frames"]),
                           f"{t['coverage_of_span']:.0%}", f"{t['mean_bbox_score']:.2f}", f"{t['mean_keypoint_score']:.2f}")
        console.print(tracks)
    if summary["samples"]:
        samples = Table(title="samples", title_justify="left")
        for column in ("sample_id", "split", "frames", "label"):
            samples.add_column(column)
        for s in summary["samples"]:
            samples.add_row(escape(s["sample_id"]), s["split"], f"[{s['start_frame']}, {s['end_frame']})", escape(f"{s['label_name']} ({s['label']})"))
        console.print(samples)
    for row in summary["frame_rows"]:
        console.print(escape(f"frame {row['frame_idx']} track {row['track_id']}: bbox {row['bbox']} score {row['bbox_score']}"))


@app.command("validate")
def validate(path: Path = DirArgument, as_json: bool = JsonOption) -> None:
    """The tables against their schemas and against each other; every problem names the file."""
    from inspection.tablecheck import validate_folder

    folders = _folders(path, as_json)
    with progress_bar("validating tables", len(folders)) as advance:
        results = []
        for folder in folders:
            results.append({"folder": str(folder), "problems": validate_folder(folder)})
            advance(1)
    emit_checked(sum(len(r["problems"]) for r in results), as_json, {"datasets": results},
                 [(r["folder"], not r["problems"], f"{len(r['problems'])} problem(s)", r["problems"]) for r in results])


@app.command("verify")
def verify(path: Path = DirArgument, as_json: bool = JsonOption) -> None:
    """Each table file's bytes, sha256 and row count against the manifest.json beside the tables."""
    from inspection.tableverify import bytes_to_verify, verify_tables

    folders = _folders(path, as_json)
    run_verification(folders, bytes_to_verify(folders), verify_tables, as_json, "datasets", "file",
                     ("bytes", "sha256", "rows"), lambda r: (r.folder, r.files))


@app.command("preview")
def preview(
    path: Path = DirArgument,
    clip_id: str = typer.Argument(..., metavar="CLIP", help="The clip's clip_id."),
    out: Path = typer.Option(..., "--out", help="Image file to write (.png, .jpg or .webp)."),
    raw_root: Path = typer.Option(None, "--raw-root", help="The dataset's raw root: draw over the video's own frames."),
    frames: int = typer.Option(8, "--frames", min=1, help="How many frames to show (spread over the clip)."),
    frame: list[int] = typer.Option(None, "--frame", help="Show this frame (repeatable; overrides --frames)."),
    columns: int = typer.Option(4, "--columns", min=1, help="Tiles per row."),
    tile_width: int = typer.Option(320, "--tile-width", min=32, help="Width of each tile in pixels."),
    min_score: float = typer.Option(0.3, "--min-score", help="Keypoints scored below this are not drawn."),
    as_json: bool = JsonOption,
) -> None:
    """A grid of the clip's frames with skeletons, over the raw video's frames when --raw-root has it."""
    from inspection.drawing import EXTENSIONS, write_image
    from inspection.tablepreview import clip_preview, pick_frames
    from tasks.video.decode import DecodeError, read_frames

    if out.suffix.lower() not in EXTENSIONS:
        usage_error(f"--out {out}: unsupported image type; use one of {', '.join(EXTENSIONS)}", as_json)
    if raw_root is not None and not raw_root.is_dir():
        usage_error(f"--raw-root {raw_root}: no such folder", as_json)
    folder = _one_folder(path, as_json)
    clip = _clip(folder, clip_id, as_json)
    rows = _frames(folder, clip_id, as_json)
    chosen = list(frame) if frame else pick_frames(rows, int(clip["num_frames"]), frames)
    video, notes = None, []
    if raw_root is not None:
        try:
            video = read_frames(raw_root / clip["path"], chosen)
        except DecodeError as err:
            notes.append(f"{err}; drawn on grey")
    picture = clip_preview(clip, rows, video, chosen, columns=columns, tile_width=tile_width, min_score=min_score)
    picture.notes = notes + picture.notes
    write_image(out, picture.image)
    if as_json:
        emit({"ok": True, "out": str(out), "clip_id": clip_id, "frames": chosen, "raw_video": bool(video), **picture.to_dict()})
        return
    for note in picture.notes:
        console.print(f"  [yellow]{escape(note)}[/yellow]")
    h, w = picture.image.shape[:2]
    backdrop = "over the raw video" if video else "on a grey canvas"
    console.print(f"wrote {escape(str(out))} ({w}x{h}): {len(chosen)} frame(s) of {escape(clip_id)} {backdrop}")
