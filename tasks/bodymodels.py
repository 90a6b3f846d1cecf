"""Synthetic stand-in MANO and SMPL-X body-model files with the real shapes and keys.

The licensed MANO and SMPL-X files may not be shipped, yet the pipeline, its
tests and the renderers need something the ``smplx`` package can load.  These
writers build plausible stand-ins from scratch: a right hand (and its mirror)
and a T-posed figure about 1.7 m tall, made of closed tubes of vertex rings
around the bones.  Every array has the real shape, dtype family and key, so
code written against the stand-ins runs unchanged on the real files.

What is plausible and what is not:

* geometry: joints sit where a hand or body has them (metres, like the real
  models); ``J_regressor`` rows average one vertex ring centred on each joint,
  so the regressed joints are exactly the designed ones; the vertex ids that
  ``smplx`` picks for fingertips, toes, heels, nose, eyes and ears sit there.
* skinning: each vertex follows the joint of the bone it surrounds; the ring
  at a joint is split half and half with the parent joint so bends stay smooth.
* shape space: component 0 scales the model about its origin (``betas[0] > 0``
  makes it bigger); a few more are small seeded deformations; the rest, and
  all pose correctives (``posedirs``), are zero.
* the face is crude: 51 landmarks on the front of the head (no contour
  landmarks, so ``use_face_contour=True`` is not supported).
* the seed only picks the small shape/expression deformations and the pose
  components after the first; the template, joints and skinning never change.

The left MANO file reproduces a known defect of the real ``MANO_LEFT.pkl``: its
``shapedirs`` x-component is not mirrored, and callers must flip it after
loading (``fix_left_shapedirs``), as InterHand2.6M and others do.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

MANO_RIGHT_FILE = "MANO_RIGHT_STANDIN.pkl"
MANO_LEFT_FILE = "MANO_LEFT_STANDIN.pkl"
SMPLX_FILE = "SMPLX_NEUTRAL_STANDIN.npz"
README_FILE = "README.txt"

NOTE = (
    "SYNTHETIC STAND-IN written by posefoundry tasks/bodymodels.py: real array shapes and keys, "
    "made-up geometry. This is NOT the licensed MANO/SMPL-X model and must not be used as one."
)

MANO_NUM_VERTS = 778
MANO_NUM_FACES = 1538
MANO_NUM_JOINTS = 16
MANO_NUM_BETAS = 10
# wrist, index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3 (the real MANO order)
MANO_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14)
# the vertices smplx uses as fingertips (smplx.vertex_ids.vertex_ids['mano'], same order)
MANO_TIP_VERTEX_IDS = {"thumb": 744, "index": 320, "middle": 443, "ring": 554, "pinky": 671}

SMPLX_NUM_VERTS = 10475
SMPLX_NUM_FACES = 20908
SMPLX_NUM_JOINTS = 55
SMPLX_NUM_BETAS = 300
SMPLX_NUM_EXPRESSION = 100
SMPLX_NUM_LANDMARKS = 51
# 22 body joints, jaw, left eye, right eye, 15 left-hand and 15 right-hand joints (smplx.joint_names)
SMPLX_PARENTS = (
    -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19,
    15, 15, 15,
    20, 25, 26, 20, 28, 29, 20, 31, 32, 20, 34, 35, 20, 37, 38,
    21, 40, 41, 21, 43, 44, 21, 46, 47, 21, 49, 50, 21, 52, 53,
)
# the vertices smplx's VertexJointSelector reads (smplx.vertex_ids.vertex_ids['smplx'])
SMPLX_NAMED_VERTEX_IDS = {
    "nose": 9120, "reye": 9929, "leye": 9448, "rear": 616, "lear": 6,
    "rthumb": 8079, "rindex": 7669, "rmiddle": 7794, "rring": 7905, "rpinky": 8022,
    "lthumb": 5361, "lindex": 4933, "lmiddle": 5058, "lring": 5169, "lpinky": 5286,
    "LBigToe": 5770, "LSmallToe": 5780, "LHeel": 8846,
    "RBigToe": 8463, "RSmallToe": 8474, "RHeel": 8635,
}

_FINGERS = ("index", "middle", "pinky", "ring", "thumb")  # MANO joint order, 3 joints each
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps keep the .npz byte-identical


# ----------------------------------------------------------------------------- mesh building


@dataclass(frozen=True)
class _Node:
    """A key point of a tube: a ring centred here (or the closing tip vertex)."""

    pos: tuple[float, float, float]
    ra: float = 0.0  # half-extent along the thickness axis (the tube's `ref`, made normal to it)
    rb: float = 0.0  # half-extent along the width axis
    joint: int = 0  # drives this node's span; its ring is shared half/half with the previous span's joint
    cluster: bool = False  # this ring is the J_regressor cluster of `joint`
    mids: tuple[float, ...] = ()  # span parameters t in (0, 1) of extra rings towards the next node


@dataclass
class _Tube:
    rings: list[np.ndarray]  # vertex ids per ring, in order along the tube
    node_ring: list[int]  # ring index of each ring node
    tip: int | None = None
    start: int | None = None  # the centre vertex of a "center" start cap


@dataclass
class _Mesh:
    """Vertices, faces, skinning and joint clusters of a stand-in under construction."""

    num_joints: int
    pos: list[np.ndarray] = field(default_factory=list)
    centre: list[np.ndarray] = field(default_factory=list)  # ring centre of each vertex (thickness shapes)
    skin: list[tuple[int, int, float]] = field(default_factory=list)  # (vertex, joint, weight)
    faces: list[np.ndarray] = field(default_factory=list)
    clusters: dict[int, list[int]] = field(default_factory=dict)
    named: dict[str, int] = field(default_factory=dict)
    size: int = 0

    def add(self, pos: np.ndarray, centre: np.ndarray, weights: dict[int, float]) -> np.ndarray:
        """Adds vertices (rows of `pos`) sharing one weight dict; returns their ids."""
        pos = np.atleast_2d(np.asarray(pos, dtype=np.float64))
        ids = np.arange(self.size, self.size + len(pos))
        self.pos.append(pos)
        self.centre.append(np.broadcast_to(np.asarray(centre, dtype=np.float64), pos.shape).copy())
        for i in ids:
            for joint, w in weights.items():
                self.skin.append((int(i), joint, w))
        self.size += len(pos)
        return ids

    def tri(self, faces: np.ndarray) -> None:
        self.faces.append(np.asarray(faces, dtype=np.int64).reshape(-1, 3))

    def num_faces(self) -> int:
        return int(sum(len(f) for f in self.faces))

    def vertices(self) -> np.ndarray:
        return np.concatenate(self.pos) if self.pos else np.zeros((0, 3))

    def tube(self, nodes: list[_Node], n: int, ref: tuple[float, float, float], *, start: str = "poly",
             start_point: tuple[float, float, float] | None = None, tip: bool = False,
             round_from: float = 0.5, first_weights: dict[int, float] | None = None) -> _Tube:
        """A closed tube of `n`-vertex elliptical rings along `nodes`.

        Closed (genus 0) so every tube adds exactly 2V - 4 faces, which is what
        lets the builders hit the real vertex and face counts. The start is
        capped by a polygon fan or a centre vertex at `start_point`; the end by a
        polygon fan or, with `tip`, by the last node as a single vertex (a
        rounded fingertip whose last span narrows from `round_from` on).
        """
        ref_v = np.asarray(ref, dtype=np.float64)
        p = np.array([nd.pos for nd in nodes], dtype=np.float64)
        spans = [_unit(p[i + 1] - p[i]) for i in range(len(nodes) - 1)]
        last_ring_node = len(nodes) - 2 if tip else len(nodes) - 1
        theta = 2.0 * np.pi * np.arange(n) / n
        rings: list[np.ndarray] = []
        node_ring: list[int] = []

        def ring(c: np.ndarray, d: np.ndarray, ra: float, rb: float, weights: dict[int, float]) -> np.ndarray:
            a = ref_v - np.dot(ref_v, d) * d
            assert np.linalg.norm(a) > 1e-6, "tube reference axis parallel to the tube"
            a = _unit(a)
            b = np.cross(d, a)  # (a, b, d) right-handed: the face winding below points outwards
            pts = c + ra * np.cos(theta)[:, None] * a + rb * np.sin(theta)[:, None] * b
            ids = self.add(pts, c, weights)
            rings.append(ids)
            return ids

        for i in range(last_ring_node + 1):
            nd = nodes[i]
            if i == 0:
                d = spans[0]
                weights = first_weights or {nd.joint: 1.0}
            else:
                d = _unit(spans[i - 1] + spans[i]) if i < len(spans) else spans[-1]
                prev = nodes[i - 1].joint
                weights = {prev: 0.5, nd.joint: 0.5} if prev != nd.joint else {nd.joint: 1.0}
            node_ring.append(len(rings))
            ids = ring(p[i], d, nd.ra, nd.rb, weights)
            if nd.cluster:
                self.clusters.setdefault(nd.joint, []).extend(int(k) for k in ids)
            if i == len(nodes) - 1:
                break
            to_tip = tip and i == len(nodes) - 2
            for t in nd.mids:
                c = (1 - t) * p[i] + t * p[i + 1]
                if to_tip:
                    s = max(0.0, (t - round_from) / (1.0 - round_from))
                    k = float(np.sqrt(max(0.0, 1.0 - s * s)))
                    ra, rb = nd.ra * k, nd.rb * k
                else:
                    ra = (1 - t) * nd.ra + t * nodes[i + 1].ra
                    rb = (1 - t) * nd.rb + t * nodes[i + 1].rb
                ring(c, spans[i], ra, rb, {nd.joint: 1.0})

        k = np.arange(n)
        k1 = (k + 1) % n
        for r0, r1 in zip(rings[:-1], rings[1:]):
            self.tri(np.stack([r0[k], r0[k1], r1[k]], 1))
            self.tri(np.stack([r0[k1], r1[k1], r1[k]], 1))
        out = _Tube(rings=rings, node_ring=node_ring)
        first, last = rings[0], rings[-1]
        fan = np.arange(1, n - 1)
        if start == "center":
            assert start_point is not None
            w0 = first_weights or {nodes[0].joint: 1.0}
            out.start = int(self.add(np.asarray(start_point), p[0], w0)[0])
            self.tri(np.stack([np.full(n, out.start), first[k1], first[k]], 1))
        else:
            self.tri(np.stack([np.full(n - 2, first[0]), first[fan + 1], first[fan]], 1))
        if tip:
            out.tip = int(self.add(p[-1], p[-1], {nodes[-2].joint: 1.0})[0])
            self.tri(np.stack([last[k], last[k1], np.full(n, out.tip)], 1))
        else:
            self.tri(np.stack([np.full(n - 2, last[0]), last[fan], last[fan + 1]], 1))
        return out

    def bridge(self, ring_a: np.ndarray, ring_b: np.ndarray, count: int) -> None:
        """`count` triangles joining the facing sides of two rings (webs between parts).

        Closed tubes alone give 2V - 4 faces per part; these few extra triangles
        make up the rest of the real face count, where parts meet.
        """
        if count <= 0:
            return
        v = self.vertices()
        pa, pb = v[ring_a], v[ring_b]
        n = len(ring_a)
        assert count <= n
        k0 = int(np.argmin(np.linalg.norm(pa - pb.mean(0), axis=1)))
        for i in range(count):
            k = (k0 + i - count // 2) % n
            mid = 0.5 * (pa[k] + pa[(k + 1) % n])
            j = int(np.argmin(np.linalg.norm(pb - mid, axis=1)))
            self.tri([ring_a[k], ring_a[(k + 1) % n], ring_b[j]])

    def merge(self, other: "_Mesh", rot: np.ndarray, shift: np.ndarray, joint_map: list[int]) -> int:
        """Copies `other` in, moved by `rot`/`shift` and its joints renumbered; returns the id offset.

        A reflection (det < 0) reverses the winding so normals still point out.
        """
        off = self.size
        for pos, cen in zip(other.pos, other.centre):
            self.pos.append(pos @ rot.T + shift)
            self.centre.append(cen @ rot.T + shift)
        self.skin.extend((v + off, joint_map[j], w) for v, j, w in other.skin)
        flip = np.linalg.det(rot) < 0
        for f in other.faces:
            self.faces.append((f[:, [0, 2, 1]] if flip else f) + off)
        for j, ids in other.clusters.items():
            self.clusters.setdefault(joint_map[j], []).extend(i + off for i in ids)
        self.size += other.size
        return off

    def arrays(self, targets: dict[str, int]) -> dict[str, np.ndarray]:
        """Final arrays, with vertices reordered so each named vertex lands on its target id."""
        nv = self.size
        order = np.full(nv, -1, dtype=np.int64)
        placed = np.zeros(nv, dtype=bool)
        for name, target in targets.items():
            order[target] = self.named[name]
            placed[self.named[name]] = True
        order[order < 0] = np.flatnonzero(~placed)
        inv = np.empty(nv, dtype=np.int64)
        inv[order] = np.arange(nv)

        v = np.concatenate(self.pos)[order]
        centre = np.concatenate(self.centre)[order]
        weights = np.zeros((nv, self.num_joints))
        for vi, j, w in self.skin:
            weights[inv[vi], j] += w
        assert np.allclose(weights.sum(1), 1.0)
        regressor = np.zeros((self.num_joints, nv))
        for j in range(self.num_joints):
            ids = inv[np.asarray(self.clusters[j])]
            regressor[j, ids] = 1.0 / len(ids)
        faces = inv[np.concatenate(self.faces)]
        return {"v": v, "centre": centre, "weights": weights, "regressor": regressor, "faces": faces}


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _id(vertex: int | None) -> int:
    assert vertex is not None
    return vertex


def _quantized(data: dict[str, Any]) -> dict[str, Any]:
    """Float arrays rounded to 1e-8 (10 nm on vertices), keeping their dtype.

    Elementwise maths is exact everywhere, but BLAS reductions and vectorised
    sin/cos can differ in the last bit between CPUs; rounding makes the files
    byte-identical across machines too (barring a value that lands exactly on
    a rounding boundary), at no cost to anything that uses them. Regressor and
    skinning weights are exact quotients already and keep rows summing to 1.
    """
    out = {}
    for key, value in data.items():
        exact = key in ("J_regressor", "weights")
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating) and not exact:
            value = np.round(value.astype(np.float64), 8).astype(value.dtype)
        out[key] = value
    return out


def _spread(nodes: list[_Node], total_rings: int, fixed: dict[int, tuple[float, ...]] | None = None,
            tip: bool = False) -> list[_Node]:
    """Distributes extra rings over the spans in proportion to their lengths.

    Spans listed in `fixed` keep their given ring parameters; the tube then has
    exactly `total_rings` rings (which is how the builders hit a vertex count).
    """
    fixed = fixed or {}
    ring_nodes = len(nodes) - (1 if tip else 0)
    free = [i for i in range(len(nodes) - 1) if i not in fixed]
    extra = total_rings - ring_nodes - sum(len(m) for m in fixed.values())
    assert extra >= 0, "too few rings for the nodes"
    lengths = np.array([np.linalg.norm(np.subtract(nodes[i + 1].pos, nodes[i].pos)) for i in free])
    share = lengths / lengths.sum() * extra
    counts = np.floor(share).astype(int)
    for i in np.argsort(-(share - counts), kind="stable")[: extra - counts.sum()]:
        counts[i] += 1
    out = list(nodes)
    for i, c in zip(free, counts):
        out[i] = replace(out[i], mids=tuple((np.arange(1, c + 1) / (c + 1)).tolist()))
    for i, mids in fixed.items():
        out[i] = replace(out[i], mids=mids)
    return out


# ----------------------------------------------------------------------------- the hand

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
        d = _unit(np.asarray(direction))
        p1 = np.asarray(knuckle)
        p2 = p1 + lengths[0] * d
        p3 = p2 + lengths[1] * d
        out[name] = np.stack([p1, p2, p3, p3 + lengths[2] * d])
    out["thumb"] = np.asarray(_THUMB)
    return out


def _hand_mesh() -> tuple[_Mesh, np.ndarray]:
    """The right-hand stand-in (palm tube + five finger tubes, 778 vertices, 1538 faces) and its wrist ring."""
    mesh = _Mesh(MANO_NUM_JOINTS)
    palm = [
        _Node((0.0, 0.0, 0.0), 0.017, 0.029, 0, cluster=True, mids=(0.5,)),
        _Node((0.002, 0.028, -0.001), 0.016, 0.037, 0, mids=(0.5,)),
        _Node((0.004, 0.056, -0.002), 0.015, 0.042, 0, mids=(0.5,)),
        _Node((0.005, 0.083, -0.002), 0.013, 0.043, 0),
    ]
    palm_tube = mesh.tube(palm, 16, (0, 0, 1), start="center", start_point=(0.0, -0.005, 0.0))
    joints = _hand_joints()
    base_rings = {}
    for f, name in enumerate(_FINGERS):
        j1 = 1 + 3 * f
        pts = joints[name]
        radii = _THUMB_RADII if name == "thumb" else _HAND_FINGERS[name][3]
        sunk = pts[0] - _FINGER_SINK * _unit(pts[1] - pts[0])
        nodes = (
            [_Node(tuple(sunk), 0.88 * radii[0], radii[0], 0)]
            + [_Node(tuple(pts[i]), 0.88 * radii[i], radii[i], j1 + i, cluster=True, mids=_FINGER_MIDS[i])
               for i in range(3)]
            + [_Node(tuple(pts[3]), joint=j1 + 2)]
        )
        t = mesh.tube(nodes, 12, (0, 0, 1), tip=True)
        mesh.named[name] = _id(t.tip)
        base_rings[name] = t.rings[t.node_ring[1]]
    for a, b in (("index", "middle"), ("middle", "ring"), ("ring", "pinky")):
        mesh.bridge(base_rings[a], base_rings[b], 2)  # webs between the knuckles
    assert mesh.size == MANO_NUM_VERTS and mesh.num_faces() == MANO_NUM_FACES
    return mesh, palm_tube.rings[0]


def _hand_pose_space(seed: int) -> tuple[np.ndarray, np.ndarray]:
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


def _mirror_pose(pose: np.ndarray) -> np.ndarray:
    """Axis-angle poses of the mirror image in x: (x, y, z) -> (x, -y, -z) per joint."""
    out = np.array(pose, dtype=np.float64).reshape(*np.shape(pose)[:-1], -1, 3)
    out[..., 1:] *= -1
    return out.reshape(np.shape(pose))


def _shape_space(v: np.ndarray, centre: np.ndarray, weights: np.ndarray, count: int, scale: float,
                 rng: np.random.Generator, linear: float, thickness: float) -> np.ndarray:
    """[V, 3, count] shape directions: 0 scales about the origin, the rest are small seeded deformations.

    Odd components are linear maps of the template (limb proportions), even
    ones thicken or thin parts around their bones; both are smooth, so
    shapes stay plausible for any betas of order one.
    """
    out = np.zeros((len(v), 3, count))
    out[:, :, 0] = scale * v
    for k in range(1, count):
        if k % 2:
            out[:, :, k] = v @ (linear * rng.normal(size=(3, 3))).T
        else:
            gain = weights @ (thickness * rng.normal(size=weights.shape[1]))
            out[:, :, k] = (v - centre) * gain[:, None]
    return out


# ----------------------------------------------------------------------------- MANO


def _mano_dicts(seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The right and left MANO stand-in dicts (the left with the real file's shapedirs defect)."""
    mesh, _ = _hand_mesh()
    arr = mesh.arrays(MANO_TIP_VERTEX_IDS)
    v, faces, weights, regressor = arr["v"], arr["faces"], arr["weights"], arr["regressor"]
    rng = np.random.default_rng([seed, 778])
    shapedirs = _shape_space(v, arr["centre"], weights, MANO_NUM_BETAS, 0.05, rng, 0.02, 0.1)
    mean, components = _hand_pose_space(seed)
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
    left = model(v * mirror, faces[:, [0, 2, 1]], left_shapedirs, _mirror_pose(mean), _mirror_pose(components))
    return _quantized(right), _quantized(left)


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
        _write_bytes(paths[side], pickle.dumps(data, protocol=2))
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


