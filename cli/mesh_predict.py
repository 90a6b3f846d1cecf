"""`predict hand` and `predict body` are one command with a stage's own words: the same options
(declared once here, so their help and defaults cannot drift apart), the same reading of the image
and the trained model (a mistake the user can fix prints in red and exits 2), and the same outputs,
a picture and a JSON file. A `MeshPredictor` brings the stage's words, loader and prediction."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import typer

from cli.console import console


@dataclass(frozen=True)
class MeshPredictor:
    """What one mesh stage brings to its predict command."""

    stage: str  # the model folder under data/models, and the `posefoundry train` command that writes it
    name: str  # the model, while it loads
    kind: str  # the default outputs: <image stem>.<kind>.png and .json
    subject: str  # whose box --box gives
    body_file: tuple[str, str]  # the body-model override: its flag and what the file is
    document: tuple[str, str]  # the JSON: its flag and what it holds
    load: Callable[[Path, Path | None], Any]  # (model folder, body-model file or None) -> the trained model
    # (trained, image BGR, box, focal or None, **own options) -> (picture, JSON fields, what was seen in words)
    predict: Callable[..., tuple[np.ndarray, dict[str, Any], str]]
    options: tuple[inspect.Parameter, ...] = ()  # the command's own, after --box


def option(name: str, kind: type, default: Any) -> inspect.Parameter:
    """One command-line parameter: `default` is its typer.Option or typer.Argument."""
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)


def mesh_command(predictor: MeshPredictor, doc: str) -> Callable[..., None]:
    """The Typer command for `predictor`, `doc` its help: the shared options in the stage's words,
    the stage's own options right after --box."""
    flag, what = predictor.body_file
    document_flag, holds = predictor.document
    kind = predictor.kind
    parameters = [
        option("image", Path, typer.Argument(..., help="The image (any format OpenCV reads).")),
        option("box", str, typer.Option(..., "--box", help=f"The {predictor.subject}'s box in pixels: x1,y1,x2,y2.")),
        *predictor.options,
        option("model", Path, typer.Option(Path(f"data/models/{predictor.stage}"), "--model",
                                           help="The trained stage's folder (config.py, model.pth).")),
        option("body_file", Path, typer.Option(None, flag, help=f"{what}; default: the one it was trained with.")),
        option("focal", float, typer.Option(None, "--focal",
                                            help="Focal length in pixels; default: the longer image side.")),
        option("out", Path, typer.Option(None, "--out", help=f"The picture; default <image stem>.{kind}.png here.")),
        option("document", Path, typer.Option(None, document_flag,
                                              help=f"{holds} as JSON; default <image stem>.{kind}.json here.")),
    ]

    def command(**values: Any) -> None:
        predict(predictor, **values)

    command.__doc__ = doc
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]  (Typer reads it)
    return command


def predict(predictor: MeshPredictor, image: Path, box: str, model: Path, body_file: Path | None, focal: float | None,
            out: Path | None, document: Path | None, **own: Any) -> None:
    """The trained model on the box of IMAGE; the picture and the JSON (the image, the box and the
    stage's fields) go to `out` and `document`, by default beside each other in the working folder."""
    import cv2

    parsed, pixels, trained = open_inputs(image, box, model, predictor, lambda: predictor.load(model, body_file))
    drawn, fields, seen = predictor.predict(trained, pixels, parsed, focal, **own)
    out = out or Path(f"{image.stem}.{predictor.kind}.png")
    document = document or Path(f"{image.stem}.{predictor.kind}.json")
    cv2.imwrite(str(out), drawn)
    document.write_text(json.dumps({"image": str(image), "box": parsed.tolist(), **fields}, indent=2) + "\n")
    console.print(f"{image}: {seen} in box {box}; wrote {out} and {document}")


def open_inputs(image: Path, box: str, model: Path, predictor: MeshPredictor,
                load: Callable[[], Any]) -> tuple[np.ndarray, np.ndarray, Any]:
    """The parsed box, the image (BGR) and the trained model; a bad box, a folder without a trained
    model or an image OpenCV cannot read prints in red and exits 2."""
    import cv2

    from training.engine import CHECKPOINT_NAME
    from training.mesh.boxes import parse_box

    try:
        parsed = parse_box(box)
        if not (model / CHECKPOINT_NAME).is_file():
            raise FileNotFoundError(f"{model} holds no trained model ({CHECKPOINT_NAME}): "
                                    f"run `posefoundry train {predictor.stage}` first")
        pixels = cv2.imread(str(image), cv2.IMREAD_COLOR)
        if pixels is None:
            raise FileNotFoundError(f"{image} is not an image OpenCV can read")
        with console.status(f"loading the {predictor.name} from {model}"):
            trained = load()
    except (ValueError, FileNotFoundError) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    return parsed, pixels, trained
