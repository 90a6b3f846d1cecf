"""The MANO stand-in: a right hand (palm and five finger tubes, 778 vertices, 1538 faces), its mirror
as the left hand with the real MANO_LEFT.pkl's shapedirs defect, a MANO-like pose space, and what
callers of smplx's MANO need (the left-hand fix, fingertip joints)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from synthetic.bodymodels.files import NOTE, quantized
from synthetic.bodymodels.mesh import Mesh, Node, shape_space, unit, vertex_id
from tasks.atomic import write_bytes

MANO_RIGHT_FILE = "MANO_RIGHT_STANDIN.pkl"
MANO_LEFT_FILE = "MANO_LEFT_STANDIN.pkl"
MANO_NUM_VERTS = 778
MANO_NUM_FACES = 1538
MANO_NUM_JOINTS = 16
MANO_NUM_BETAS = 10
# wrist, index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3 (the real MANO order)
MANO_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14)
# the vertices smplx uses as fingertips (smplx.vertex_ids.vertex_ids['mano'], same order)
MANO_TIP_VERTEX_IDS = {"thumb": 744, "index": 320, "middle": 443, "ring": 554, "pinky": 671}

_FINGERS = ("index", "middle", "pinky", "ring", "thumb")  # MANO joint order, 3 joints each

# right hand, wrist at the origin, fingers along +y, back of the hand towards +z (palm faces -z),
# thumb towards -x; metres. Per finger: knuckle (joint 1), direction, bone lengths to joint 2, joint 3
# and the tip, and ring half-widths at joints 1-3.
_HAND_FINGERS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float],
                               tuple[float, float, float], tuple[float, float, float]]] = {
    "index": ((-0.025, 0.090, 0.000), (-0.08, 1.0, 0.0), (0.031, 0.022, 0.023), (0.0095, 0.0085, 0.0078)),
    "middle": ((-0.004, 0.095, 0.000), (0.00, 1.0, 0.0), (0.033, 0.024, 0.024), (0.0100, 0.0090, 0.0080)),
    "pinky": ((0.034, 0.080, -0.003), (0.13, 1.0, 0.0), (0.024, 0.018, 0.021), (0.0080, 0.0072, 0.0066)),
    "ring": ((0.016, 0.090, -0.002), (0.06, 1.0, 0.0), (0.031, 0.023, 0.023), (0.0093, 0.0083, 0.0076)),
}
_THUMB = ((-0.024, 0.024, -0.012), (-0.046, 0.045, -0.016), (-0.062, 0.064, -0.019), (-0.078, 0.086, -0.022))
_THUMB_RADII = (0.0120, 0.0105, 0.0095)
# rings per finger (11 of 12 vertices): one sunk 15 mm into the palm so no gap shows at the knuckle,
# joint 1, two mids, joint 2, two mids, joint 3, three mids narrowing to the tip vertex
_FINGER_SINK = 0.015
_FINGER_MIDS = ((0.33, 0.67), (0.33, 0.67), (0.35, 0.7, 0.9))


def _hand_joints() -> dict[str, np.ndarray]:
    """Joint 1, 2, 3 and tip positions of each finger of the right hand."""
    out = {}
    for name, (knuckle, direction, lengths, _) in _HAND_FINGERS.items():
        d = unit(np.asarray(direction))
        p1 = np.asarray(knuckle)
        p2 = p1 + lengths[0] * d
        p3 = p2 + lengths[1] * d
        out[name] = np.stack([p1, p2, p3, p3 + lengths[2] * d])
    out["thumb"] = np.asarray(_THUMB)
    return out


def hand_mesh() -> tuple[Mesh, np.ndarray]:
    """The right-hand stand-in (palm tube + five finger tubes, 778 vertices, 1538 faces) and its wrist ring."""
    mesh = Mesh(MANO_NUM_JOINTS)
    palm = [
        Node((0.0, 0.0, 0.0), 0.017, 0.029, 0, cluster=True, mids=(0.5,)),
        Node((0.002, 0.028, -0.001), 0.016, 0.037, 0, mids=(0.5,)),
        Node((0.004, 0.056, -0.002), 0.015, 0.042, 0, mids=(0.5,)),
        Node((0.005, 0.083, -0.002), 0.013, 0.043, 0),
    ]
    palm_tube = mesh.tube(palm, 16, (0, 0, 1), start="center", start_point=(0.0, -0.005, 0.0))
    joints = _hand_joints()
    base_rings = {}
    for f, name in enumerate(_FINGERS):
        j1 = 1 + 3 * f
        pts = joints[name]
        radii = _THUMB_RADII if name == "thumb" else _HAND_FINGERS[name][3]
        sunk = pts[0] - _FINGER_SINK * unit(pts[1] - pts[0])
        nodes = (
            [Node(tuple(sunk), 0.88 * radii[0], radii[0], 0)]
            + [Node(tuple(pts[i]), 0.88 * radii[i], radii[i], j1 + i, cluster=True, mids=_FINGER_MIDS[i])
               for i in range(3)]
            + [Node(tuple(pts[3]), joint=j1 + 2)]
        )
        t = mesh.tube(nodes, 12, (0, 0, 1), tip=True)
        mesh.named[name] = vertex_id(t.tip)
        base_rings[name] = t.rings[t.node_ring[1]]
    for a, b in (("index", "middle"), ("middle", "ring"), ("ring", "pinky")):
        mesh.bridge(base_rings[a], base_rings[b], 2)  # webs between the knuckles
    assert mesh.size == MANO_NUM_VERTS and mesh.num_faces() == MANO_NUM_FACES
    return mesh, palm_tube.rings[0]


def hand_pose_space(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A right-hand pose mean and 45 orthonormal pose components (rows), as MANO stores them.

    The mean is a slight natural curl (the real one is curled too); component 0
    closes all fingers together, like the first real PCA component.
    """
    flex_axis = np.array([-1.0, 0.0, 0.0])  # rotating +y (a finger) towards -z (the palm)
    thumb_axis = np.array([0.0, 0.0, -1.0])  # swings the thumb towards the index finger
    mean = np.zeros((15, 3))
    grip = np.zeros((15, 3))
    for f in range(4):
        for i, (m, g) in enumerate(zip((0.15, 0.2, 0.1), (1.0, 1.0, 0.8))):
            mean[3 * f + i] = m * flex_axis
            grip[3 * f + i] = g * flex_axis
    for i, (m, g) in enumerate(zip((0.1, 0.05, 0.05), (0.6, 0.4, 0.4))):
        mean[12 + i] = m * thumb_axis
        grip[12 + i] = g * thumb_axis
    rng = np.random.default_rng([seed, 45])
    basis = np.concatenate([grip.reshape(1, 45), rng.normal(size=(44, 45))])
    q, r = np.linalg.qr(basis.T)
    q = q * np.sign(np.diag(r))  # unique signs: component 0 is +grip
    return mean.reshape(45), np.ascontiguousarray(q.T)


