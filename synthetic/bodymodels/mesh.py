"""How the stand-in body models are built: closed tubes of vertex rings around the bones, with
skinning weights, joint clusters (the J_regressor rows) and smooth shape directions.

Closed (genus 0) tubes add exactly 2V - 4 faces each, which is what lets the MANO and SMPL-X
builders hit the real vertex and face counts; a few bridge triangles where parts meet make up the
rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class Node:
    """A key point of a tube: a ring centred here (or the closing tip vertex)."""

    pos: tuple[float, float, float]
    ra: float = 0.0  # half-extent along the thickness axis (the tube's `ref`, made normal to it)
    rb: float = 0.0  # half-extent along the width axis
    joint: int = 0  # drives this node's span; its ring is shared half/half with the previous span's joint
    cluster: bool = False  # this ring is the J_regressor cluster of `joint`
    mids: tuple[float, ...] = ()  # span parameters t in (0, 1) of extra rings towards the next node


@dataclass
class Tube:
    rings: list[np.ndarray]  # vertex ids per ring, in order along the tube
    node_ring: list[int]  # ring index of each ring node
    tip: int | None = None
    start: int | None = None  # the centre vertex of a "center" start cap


@dataclass
class Mesh:
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

    def tube(self, nodes: list[Node], n: int, ref: tuple[float, float, float], *, start: str = "poly",
             start_point: tuple[float, float, float] | None = None, tip: bool = False,
             round_from: float = 0.5, first_weights: dict[int, float] | None = None) -> Tube:
        """A closed tube of `n`-vertex elliptical rings along `nodes`.

        Closed (genus 0) so every tube adds exactly 2V - 4 faces, which is what
        lets the builders hit the real vertex and face counts. The start is
        capped by a polygon fan or a centre vertex at `start_point`; the end by a
        polygon fan or, with `tip`, by the last node as a single vertex (a
        rounded fingertip whose last span narrows from `round_from` on).
        """
        ref_v = np.asarray(ref, dtype=np.float64)
        p = np.array([nd.pos for nd in nodes], dtype=np.float64)
        spans = [unit(p[i + 1] - p[i]) for i in range(len(nodes) - 1)]
        last_ring_node = len(nodes) - 2 if tip else len(nodes) - 1
        theta = 2.0 * np.pi * np.arange(n) / n
        rings: list[np.ndarray] = []
        node_ring: list[int] = []

        def ring(c: np.ndarray, d: np.ndarray, ra: float, rb: float, weights: dict[int, float]) -> np.ndarray:
            a = ref_v - np.dot(ref_v, d) * d
            assert np.linalg.norm(a) > 1e-6, "tube reference axis parallel to the tube"
            a = unit(a)
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
                d = unit(spans[i - 1] + spans[i]) if i < len(spans) else spans[-1]
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
        out = Tube(rings=rings, node_ring=node_ring)
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

    def merge(self, other: "Mesh", rot: np.ndarray, shift: np.ndarray, joint_map: list[int]) -> int:
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


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def vertex_id(vertex: int | None) -> int:
    assert vertex is not None
    return vertex


def spread(nodes: list[Node], total_rings: int, fixed: dict[int, tuple[float, ...]] | None = None,
           tip: bool = False) -> list[Node]:
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


def shape_space(v: np.ndarray, centre: np.ndarray, weights: np.ndarray, count: int, scale: float,
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

