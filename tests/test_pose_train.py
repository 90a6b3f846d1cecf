"""RTMPose trained on the sample's COCO shards: it learns, its AP is COCO's, its checkpoint is MMPose's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from shard_factory import broken_person_samples, coco_samples, write_split
from schemas.shards import PERSON_IMAGE
from training.pose.params import PoseParams
from training.pose.train import train

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run(coco_raw, tmp_path_factory):
    """The params.yaml recipe on the sample's shards, with two broken samples in the train split."""
    root = tmp_path_factory.mktemp("pose")
    write_split(root / "shards" / "train", "coco", "train", PERSON_IMAGE,
                coco_samples(coco_raw, "train") + broken_person_samples())
    write_split(root / "shards" / "val", "coco", "val", PERSON_IMAGE, coco_samples(coco_raw, "val"))
    block = yaml.safe_load((ROOT / "params.yaml").read_text())["pose"]
    params = PoseParams.from_dict({**block, "data": str(root / "shards")})
    return params, train(params, root / "model", root / "metrics"), root


def test_the_sample_is_learned(run):
    _, result, root = run
    metrics = json.loads((root / "metrics" / "metrics.json").read_text())
    assert metrics["coco/AP"] >= 0.5, metrics
    assert metrics["steps"] == result.steps > 0
    loss = [float(line.split("\t")[-1]) for line in (root / "metrics/plots/metrics/train/loss.tsv").read_text().splitlines()[1:]]
    assert loss[-1] < loss[0]


def test_metrics_carry_coco_keys_curves_baseline_and_a_picture(run):
    params, _, root = run
    metrics = json.loads((root / "metrics" / "metrics.json").read_text())
    for key in ("coco/AP", "coco/AP .5", "coco/AP .75", "coco/AR", "baseline/coco/AP", "val_persons"):
        assert key in metrics
    rows = (root / "metrics/plots/metrics/val/AP.tsv").read_text().splitlines()[1:]
    assert len(rows) == params.epochs // params.val_interval
    assert (root / "metrics/plots/images/predictions.png").stat().st_size > 1000


def test_reported_ap_is_what_pycocotools_computes_from_the_written_files(run):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    _, result, root = run
    gt = COCO(str(root / "model" / "val_ground_truth.json"))
    evaluation = COCOeval(gt, gt.loadRes(str(root / "model" / "val_predictions.json")), "keypoints")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    assert evaluation.stats[0] == pytest.approx(result.metrics["coco/AP"], abs=1e-9)
    assert evaluation.stats[5] == pytest.approx(result.metrics["coco/AR"], abs=1e-9)


def test_broken_samples_are_skipped_and_counted(run):
    _, result, _ = run
    assert result.metrics["skipped/train/jpg"] == 1
    assert result.metrics["skipped/train/json"] == 1
    assert "skipped/val/jpg" not in result.metrics


def test_checkpoint_loads_strictly_into_the_registry_model_in_a_fresh_process(run, coco_raw):
    import cv2

    import mmstack

    _, result, root = run
    image_path = next((coco_raw / "val2017").glob("*.jpg"))
    box = np.array([[100.0, 60.0, 300.0, 420.0]], np.float32)
    expected = mmstack.pose_inference(result.model, [cv2.imread(str(image_path))], [box])[0].pred_instances.keypoints
    script = (
        "import sys, json, cv2, numpy as np, torch, mmstack\n"
        "cfg = mmstack.load_config(sys.argv[1])\n"
        "model = mmstack.build_pose_model(cfg)\n"
        "state = torch.load(sys.argv[2], map_location='cpu')['state_dict']\n"
        "model.load_state_dict(state, strict=True)\n"
        "out = mmstack.pose_inference(model, [cv2.imread(sys.argv[3])], [np.array([[100., 60., 300., 420.]], np.float32)])\n"
        "print(json.dumps(np.asarray(out[0].pred_instances.keypoints).tolist()))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(result.config), str(result.checkpoint), str(image_path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert np.allclose(json.loads(done.stdout.strip().splitlines()[-1]), expected, atol=1e-3)


def test_rtmpose_backend_estimates_the_sample_video_poses_from_annotated_boxes(run, tmp_path):
    from synthetic import write_sample
    from tasks.video.decode import VideoDecoder
    from tasks.video.pose import make_backend

    _, result, _ = run
    write_sample(tmp_path, seed=3, datasets=("rwf2000",))
    video = sorted((tmp_path / "rwf2000").rglob("*.avi"))[0]
    options = {"backend": "rtmpose", "checkpoint": str(result.checkpoint.parent), "config": None,
               "boxes": "annotations", "annotations": "{stem}.pose.json", "device": "cpu",
               "batch_size": 4, "score_threshold": 0.0, "max_people": 4}
    backend, truth = make_backend(options), make_backend({**options, "backend": "annotations"})
    decoder = VideoDecoder(video, stride=4, max_side=240, batch=8)  # decoded smaller than the original
    errors = []
    for batch in decoder:
        size = (decoder.info.width, decoder.info.height)
        for people, expected in zip(backend(batch, *size), truth(batch, *size)):
            assert len(people) == len(expected)
            if not len(expected):
                continue
            assert np.allclose(people.boxes, expected.boxes, atol=1e-3)  # the box source's, in original pixels
            height = expected.boxes[:, 3] - expected.boxes[:, 1]
            distance = np.linalg.norm(people.keypoints - expected.keypoints, axis=-1) / height[:, None]
            errors.append(distance[expected.keypoint_scores > 0])
    errors = np.concatenate(errors)
    assert len(errors) > 50
    # Trained on the COCO sample's figures, it finds most joints of the videos' figures it never saw:
    # PCK@0.2 of the person's height (about 0.65 for the pipeline's model).
    assert np.mean(errors < 0.2) >= 0.5, np.median(errors)
