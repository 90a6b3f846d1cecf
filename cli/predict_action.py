"""`posefoundry predict action VIDEO --task fight`: pose, tracking and the trained STGCN++ on one video."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from cli.console import console
from cli.train import task_params


def action(
    video: Path = typer.Argument(..., help="The video to score."),
    task: str = typer.Option(..., "--task", help="A task under `stgcn:` in params.yaml (fight, falldown)."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="Where the task's knobs live."),
    model: Path = typer.Option(None, "--model", help="The trained stage's folder; default data/models/stgcn/<task>."),
    dataset: str = typer.Option(None, "--dataset", help="The spec whose decode, pose and tracking options apply; "
                                "default: the task's skeleton folder name (rwf2000, aihub_falldown)."),
    set_: list[str] = typer.Option(None, "--set", help="Override a spec option, e.g. pose.backend=mediapipe."),
    datasets_dir: Path = typer.Option(None, "--datasets-dir", help="Where the specs live; default the project's datasets/."),
    window: int = typer.Option(None, "--window", help="Frames per window; default: the training samples' length."),
    stride: int = typer.Option(None, "--stride", help="Frames between window starts; default: half a window."),
    as_json: bool = typer.Option(False, "--json", help="Print the windows as JSON on stdout."),
) -> None:
    """Estimate poses, track persons, and print the model's class scores for each window of VIDEO."""
    from tasks.spec import SpecError, load_spec
    from tasks.video.decode import DecodeError
    from tasks.video.pipeline import estimate_tracks
    from tasks.video.pose import make_backend
    from tasks.video.pose.annotations import AnnotationError
    from tasks.video.tables import frames_table
    from training.stgcn.predict import Recognizer, score_windows

    try:
        block = task_params(params_file, "stgcn", task)
        spec = load_spec(dataset or Path(block["data"]).name, datasets_dir, overrides=set_)
        options = spec.options
        with console.status(f"loading the {task} model and the {options['pose']['backend']} pose backend"):
            recognizer = Recognizer.load(model or Path("data/models/stgcn") / task)
            backend = make_backend(options["pose"])
        with console.status(f"estimating and tracking poses in {video}"):
            info, tracks = estimate_tracks(video, options, backend)
    except (DecodeError, AnnotationError) as err:  # the video or its poses: input, not usage
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(1)
    except (typer.BadParameter, SpecError, FileNotFoundError, ValueError) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    console.print(f"{video}: {info.num_frames} frames at {info.fps:g} fps, {info.width}x{info.height}, "
                  f"{len(set(tracks.track_id.tolist()))} tracked person(s) ({options['pose']['backend']} poses)")
    if len(tracks) == 0:
        console.print("[yellow]nobody was tracked in this video: the scores below see an empty scene[/yellow]")
    frames = frames_table(video.stem, tracks)
    windows = score_windows(recognizer, frames, info.num_frames, (info.height, info.width),
                            window, stride, frame_stride=int(options["decode"]["stride"]))
    names = recognizer.class_names
    if as_json:
        rows = [{"start_frame": w.start, "end_frame": w.end, "start_s": w.start / info.fps, "end_s": w.end / info.fps,
                 "scores": dict(zip(names, w.scores)), "predicted": names[w.label]} for w in windows]
        typer.echo(json.dumps({"video": str(video), "task": task, "windows": rows}, indent=2))
        return
    table = Table(title=f"{task}: {video.name}")
    for column in ("frames", "seconds", *names, "predicted"):
        table.add_column(column, justify="right")
    for w in windows:
        table.add_row(f"{w.start}-{w.end}", f"{w.start / info.fps:.1f}-{w.end / info.fps:.1f}",
                      *(f"{s:.3f}" for s in w.scores), names[w.label])
    console.print(table)
