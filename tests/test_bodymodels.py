"""Stand-in MANO/SMPL-X files: smplx loads them, they look like a hand and a body, and they are reproducible."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import smplx
import torch
from smplx.joint_names import JOINT_NAMES
from smplx.vertex_ids import vertex_ids as SMPLX_VERTEX_IDS

from synthetic import bodymodels as bm

MIRROR = torch.tensor([-1.0, 1.0, 1.0])
TIP = {"thumb": 16, "index": 17, "middle": 18, "ring": 19, "pinky": 20}  # rows of the 21 MANO joints


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return bm.write_all(tmp_path_factory.mktemp("bodymodels"), seed=0)


def assert_close(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-6) -> None:
    """Max-abs check (torch.testing's first call imports for seconds)."""
    assert a.shape == b.shape and (a - b).abs().max() <= atol, (a - b).abs().max()


def mano(path: Path, **kwargs) -> smplx.MANO:
    kwargs.setdefault("use_pca", False)
    return smplx.MANO(model_path=str(path), is_rhand="RIGHT" in path.name, **kwargs)


def smplx_model(path: Path, **kwargs) -> smplx.SMPLX:
    return smplx.SMPLX(model_path=str(path), ext="npz", **kwargs)


def joints21(model: smplx.MANO, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.no_grad():
        out = model(return_verts=True, **kwargs)
    return out.vertices[0], bm.mano_joints_with_tips(out.vertices, out.joints)[0]


def test_constants_match_smplx():
    assert bm.MANO_TIP_VERTEX_IDS == SMPLX_VERTEX_IDS["mano"]
    assert bm.SMPLX_NAMED_VERTEX_IDS == SMPLX_VERTEX_IDS["smplx"]
    names = JOINT_NAMES[: bm.SMPLX_NUM_JOINTS]
    parent = {names[c]: names[p] for c, p in enumerate(bm.SMPLX_PARENTS) if p >= 0}
    for side in ("left", "right"):
        for finger in ("index", "middle", "pinky", "ring", "thumb"):  # each finger a chain off its wrist
            assert parent[f"{side}_{finger}1"] == f"{side}_wrist"
            assert parent[f"{side}_{finger}2"] == f"{side}_{finger}1"
            assert parent[f"{side}_{finger}3"] == f"{side}_{finger}2"
        chain = ["wrist", "elbow", "shoulder", "collar"]
        assert [parent[f"{side}_{a}"] for a in chain] == [f"{side}_{b}" for b in chain[1:]] + ["spine3"]
        assert [parent[f"{side}_{a}"] for a in ("foot", "ankle", "knee", "hip")] == [
            f"{side}_ankle", f"{side}_knee", f"{side}_hip", "pelvis"]
    assert [parent[n] for n in ("jaw", "left_eye_smplhf", "right_eye_smplhf", "head", "neck")] == [
        "head", "head", "head", "neck", "spine3"]


def test_mano_files_have_the_real_keys_and_shapes(files):
    for side in ("right", "left"):
        with open(files[f"mano_{side}"], "rb") as fh:
            data = pickle.load(fh, encoding="latin1")
        shapes = {
            "f": (1538, 3), "v_template": (778, 3), "shapedirs": (778, 3, 10), "posedirs": (778, 3, 135),
            "J_regressor": (16, 778), "kintree_table": (2, 16), "weights": (778, 16),
            "hands_components": (45, 45), "hands_mean": (45,),
        }
        assert {k: data[k].shape for k in shapes} == shapes
        assert np.issubdtype(data["f"].dtype, np.integer) and data["f"].max() == 777
        assert data["kintree_table"][0].tolist() == list(bm.MANO_PARENTS)
        assert data["standin"] is True and "NOT the licensed" in data["note"]
        np.testing.assert_allclose(data["hands_components"] @ data["hands_components"].T, np.eye(45), atol=1e-6)
        np.testing.assert_allclose(data["weights"].sum(1), 1.0)
        np.testing.assert_allclose(data["J_regressor"].sum(1), 1.0)
    assert "NOT the licensed" in files["readme"].read_text()


@pytest.mark.parametrize("side", ["right", "left"])
def test_mano_forward_zero_and_random_pose(files, side):
    model = mano(files[f"mano_{side}"])
    assert model.is_rhand == (side == "right")
    torch.manual_seed(0)
    for pose in (torch.zeros(1, 45), 0.3 * torch.randn(1, 45)):
        with torch.no_grad():
            out = model(hand_pose=pose, global_orient=0.3 * torch.randn(1, 3), betas=torch.randn(1, 10))
        assert out.vertices.shape == (1, 778, 3) and out.joints.shape == (1, 16, 3)
        assert torch.isfinite(out.vertices).all()
        tips = bm.mano_joints_with_tips(out.vertices, out.joints)
        assert tips.shape == (1, 21, 3)
        assert torch.equal(tips, model.vertex_joint_selector(out.vertices, out.joints))


def test_mano_right_hand_looks_like_a_hand(files):
    model = mano(files["mano_right"], flat_hand_mean=True)
    verts, joints = joints21(model)
    assert torch.allclose(joints[0], torch.zeros(3), atol=1e-6)  # wrist at the origin
    middle = joints[TIP["middle"]]
    assert 0.15 < middle[1] < 0.20 and abs(middle[0]) < 0.02 and abs(middle[2]) < 0.01  # ~0.18 m along +y
    for name in ("index", "middle", "ring", "pinky"):
        assert joints[TIP[name]][1] > 0.13
    assert joints[TIP["thumb"]][0] < -0.06  # thumb off to -x
    assert joints[TIP["index"]][0] < joints[TIP["middle"]][0] < joints[TIP["ring"]][0] < joints[TIP["pinky"]][0]
    # each tip vertex is the outermost vertex of its finger's last bone
    weights = model.lbs_weights
    for f, name in enumerate(("index", "middle", "pinky", "ring", "thumb")):
        last = weights[:, 3 + 3 * f] > 0.99
        reach = verts[last].norm(dim=1)
        assert torch.isclose(joints[TIP[name]].norm(), reach.max())
    # the bones chain up: each joint is further from the wrist than its parent
    for child, parent in enumerate(bm.MANO_PARENTS[1:], start=1):
        assert joints[child].norm() > joints[parent].norm()
    span = verts.max(0).values - verts.min(0).values
    assert 0.10 < span[0] < 0.16 and 0.17 < span[1] < 0.19 and span[2] < 0.06


def test_mano_betas0_scales_the_hand(files):
    model = mano(files["mano_right"], flat_hand_mean=True)
    base, _ = joints21(model)
    betas = torch.zeros(1, 10)
    betas[0, 0] = 2.0
    bigger, joints = joints21(model, betas=betas)
    assert_close(bigger, 1.1 * base)
    assert 0.18 < joints[TIP["middle"]].norm() < 0.21
    betas = torch.zeros(1, 10)
    betas[0, 3] = 2.0
    other, _ = joints21(model, betas=betas)
    assert 1e-4 < (other - base).abs().max() < 0.02  # the other components deform a little


def test_left_hand_is_the_mirror_only_after_the_fix(files):
    right = mano(files["mano_right"])
    broken = mano(files["mano_left"])
    left = bm.fix_left_shapedirs(mano(files["mano_left"]))
    assert bm.fix_left_shapedirs(left) is left  # a second call does not undo the first
    np.testing.assert_array_equal(left.faces, right.faces[:, [0, 2, 1]])  # re-wound for outward normals
    torch.manual_seed(1)
    betas = torch.randn(1, 10)
    pose = 0.4 * torch.randn(1, 48)
    mirrored = (pose.view(1, 16, 3) * torch.tensor([1.0, -1.0, -1.0])).view(1, 48)
    r, rj = joints21(right, betas=betas, global_orient=pose[:, :3], hand_pose=pose[:, 3:])
    kwargs = dict(betas=betas, global_orient=mirrored[:, :3], hand_pose=mirrored[:, 3:])
    lv, lj = joints21(left, **kwargs)
    assert_close(lv, r * MIRROR)
    assert_close(lj, rj * MIRROR)
    bv, _ = joints21(broken, **kwargs)
    assert (bv - r * MIRROR).abs().max() > 1e-3
    with pytest.raises(ValueError):
        bm.fix_left_shapedirs(right)


def test_mano_pca_pose_curls_the_fingers(files):
    model = mano(files["mano_right"], use_pca=True, num_pca_comps=6, flat_hand_mean=True)
    _, flat = joints21(model, hand_pose=torch.zeros(1, 6))
    pose = torch.zeros(1, 6)
    pose[0, 0] = 1.5
    _, fist = joints21(model, hand_pose=pose)
    for name in ("index", "middle", "ring", "pinky"):
        assert fist[TIP[name]][1] < flat[TIP[name]][1] - 0.02
        assert fist[TIP[name]][2] < -0.02  # towards the palm (-z)
    _, mean = joints21(mano(files["mano_right"], use_pca=True, num_pca_comps=6))  # default: the curled mean
    assert mean[TIP["middle"]][2] < -0.005


def test_files_are_byte_identical_for_a_seed(files, tmp_path):
    again = bm.write_all(tmp_path / "again", seed=0)
    for key, path in files.items():
        assert again[key].read_bytes() == path.read_bytes(), key
    other = bm.write_mano(tmp_path / "other", seed=1)
    assert other["right"].read_bytes() != files["mano_right"].read_bytes()


@pytest.mark.parametrize("key", ["mano_right", "smplx"])
def test_meshes_are_clean_and_closed_outwards(files, key):
    model = mano(files[key]) if key == "mano_right" else smplx_model(files[key])
    v = model.v_template.double().numpy()
    f = model.faces.astype(np.int64)
    ordered = np.sort(f, 1)
    assert (ordered[:, :-1] != ordered[:, 1:]).all()  # no degenerate faces
    assert len(np.unique(ordered, axis=0)) == len(f)  # no duplicates
    assert len(np.unique(f)) == len(v)  # every vertex is used
    volume = np.einsum("ij,ij->i", v[f[:, 0]], np.cross(v[f[:, 1]], v[f[:, 2]])).sum() / 6
    assert volume > 0  # normals point outwards (a hand ~2e-4 m^3, a body ~0.06 m^3)


def test_smplx_file_has_the_real_keys_and_shapes(files):
    path = files["smplx"]
    assert path.stat().st_size < 20e6
    with np.load(path) as data:
        shapes = {k: data[k].shape for k in data.files}
        assert data["kintree_table"][0].tolist() == list(bm.SMPLX_PARENTS)
        assert bool(data["standin"]) and "NOT the licensed" in str(data["note"])
        comps_l, comps_r = data["hands_componentsl"], data["hands_componentsr"]
        np.testing.assert_allclose(comps_r @ comps_r.T, np.eye(45), atol=1e-6)
        np.testing.assert_allclose(comps_l.reshape(45, 15, 3), comps_r.reshape(45, 15, 3) * [1, -1, -1])
        assert np.issubdtype(data["lmk_faces_idx"].dtype, np.integer)
        np.testing.assert_allclose(data["lmk_bary_coords"].sum(1), 1.0)
    v, j = bm.SMPLX_NUM_VERTS, bm.SMPLX_NUM_JOINTS
    expected = {
        "f": (20908, 3), "v_template": (v, 3), "shapedirs": (v, 3, 400), "posedirs": (v, 3, 486),
        "J_regressor": (j, v), "kintree_table": (2, j), "weights": (v, j),
        "hands_componentsl": (45, 45), "hands_componentsr": (45, 45), "hands_meanl": (45,), "hands_meanr": (45,),
        "lmk_faces_idx": (51,), "lmk_bary_coords": (51, 3),
    }
    assert {k: shapes[k] for k in expected} == expected


def test_smplx_loads_and_looks_like_a_body(files):
    model = smplx_model(files["smplx"], use_pca=True, num_pca_comps=6, flat_hand_mean=True)
    assert isinstance(smplx.create(str(files["smplx"])), smplx.SMPLX)
    assert model.parents.tolist() == list(bm.SMPLX_PARENTS)
    with torch.no_grad():
        out = model(return_verts=True)
    verts, joints = out.vertices[0], out.joints[0]
    assert verts.shape == (10475, 3) and model.faces.shape == (20908, 3)
    assert joints.shape == (55 + 21 + 51, 3)  # joints, smplx's extra vertex joints, face landmarks
    height = verts[:, 1].max() - verts[:, 1].min()
    assert 1.65 < height < 1.75
    name = {n: i for i, n in enumerate(JOINT_NAMES)}
    j = lambda n: joints[name[n]]  # noqa: E731
    assert j("head")[1] > j("neck")[1] > j("spine3")[1] > j("pelvis")[1] > j("left_knee")[1] > j("left_ankle")[1]
    assert j("left_wrist")[0] > 0.6 and j("right_wrist")[0] < -0.6  # T-pose, left side at +x
    assert j("left_middle3")[0] > j("left_middle1")[0] > j("left_wrist")[0]
    # smplx's extra joints: nose, reye, leye, rear, lear, 6 foot points, 10 fingertips; then 51 landmarks
    sel = {"nose": 55, "reye": 56, "leye": 57, "rear": 58, "lear": 59}
    assert joints[sel["nose"]][2] > joints[sel["reye"]][2] > joints[sel["rear"]][2]
    assert joints[sel["leye"]][0] > 0 > joints[sel["reye"]][0]
    assert joints[sel["lear"]][0] > joints[sel["leye"]][0]
    feet = joints[60:66]  # LBigToe, LSmallToe, LHeel, RBigToe, RSmallToe, RHeel
    assert (feet[:, 1] < -1.2).all() and (feet[[0, 1, 3, 4], 2] > 0.1).all() and (feet[[2, 5], 2] < -0.05).all()
    tips = joints[66:76]  # left thumb..pinky, right thumb..pinky
    assert (tips[:5, 0] > 0.75).all() and (tips[5:, 0] < -0.75).all()
    assert tips[0, 2] > tips[1, 2] > tips[4, 2]  # thumbs forward, pinkies back (palms down)
    landmarks = joints[76:]
    assert (landmarks[:, 1] > 0.2).all() and (landmarks[:, 1] < 0.36).all() and (landmarks[:, 2] > 0.05).all()
    regressed = model.J_regressor @ model.v_template
    assert_close(joints[:55], regressed)


def test_smplx_shape_expression_and_pose(files):
    model = smplx_model(files["smplx"], use_pca=False, num_betas=16)
    with torch.no_grad():
        base = model(return_verts=True).vertices[0]
        betas = torch.zeros(1, 16)
        betas[0, 0] = 2.0
        tall = model(betas=betas).vertices[0]
        expression = torch.zeros(1, 10)
        expression[0, 0] = 2.0
        talking = model(expression=expression).vertices[0]
        torch.manual_seed(2)
        posed = model(body_pose=0.3 * torch.randn(1, 63), left_hand_pose=0.3 * torch.randn(1, 45),
                      right_hand_pose=0.3 * torch.randn(1, 45), jaw_pose=0.2 * torch.randn(1, 3),
                      betas=torch.randn(1, 16), expression=torch.randn(1, 10)).vertices[0]
    height = lambda v: v[:, 1].max() - v[:, 1].min()  # noqa: E731
    assert height(tall) > height(base) * 1.05
    moved = (talking - base).norm(dim=1) > 1e-5
    assert moved.any() and (base[moved, 1] > 0.12).all()  # expressions only move the head
    assert torch.isfinite(posed).all() and (posed - base).abs().max() > 0.05