# ----------------------------------------------------------------------------- SMPL-X

# T-pose body joints, metres: +y up, the figure faces +z, its left side is +x (as in SMPL-X)
_BODY = {
    0: (0.0, -0.35, 0.0), 3: (0.0, -0.23, 0.0), 6: (0.0, -0.10, 0.0), 9: (0.0, 0.02, 0.0),
    12: (0.0, 0.16, -0.01), 15: (0.0, 0.23, 0.02), 22: (0.0, 0.205, 0.03),
    23: (0.033, 0.31, 0.10), 24: (-0.033, 0.31, 0.10),
}
# per side (sign of x, joint ids): hip, knee, ankle, foot, collar, shoulder, elbow, wrist
_SIDES = {"l": (1.0, (1, 4, 7, 10, 13, 16, 18, 20)), "r": (-1.0, (2, 5, 8, 11, 14, 17, 19, 21))}
# right hand frame -> body frame for the body's right hand: fingers along -x, palm down, thumb forward
_HAND_TO_BODY = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]])
_MIRROR_X = np.diag([-1.0, 1.0, 1.0])


def _limb_joints(sx: float) -> dict[str, tuple[float, float, float]]:
    return {
        "hip": (sx * 0.09, -0.44, 0.0), "knee": (sx * 0.10, -0.85, 0.0), "ankle": (sx * 0.11, -1.18, -0.03),
        "foot": (sx * 0.12, -1.235, 0.09), "collar": (sx * 0.07, 0.09, -0.01),
        "shoulder": (sx * 0.18, 0.10, -0.01), "elbow": (sx * 0.44, 0.10, -0.02),
        "wrist": (sx * 0.69, 0.10, -0.01),
    }


