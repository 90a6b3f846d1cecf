"""`posefoundry predict pose IMAGE`: the trained RTMPose on one image, drawn and written as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.console import console


def parse_boxes(values: list[str] | None, width: int, height: int) -> list[list[float]]:
    """`x1,y1,x2,y2` strings as boxes; none given means the whole image is one person's box."""
    if not values:
        return [[0.0, 0.0, float(width - 1), float(height - 1)]]
    boxes = []
    for value in values:
        parts = value.split(",")
        try:
            box = [float(p) for p in parts]
        except ValueError:
            box = []
        if len(box) != 4 or box[2] <= box[0] or box[3] <= box[1]:
            raise typer.BadParameter(f"--box {value!r}: expected x1,y1,x2,y2 with x2 > x1 and y2 > y1")
        boxes.append(box)
    return boxes


def pose(
    image: Path = typer.Argument(..., help="A JPEG or PNG image."),
    box: list[str] = typer.Option(None, "--box", help="A person's box x1,y1,x2,y2 in pixels (repeat for more); "
                                  "default: the whole image."),
    model: Path = typer.Option(Path("data/models/pose"), "--model", help="The train_pose stage's folder (config.py, model.pth)."),
    out: Path = typer.Option(None, "--out", help="Where the picture goes; default <image>.pose.png beside the JSON."),
    as_json: bool = typer.Option(False, "--json", help="Print the keypoints as JSON on stdout."),
) -> None:
    """Estimate COCO-17 keypoints in each box; write a picture with the skeletons and a JSON file."""
    import cv2
    import numpy as np

    import mmstack
    from schemas.skeletons import COCO_KEYPOINTS
    from training.pose.preview import draw_poses

    pixels = cv2.imread(str(image), cv2.IMREAD_COLOR)
    if pixels is None:
        console.print(f"[red]{image}: not an image this program can read[/red]")
        raise typer.Exit(2 if not image.exists() else 1)
    boxes = np.array(parse_boxes(box, pixels.shape[1], pixels.shape[0]), np.float32)
    config, checkpoint = model / "config.py", model / "model.pth"
    for path in (config, checkpoint):
        if not path.is_file():
            console.print(f"[red]{path} does not exist: train the pose model first (dvc repro train_pose)[/red]")
            raise typer.Exit(2)
    with console.status(f"loading {checkpoint}"):
        net = mmstack.build_pose_model(mmstack.load_config(config), checkpoint)
    results = mmstack.pose_inference(net, [pixels], [boxes])
    keypoints = np.stack([np.asarray(r.pred_instances.keypoints)[0] for r in results])
    scores = np.stack([np.asarray(r.pred_instances.keypoint_scores)[0] for r in results])
    out = out or image.with_suffix(".pose.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), draw_poses(pixels, boxes, keypoints, scores))
    persons = [{"bbox": b.tolist(), "keypoints": k.round(2).tolist(), "scores": s.round(4).tolist()}
               for b, k, s in zip(boxes, keypoints, scores)]
    document = {"image": str(image), "keypoints": COCO_KEYPOINTS, "persons": persons}
    json_path = out.with_suffix(".json")
    json_path.write_text(json.dumps(document, indent=1))
    if as_json:
        typer.echo(json.dumps(document))
    else:
        console.print(f"{image}: {len(persons)} person(s); wrote {out} and {json_path}")