def mirror_pose(pose: np.ndarray) -> np.ndarray:
    """Axis-angle poses of the mirror image in x: (x, y, z) -> (x, -y, -z) per joint."""
    out = np.array(pose, dtype=np.float64).reshape(*np.shape(pose)[:-1], -1, 3)
    out[..., 1:] *= -1
    return out.reshape(np.shape(pose))


def _mano_dicts(seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The right and left MANO stand-in dicts (the left with the real file's shapedirs defect)."""
    mesh, _ = hand_mesh()
    arr = mesh.arrays(MANO_TIP_VERTEX_IDS)
    v, faces, weights, regressor = arr["v"], arr["faces"], arr["weights"], arr["regressor"]
    rng = np.random.default_rng([seed, 778])
    shapedirs = shape_space(v, arr["centre"], weights, MANO_NUM_BETAS, 0.05, rng, 0.02, 0.1)
    mean, components = hand_pose_space(seed)
    kintree = np.stack([np.asarray(MANO_PARENTS), np.arange(MANO_NUM_JOINTS)]).astype(np.int64)

    def model(v: np.ndarray, f: np.ndarray, sd: np.ndarray, mean: np.ndarray, comps: np.ndarray) -> dict:
        return {
            "f": f.astype(np.int32),
            "v_template": v,
            "shapedirs": sd,
            "posedirs": np.zeros((MANO_NUM_VERTS, 3, 9 * (MANO_NUM_JOINTS - 1))),
            "J_regressor": regressor,
            "J": regressor @ v,
            "kintree_table": kintree,
            "weights": weights,
            "hands_components": comps,
            "hands_mean": mean,
            "bs_style": "lbs",
            "bs_type": "lrotmin",
            "standin": True,
            "note": NOTE,
        }

    mirror = np.array([-1.0, 1.0, 1.0])
    left_shapedirs = shapedirs * mirror[None, :, None]
    # the real MANO_LEFT.pkl's defect: its shapedirs x-component is the right hand's, un-mirrored
    left_shapedirs[:, 0, :] = shapedirs[:, 0, :]
    right = model(v, faces, shapedirs, mean, components)
    left = model(v * mirror, faces[:, [0, 2, 1]], left_shapedirs, mirror_pose(mean), mirror_pose(components))
    return quantized(right), quantized(left)


def write_mano(out_dir: Path, seed: int = 0) -> dict[str, Path]:
    """Writes MANO_RIGHT_STANDIN.pkl and MANO_LEFT_STANDIN.pkl; returns {'right': path, 'left': path}.

    Plain dicts of numpy arrays pickled with protocol 2 (``pickle.load(f,
    encoding='latin1')`` reads them, as smplx does). Load them by file path,
    ``smplx.MANO(model_path=str(path), is_rhand=..., use_pca=False)``: smplx
    takes the side from 'RIGHT'/'LEFT' in the file name.

    The right hand lies flat: wrist at the origin, fingers along +y, palm
    towards -z, thumb towards -x; the middle fingertip is ~0.18 m from the
    wrist, like the real model (metres). The left file is its mirror in x
    (faces re-wound so normals stay outward) BUT, like the real
    ``MANO_LEFT.pkl``, its ``shapedirs[:, 0, :]`` is the right hand's
    un-mirrored x-component: shapes come out wrong until
    ``fix_left_shapedirs`` (``shapedirs[:, 0, :] *= -1``) is applied after
    loading. Code that handles the real left file correctly therefore
    handles this one too, and code that forgets the fix fails on both.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    right, left = _mano_dicts(seed)
    paths = {"right": out_dir / MANO_RIGHT_FILE, "left": out_dir / MANO_LEFT_FILE}
    for side, data in (("right", right), ("left", left)):
        write_bytes(paths[side], pickle.dumps(data, protocol=2))
    return paths


def fix_left_shapedirs(model: Any) -> Any:
    """Flips the x-component of a loaded left MANO model's shape space, in place; returns the model.

    The real MANO_LEFT.pkl (and this stand-in, on purpose) stores it
    un-mirrored; InterHand2.6M and others fix it with
    ``model.shapedirs[:, 0, :] *= -1`` on the smplx buffer. Calling this twice
    on one model is a no-op the second time, so it is safe in shared setup code.
    """
    import torch

    if getattr(model, "is_rhand", False):
        raise ValueError("fix_left_shapedirs is for left-hand MANO models (is_rhand is True)")
    if getattr(model, "_posefoundry_left_shapedirs_fixed", False):
        return model
    with torch.no_grad():
        model.shapedirs[:, 0, :] *= -1
    model._posefoundry_left_shapedirs_fixed = True
    return model


def mano_joints_with_tips(vertices: Any, joints: Any) -> Any:
    """The 16 MANO joints plus the 5 fingertip vertices (thumb, index, middle, ring, pinky): [B, 21, 3].

    smplx 0.1.28's ``MANO.forward`` returns only the 16 kinematic joints (its
    tip selection is commented out); this appends the tips the way smplx would.
    """
    import torch

    ids = torch.as_tensor(list(MANO_TIP_VERTEX_IDS.values()), dtype=torch.long, device=vertices.device)
    return torch.cat([joints, vertices.index_select(1, ids)], dim=1)