def _body_mesh() -> tuple[_Mesh, dict[str, np.ndarray]]:
    """The SMPL-X stand-in mesh (10475 vertices, 20908 faces) and the rings landmarks/bridges need."""
    mesh = _Mesh(SMPLX_NUM_JOINTS)
    rings: dict[str, np.ndarray] = {}
    junctions: list[tuple[str, str]] = []
    hand, hand_palm_ring = _hand_mesh()

    for side, (sx, (hip, knee, ankle, foot, collar, shoulder, elbow, wrist)) in _SIDES.items():
        j = _limb_joints(sx)
        leg = [
            _Node(j["hip"], 0.075, 0.08, hip, cluster=True),
            _Node((sx * 0.095, -0.62, 0.01), 0.07, 0.07, hip),
            _Node(j["knee"], 0.05, 0.05, knee, cluster=True),
            _Node((sx * 0.105, -0.98, -0.01), 0.055, 0.05, knee),
            _Node(j["ankle"], 0.035, 0.035, ankle, cluster=True),
        ]
        t = mesh.tube(_spread(leg, 27), 32, (0, 0, 1))
        rings[f"{side}_hip"], rings[f"{side}_ankle"] = t.rings[0], t.rings[-1]
        feet = [
            _Node((sx * 0.11, -1.225, -0.05), 0.03, 0.035, ankle),
            _Node((sx * 0.112, -1.22, 0.0), 0.035, 0.04, ankle),
            _Node(j["foot"], 0.022, 0.045, foot, cluster=True),
            _Node((sx * 0.125, -1.24, 0.165), joint=foot),
        ]
        t = mesh.tube(_spread(feet, 13, {2: (0.35, 0.7, 0.9)}, tip=True), 24, (0, 1, 0), start="center",
                      start_point=(sx * 0.11, -1.235, -0.085), tip=True)
        rings[f"{side}_heel"] = t.rings[0]
        toes = t.rings[-2]
        medial = np.concatenate(mesh.pos)[toes][:, 0] * sx
        up = "L" if side == "l" else "R"
        mesh.named[f"{up}Heel"] = _id(t.start)
        mesh.named[f"{up}BigToe"] = int(toes[np.argmin(medial)])
        mesh.named[f"{up}SmallToe"] = int(toes[np.argmax(medial)])
        junctions += [(f"{side}_heel", f"{side}_ankle"), (f"{side}_hip", "torso_pelvis")]
        arm = [
            _Node(j["collar"], 0.045, 0.05, collar, cluster=True),
            _Node(j["shoulder"], 0.05, 0.055, shoulder, cluster=True),
            _Node((sx * 0.31, 0.10, -0.015), 0.042, 0.045, shoulder),
            _Node(j["elbow"], 0.035, 0.037, elbow, cluster=True),
            _Node((sx * 0.54, 0.10, -0.02), 0.037, 0.042, elbow),
            _Node(j["wrist"], 0.018, 0.028, wrist, cluster=True),
        ]
        t = mesh.tube(_spread(arm, 31), 28, (0, 1, 0))
        rings[f"{side}_collar"], rings[f"{side}_wrist"] = t.rings[0], t.rings[-1]
        # the hand: the MANO stand-in, turned palm-down with fingers out along the arm
        rot = _HAND_TO_BODY if side == "r" else _MIRROR_X @ _HAND_TO_BODY
        base = 25 if side == "l" else 40
        off = mesh.merge(hand, rot, np.asarray(j["wrist"]), [wrist] + list(range(base, base + 15)))
        for name in ("thumb", "index", "middle", "ring", "pinky"):
            mesh.named[side + name] = hand.named[name] + off
        rings[f"{side}_hand"] = hand_palm_ring + off
        junctions += [(f"{side}_hand", f"{side}_wrist"), (f"{side}_collar", "torso_chest")]

    for side, eye, sx in (("l", 23, 1.0), ("r", 24, -1.0)):
        c = np.asarray(_BODY[eye])
        r = 0.013
        phis = np.deg2rad([150.0, 120.0, 90.0, 60.0, 30.0])
        nodes = [_Node(tuple(c + [0, 0, r * np.cos(p)]), r * np.sin(p), r * np.sin(p), eye,
                       cluster=bool(np.isclose(p, np.pi / 2))) for p in phis]
        nodes.append(_Node(tuple(c + [0, 0, r]), joint=eye))
        t = mesh.tube(nodes, 12, (0, 1, 0), start="center", start_point=tuple(c - [0, 0, r]), tip=True,
                      round_from=0.0)
        mesh.named[side + "eye"] = _id(t.tip)
        rings[f"{side}_eye"] = t.rings[2]
        junctions.append((f"{side}_eye", "head_face"))

    nose = [_Node((0.0, 0.295, 0.10), 0.012, 0.01, 15, mids=(0.5,)),
            _Node((0.0, 0.28, 0.125), 0.011, 0.012, 15, mids=(0.5,)),
            _Node((0.0, 0.268, 0.145), joint=15)]
    t = mesh.tube(nose, 10, (0, 1, 0), tip=True)
    mesh.named["nose"] = _id(t.tip)
    rings["nose"] = t.rings[0]
    jaw = [_Node(_BODY[22], 0.03, 0.05, 22, cluster=True, mids=(0.5,)),
           _Node((0.0, 0.19, 0.075), 0.025, 0.04, 22, mids=(0.5,)),
           _Node((0.0, 0.175, 0.10), 0.02, 0.025, 22, mids=(0.5, 0.85)),
           _Node((0.0, 0.17, 0.115), joint=22)]
    t = mesh.tube(jaw, 16, (0, 1, 0), tip=True, first_weights={15: 0.5, 22: 0.5})
    rings["jaw"] = t.rings[0]
    junctions += [("nose", "head_face"), ("jaw", "head_neck")]

    # torso and head take whatever vertices are left: pick their ring counts and sizes to fit exactly
    left_over = SMPLX_NUM_VERTS - mesh.size - 2  # the torso's crotch vertex and the head's crown
    torso_rings, torso_n, head_rings, head_n = _fit_counts(left_over)
    torso = [
        _Node((0.0, -0.47, 0.0), 0.09, 0.13, 0),
        _Node(_BODY[0], 0.11, 0.17, 0, cluster=True),
        _Node(_BODY[3], 0.10, 0.15, 3, cluster=True),
        _Node(_BODY[6], 0.10, 0.15, 6, cluster=True),
        _Node(_BODY[9], 0.11, 0.17, 9, cluster=True),
        _Node((0.0, 0.10, 0.0), 0.10, 0.18, 9),
        _Node((0.0, 0.14, -0.01), 0.07, 0.12, 9),
        _Node(_BODY[12], 0.05, 0.06, 12, cluster=True),
    ]
    t = mesh.tube(_spread(torso, torso_rings), torso_n, (0, 0, 1), start="center", start_point=(0.0, -0.50, 0.0))
    rings["torso_pelvis"] = t.rings[t.node_ring[1]]
    rings["torso_chest"] = t.rings[t.node_ring[5]]
    rings["torso_neck"] = t.rings[-1]
    head = [
        _Node((0.0, 0.12, -0.01), 0.05, 0.05, 12),
        _Node(_BODY[15], 0.085, 0.07, 15, cluster=True),
        _Node((0.0, 0.30, 0.02), 0.10, 0.078, 15),
        _Node((0.0, 0.36, 0.015), 0.095, 0.075, 15),
        _Node((0.0, 0.45, 0.0), joint=15),
    ]
    t = mesh.tube(_spread(head, head_rings, {3: (0.3, 0.55, 0.75, 0.9)}, tip=True), head_n, (0, 0, 1),
                  tip=True, round_from=0.0)
    rings["head_neck"] = t.rings[0]
    rings["head_face"] = t.rings[t.node_ring[2]]
    ears = t.rings[t.node_ring[2]]
    ear_x = np.concatenate(mesh.pos)[ears][:, 0]
    mesh.named["lear"], mesh.named["rear"] = int(ears[np.argmax(ear_x)]), int(ears[np.argmin(ear_x)])
    junctions.append(("torso_neck", "head_neck"))
    assert mesh.size == SMPLX_NUM_VERTS

    deficit = SMPLX_NUM_FACES - mesh.num_faces()
    assert deficit >= 0
    per = [deficit // len(junctions) + (1 if i < deficit % len(junctions) else 0) for i in range(len(junctions))]
    for (a, b), count in zip(junctions, per):
        mesh.bridge(rings[a], rings[b], count)
    assert mesh.num_faces() == SMPLX_NUM_FACES
    return mesh, rings


def _fit_counts(vertices: int) -> tuple[int, int, int, int]:
    """Torso and head ring counts and sizes with rings*size summing exactly to `vertices`."""
    best = None
    for torso_rings in range(30, 46):
        for torso_n in range(64, 129):
            rest = vertices - torso_rings * torso_n
            for head_rings in range(12, 20):
                if rest % head_rings == 0 and 36 <= rest // head_rings <= 64:
                    head_n = rest // head_rings
                    cost = abs(torso_n - 96) + abs(head_n - 48) + abs(torso_rings - 38) + abs(head_rings - 15)
                    if best is None or cost < best[0]:
                        best = (cost, torso_rings, torso_n, head_rings, head_n)
    assert best is not None, "no torso/head ring layout fits the vertex count"
    return best[1:]


def _landmarks(v: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """51 face landmarks (iBUG-68 order without the 17 contour points) on the front of the head.

    Each is where a ray along -z through a designed (x, y) first meets the
    mesh, so smplx's barycentric landmarks land on the surface.
    """
    pts: list[tuple[float, float]] = []
    for side in (-1.0, 1.0):  # brows: the subject's right (image left) first
        xs = np.linspace(0.058, 0.014, 5) if side < 0 else np.linspace(0.014, 0.058, 5)
        pts += [(side * x, 0.335 + 0.006 * np.sin(np.pi * (x - 0.014) / 0.044)) for x in xs]
    pts += [(0.0, y) for y in np.linspace(0.315, 0.282, 4)]  # nose bridge
    pts += [(x, 0.266) for x in np.linspace(-0.014, 0.014, 5)]  # nostrils
    for cx in (-0.033, 0.033):  # eyes, six points each clockwise from the outer corner
        a = np.deg2rad([180.0, 120.0, 60.0, 0.0, -60.0, -120.0])
        pts += [(cx + 0.016 * np.cos(t), 0.31 + 0.006 * np.sin(t)) for t in a]
    a = np.deg2rad(180.0 - np.arange(12) * 30.0)
    pts += [(0.026 * np.cos(t), 0.225 + 0.011 * np.sin(t)) for t in a]  # outer lip
    a = np.deg2rad(180.0 - np.arange(8) * 45.0)
    pts += [(0.017 * np.cos(t), 0.225 + 0.004 * np.sin(t)) for t in a]  # inner lip
    assert len(pts) == SMPLX_NUM_LANDMARKS

    tri = v[faces]  # [F, 3, 3]
    a, b, c = tri[:, 0, :2], tri[:, 1, :2], tri[:, 2, :2]
    det = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
    ok = np.abs(det) > 1e-12
    idx = np.zeros(len(pts), dtype=np.int64)
    bary = np.zeros((len(pts), 3))
    for i, (x, y) in enumerate(pts):
        with np.errstate(divide="ignore", invalid="ignore"):
            l1 = ((b[:, 1] - c[:, 1]) * (x - c[:, 0]) + (c[:, 0] - b[:, 0]) * (y - c[:, 1])) / det
            l2 = ((c[:, 1] - a[:, 1]) * (x - c[:, 0]) + (a[:, 0] - c[:, 0]) * (y - c[:, 1])) / det
            l3 = 1.0 - l1 - l2
            hit = ok & (l1 >= 0) & (l2 >= 0) & (l3 >= 0)
            z = np.where(hit, l1 * tri[:, 0, 2] + l2 * tri[:, 1, 2] + l3 * tri[:, 2, 2], -np.inf)
        f = int(np.argmax(z))
        assert np.isfinite(z[f]), "landmark ray missed the head"
        idx[i], bary[i] = f, (l1[f], l2[f], l3[f])
    return idx, bary


def _smplx_arrays(seed: int) -> dict[str, np.ndarray]:
    """The SMPL-X stand-in arrays, keyed as in the real SMPLX_*.npz."""
    mesh, _ = _body_mesh()
    arr = mesh.arrays(SMPLX_NAMED_VERTEX_IDS)
    v, faces, weights = arr["v"], arr["faces"], arr["weights"]
    rng = np.random.default_rng([seed, 10475])
    shapedirs = np.zeros((SMPLX_NUM_VERTS, 3, SMPLX_NUM_BETAS + SMPLX_NUM_EXPRESSION), dtype=np.float32)
    shapedirs[:, :, :16] = _shape_space(v, arr["centre"], weights, 16, 0.03, rng, 0.02, 0.08)
    # expressions: 0 opens the jaw, 1-9 are small seeded deformations of the head around the head joint
    face = weights[:, [15, 22, 23, 24]].sum(1)
    local = v - np.asarray(_BODY[15])
    shapedirs[:, :, SMPLX_NUM_BETAS] = weights[:, [22]] * np.array([0.0, -0.012, 0.004])
    for k in range(1, 10):
        shapedirs[:, :, SMPLX_NUM_BETAS + k] = (local @ (0.03 * rng.normal(size=(3, 3))).T) * face[:, None]
    lmk_idx, lmk_bary = _landmarks(v, faces)

    mean, comps = _hand_pose_space(seed)
    to_body = np.kron(np.eye(15), _HAND_TO_BODY)  # per-joint axis-angle into the body frame
    mean_r, comps_r = to_body @ mean, comps @ to_body.T
    kintree = np.stack([np.asarray(SMPLX_PARENTS), np.arange(SMPLX_NUM_JOINTS)]).astype(np.int64)
    return _quantized({
        "f": faces.astype(np.int32),
        "v_template": v,
        "shapedirs": shapedirs,
        "posedirs": np.zeros((SMPLX_NUM_VERTS, 3, 9 * (SMPLX_NUM_JOINTS - 1)), dtype=np.float32),
        "J_regressor": arr["regressor"].astype(np.float32),
        "kintree_table": kintree,
        "weights": weights.astype(np.float32),
        "hands_componentsl": _mirror_pose(comps_r),
        "hands_componentsr": comps_r,
        "hands_meanl": _mirror_pose(mean_r),
        "hands_meanr": mean_r,
        "lmk_faces_idx": lmk_idx,
        "lmk_bary_coords": lmk_bary,
        "standin": np.bool_(True),
        "note": np.str_(NOTE),
    })


def write_smplx(out_dir: Path, seed: int = 0) -> Path:
    """Writes SMPLX_NEUTRAL_STANDIN.npz, a T-posed ~1.7 m figure with the real SMPL-X keys and shapes.

    Load it by file path: ``smplx.SMPLX(model_path=str(path), ext='npz')`` or
    ``smplx.create(str(path), ext='npz')``. Same axes as the real template:
    +y up, facing +z, left side at +x, pelvis near the origin. Large arrays are
    float32 and mostly zero, written with deflate and fixed zip timestamps so
    the file is a few MB and byte-identical for one seed.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / SMPLX_FILE
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for name, value in _smplx_arrays(seed).items():
            info = zipfile.ZipInfo(name + ".npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(value), allow_pickle=False)
    _write_bytes(path, buf.getvalue())
    return path


def write_all(out_dir: Path, seed: int = 0) -> dict[str, Path]:
    """Writes both MANO stand-ins, the SMPL-X stand-in and a README saying what they are.

    Returns {'mano_right', 'mano_left', 'smplx', 'readme'} -> path. The README
    travels with the files so nobody mistakes them for the licensed models.
    """
    out_dir = Path(out_dir)
    paths = {f"mano_{side}": path for side, path in write_mano(out_dir, seed).items()}
    paths["smplx"] = write_smplx(out_dir, seed)
    readme = out_dir / README_FILE
    _write_bytes(readme, _README.format(seed=seed).encode())
    paths["readme"] = readme
    return paths


_README = f"""SYNTHETIC STAND-IN BODY MODELS (seed {{seed}})

{MANO_RIGHT_FILE}, {MANO_LEFT_FILE} and {SMPLX_FILE} were written by
posefoundry's tasks/bodymodels.py. They have the real MANO and SMPL-X array
shapes and keys so the smplx package loads them, but their geometry, shape
space and pose space are made up. They are NOT the licensed MANO or SMPL-X
models and must not be used as them: results computed with them say nothing
about real hands or bodies. Get the real files from https://mano.is.tue.mpg.de
and https://smpl-x.is.tue.mpg.de under their licences.

Like the real MANO_LEFT.pkl, the left-hand file needs its shape space fixed
after loading: model.shapedirs[:, 0, :] *= -1 (tasks.bodymodels.fix_left_shapedirs).
"""


def _write_bytes(path: Path, data: bytes) -> None:
    """Writes via a temporary file and a rename, so readers never see half a model."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
