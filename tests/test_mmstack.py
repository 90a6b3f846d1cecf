"""OpenMMLab on this stack: the seed STGCN++ and MMPose's RTMO-s / RTMPose-t build and run on CPU."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import mmstack

pytestmark = pytest.mark.slow

SEED_STGCNPP = dict(
    type="RecognizerGCN",
    backbone=dict(type="STGCN", gcn_adaptive="init", gcn_with_res=True, tcn_type="mstcn",
                  graph_cfg=dict(layout="coco", mode="spatial")),
    cls_head=dict(type="GCNHead", num_classes=2, in_channels=256),
)


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_openmmlab_imports_without_torchvision():
    code = (
        "import mmstack; mmstack.register('mmaction'); mmstack.register('mmpose'); import sys; "
        "assert 'torchvision' not in sys.modules, 'torchvision was imported'; print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def test_stgcnpp_matches_mmaction2_parameter_count():
    shipped = mmstack.load_config(
        mmstack.config_dir("mmaction") / "skeleton/stgcnpp/stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-2d.py"
    )
    reference = mmstack.build_action_model(shipped.model.to_dict())
    ours = mmstack.build_action_model(SEED_STGCNPP)
    assert count(ours.backbone) == count(reference.backbone)
    num_classes = shipped.model.cls_head.num_classes
    assert count(reference) - count(ours) == (num_classes - 2) * (256 + 1)
    assert count(ours) == 1_378_110


def test_stgcnpp_forward_backward():
    torch.manual_seed(0)
    structures = mmstack.import_module("mmaction.structures")
    model = mmstack.build_action_model(SEED_STGCNPP)
    inputs = torch.randn(2, 1, 2, 100, 17, 3)
    samples = [structures.ActionDataSample().set_gt_label(label) for label in (0, 1)]
    losses = model(inputs, samples, mode="loss")
    loss = sum(v for k, v in losses.items() if "loss" in k)
    loss.backward()
    assert torch.isfinite(loss)
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads)
    scores = model(inputs, samples, mode="predict")
    assert scores[0].pred_score.shape == (2,)


def _pose_config(name: str):
    return mmstack.load_config(mmstack.config_dir("mmpose") / "body_2d_keypoint" / name)


def test_rtmpose_t_topdown_inference_on_cpu():
    torch.manual_seed(0)
    model = mmstack.build_pose_model(_pose_config("rtmpose/coco/rtmpose-t_8xb256-420e_coco-256x192.py"))
    assert count(model) == 3_337_007
    image = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    results = mmstack.pose_inference(model, [image], [np.array([[40, 20, 200, 230]])])
    assert len(results) == 1
    keypoints = results[0].pred_instances.keypoints
    assert keypoints.shape == (1, 17, 2)
    # SimCC decodes inside the affine crop: keypoints land in the box's (padded) neighbourhood.
    assert (keypoints[..., 0] > -40).all() and (keypoints[..., 0] < 280).all()


def test_rtmo_s_bottomup_inference_on_cpu():
    torch.manual_seed(0)
    model = mmstack.build_pose_model(_pose_config("rtmo/coco/rtmo-s_8xb32-600e_coco-640x640.py"))
    assert count(model) == 9_868_899
    image = np.random.default_rng(1).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    (result,) = mmstack.pose_inference(model, [image])
    instances = result.pred_instances
    assert instances.keypoints.ndim == 3 and instances.keypoints.shape[1:] == (17, 2)
    assert instances.bboxes.shape == (len(instances.keypoints), 4)


def test_weights_only_load_of_mmengine_checkpoint(tmp_path):
    history = mmstack.import_module("mmengine.logging").HistoryBuffer()
    history.update(1.0)
    path = tmp_path / "ckpt.pth"
    torch.save({"message_hub": {"log_scalars": {"loss": history}}, "meta": {"seed": np.int64(3)},
                "state_dict": {"w": torch.ones(2)}}, path)
    mmstack.apply()
    loaded = torch.load(path)
    assert loaded["meta"]["seed"] == 3 and torch.equal(loaded["state_dict"]["w"], torch.ones(2))
