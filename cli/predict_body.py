"""`posefoundry predict body IMAGE --box x1,y1,x2,y2`: the trained SMPL-X model on one person."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.console import console


def body(
    image: Path = typer.Argument(..., help="The image (any format OpenCV reads)."),
    box: str = typer.Option(..., "--box", help="The person's box in pixels: x1,y1,x2,y2."),
    model: Path = typer.Option(Path("data/models/smplx"), "--model", help="The trained stage's folder (config.py, model.pth)."),
    smplx_file: Path = typer.Option(None, "--smplx", help="The SMPL-X model file; default: the one it was trained with."),
    focal: float = typer.Option(None, "--focal", help="Focal length in pixels; default: the longer image side."),
    out: Path = typer.Option(None, "--out", help="The picture; default <image stem>.body.png here."),
    params_out: Path = typer.Option(None, "--params", help="The SMPL-X parameters as JSON; default <image stem>.body.json here."),
) -> None:
    """Draw the predicted SMPL-X mesh on IMAGE and write its parameters (NeuralAnnot's fields), the
    camera they assume and the COCO-17 keypoints as JSON."""
    import cv2
    import torch

    from training.mesh.boxes import parse_box
    from training.smplx.predict import draw_prediction, predict_body
    from training.smplx.train import load_model

    try:
        person_box = parse_box(box)
        if not (model / "model.pth").is_file():
            raise FileNotFoundError(f"{model} holds no trained model (model.pth): run `posefoundry train smplx` first")
        pixels = cv2.imread(str(image), cv2.IMREAD_COLOR)
        if pixels is None:
            raise FileNotFoundError(f"{image} is not an image OpenCV can read")
        with console.status(f"loading the SMPL-X model from {model}"):
            trained = load_model(model, model_file=str(smplx_file) if smplx_file else None)
            crop_scale = float(torch.load(model / "model.pth", map_location="cpu")["meta"]["crop_scale"])
    except (ValueError, FileNotFoundError) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    prediction = predict_body(trained, pixels, person_box, crop_scale, focal=focal)
    out = out or Path(f"{image.stem}.body.png")
    params_out = params_out or Path(f"{image.stem}.body.json")
    cv2.imwrite(str(out), draw_prediction(pixels, prediction))
    params_out.write_text(json.dumps({"image": str(image), "box": person_box.tolist(), **prediction.to_json()}, indent=2) + "\n")
    console.print(f"{image}: person in box {box}; wrote {out} and {params_out}")
