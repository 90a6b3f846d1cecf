"""`posefoundry predict hand IMAGE --box x1,y1,x2,y2 [--left]`: the trained hand-mesh model on one hand."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.console import console


def hand(
    image: Path = typer.Argument(..., help="The image (any format OpenCV reads)."),
    box: str = typer.Option(..., "--box", help="The hand's box in pixels: x1,y1,x2,y2."),
    left: bool = typer.Option(False, "--left", help="The hand is a left hand."),
    model: Path = typer.Option(Path("data/models/hand"), "--model", help="The trained stage's folder (config.py, model.pth)."),
    mano: Path = typer.Option(None, "--mano", help="The right MANO model file; default: the one it was trained with."),
    focal: float = typer.Option(None, "--focal", help="Focal length in pixels; default: the longer image side."),
    out: Path = typer.Option(None, "--out", help="The picture; default <image stem>.hand.png here."),
    joints: Path = typer.Option(None, "--joints", help="The 21 joints as JSON; default <image stem>.hand.json here."),
) -> None:
    """Draw the predicted mesh on IMAGE and write the 21 joints (image pixels and camera-frame mm) as JSON."""
    import cv2

    from training.hand.predict import draw_prediction, parse_box, predict_hand
    from training.hand.train import load_model

    try:
        hand_box = parse_box(box)
        if not (model / "model.pth").is_file():
            raise FileNotFoundError(f"{model} holds no trained model (model.pth): run `posefoundry train hand` first")
        pixels = cv2.imread(str(image), cv2.IMREAD_COLOR)
        if pixels is None:
            raise FileNotFoundError(f"{image} is not an image OpenCV can read")
        with console.status(f"loading the hand-mesh model from {model}"):
            trained = load_model(model, mano_file=str(mano) if mano else None)
    except (ValueError, FileNotFoundError) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    prediction = predict_hand(trained, pixels, hand_box, left=left, focal=focal)
    out = out or Path(f"{image.stem}.hand.png")
    joints = joints or Path(f"{image.stem}.hand.json")
    cv2.imwrite(str(out), draw_prediction(pixels, prediction))
    joints.write_text(json.dumps({"image": str(image), "box": hand_box.tolist(), **prediction.to_json()}, indent=2) + "\n")
    console.print(f"{image}: {prediction.handedness} hand in box {box}; wrote {out} and {joints}")
