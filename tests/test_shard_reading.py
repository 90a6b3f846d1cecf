"""tasks/shards/reading.py, the one tar reader: samples as webdataset groups them, every kind of damage
named by shard and member, and webdataset pipelines that give what plain webdataset gives."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
import webdataset as wds

from shard_factory import member_offsets, person_sample, person_split, write_tar
from tasks.shards.reading import ShardReadError, extensions, members, samples, shard_pipeline, split_name


@pytest.fixture()
def shard(tmp_path):
    person_split(tmp_path, images=4)
    return tmp_path / "toy-val-000000.tar"


def test_samples_match_webdataset(shard):
    ours = [(s.key, sorted(s.members)) for s in samples(str(shard))]
    theirs = [(s["__key__"], sorted(k for k in s if not k.startswith("__")))
              for s in wds.WebDataset(str(shard), shardshuffle=False)]
    assert ours == theirs
    assert [key for key, _ in ours] == ["toy-val-0", "toy-val-1", "toy-val-2", "toy-val-3"]


def test_unselected_members_are_not_read(shard):
    got = list(samples(str(shard), select=extensions({"json"})))
    assert all(s.members["jpg"] is None and s.members["json"].startswith(b"{") for s in got)
    assert all(s.sizes["jpg"] > 1000 for s in got)


def test_pipe_url_reads_the_same(shard):
    direct = [(s.key, s.members["json"]) for s in samples(str(shard))]
    piped = [(s.key, s.members["json"]) for s in samples(f"pipe:cat {shard}")]
    assert piped == direct


def _cut(shard, tmp_path, size):
    broken = tmp_path / "broken.tar"
    broken.write_bytes(shard.read_bytes()[:size])
    return broken


@pytest.mark.parametrize("url", [False, True])
@pytest.mark.parametrize("where,member,reason,whole", [
    ("data", "toy-val-2.jpg", "ends inside this member's data", ["toy-val-0", "toy-val-1"]),
    ("header", "toy-val-1.json", "ends inside the header that follows", ["toy-val-0"]),
    ("boundary", "toy-val-1.json", "ends after this member, without the end-of-archive marker", ["toy-val-0"]),
])
def test_truncation_names_shard_and_member(shard, tmp_path, where, member, reason, whole, url):
    offsets = member_offsets(shard)
    size = {"data": offsets["toy-val-2.jpg"] + 512 + 100, "header": offsets["toy-val-2.jpg"] + 100,
            "boundary": offsets["toy-val-2.jpg"]}[where]
    broken = _cut(shard, tmp_path, size)
    target = f"pipe:cat {broken}" if url else str(broken)
    for select in (None, extensions({"json"})):
        seen = []
        with pytest.raises(ShardReadError) as info:
            for sample in samples(target, select):
                seen.append(sample.key)
        assert info.value.shard == target
        assert info.value.member == member
        assert reason in info.value.reason
        assert seen == whole  # the whole samples before the damage still come through


def test_corrupt_header_is_named(shard, tmp_path):
    data = bytearray(shard.read_bytes())
    offset = member_offsets(shard)["toy-val-1.jpg"]
    data[offset + 20] ^= 0xFF
    broken = tmp_path / "broken.tar"
    broken.write_bytes(bytes(data))
    with pytest.raises(ShardReadError, match=rf"member 'toy-val-0.json': corrupt tar header at byte {offset}"):
        list(samples(str(broken)))


def test_not_a_tar_empty_and_missing(tmp_path):
    (tmp_path / "junk.tar").write_bytes(b"hello" * 400)
    (tmp_path / "empty.tar").write_bytes(b"")
    with pytest.raises(ShardReadError, match="junk.tar: is not a tar archive"):
        list(members(str(tmp_path / "junk.tar")))
    with pytest.raises(ShardReadError, match="empty.tar: is empty"):
        list(members(str(tmp_path / "empty.tar")))
    with pytest.raises(ShardReadError, match="gone.tar: cannot be opened: No such file"):
        list(members(str(tmp_path / "gone.tar")))
    with pytest.raises(ShardReadError, match="its command exited with status 1"):
        list(members(f"pipe:cat {tmp_path / 'gone.tar'} 2>/dev/null"))


def test_member_names_webdataset_would_drop_or_collide(tmp_path):
    sample = person_sample("toy-val-0", 0, [])
    sample["JPG"] = sample["jpg"]
    path = tmp_path / "odd.tar"
    write_tar(path, [sample])
    (got,) = list(samples(str(path)))
    assert got.problems == ["member 'toy-val-0.jpg' appears twice"]


def test_pax_long_names_and_gzip_fall_back_to_tarfile(tmp_path):
    long_key = "k" * 120
    for name, mode in (("pax.tar", "w"), ("zipped.tar.gz", "w:gz")):
        path = tmp_path / name
        with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as tar:
            for key in ("plain", long_key):
                for ext, data in (("json", b"{}"), ("txt", b"hello")):
                    info = tarfile.TarInfo(f"{key}.{ext}")
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
        got = [(s.key, s.members) for s in samples(str(path))]
        assert got == [("plain", {"json": b"{}", "txt": b"hello"}), (long_key, {"json": b"{}", "txt": b"hello"})]


@pytest.mark.parametrize("name", ["coco-val-1.jpg", "a/b/key.seg.png", "k.JSON", "noext", "dir.d/file", ".hidden",
                                  "key.", "x/y.tar.gz", "sample.frame00.jpg"])
def test_member_names_split_as_webdataset_splits_them(name):
    from webdataset.tariterators import base_plus_ext

    key, ext = base_plus_ext(name)
    assert split_name(name) == (key, ext.lower() if ext is not None else None)


def test_listing_a_shard_folder_does_not_import_torch(tmp_path):
    import subprocess
    import sys

    person_split(tmp_path / "val")
    script = ("import sys; from typer.testing import CliRunner; from cli.main import app; "
              f"r = CliRunner().invoke(app, ['shards', 'ls', {str(tmp_path)!r}]); "
              "assert r.exit_code == 0, r.output; print('torch' in sys.modules, 'webdataset' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "False"], done.stderr[-2000:]


# ----------------------------------------------------------------------------- webdataset pipelines


def plain_tar(path, items):
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
        for key, parts in items:
            for ext, data in parts.items():
                info = tarfile.TarInfo(f"{key}.{ext}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


@pytest.fixture
def shards(tmp_path):
    paths = []
    for shard in range(2):
        items = [(f"s{shard}-{i}", {"jpg": bytes([i]) * (100 + i), "json": json.dumps({"i": i}).encode()})
                 for i in range(5)]
        path = tmp_path / f"d-train-{shard:06d}.tar"
        plain_tar(path, items)
        paths.append(str(path))
    return paths


def strip(found):
    return [{k: v for k, v in s.items() if k != "__url__" and k != "__local_path__"} for s in found]


def test_pipeline_gives_the_samples_plain_webdataset_gives(shards):
    ours = strip(shard_pipeline(shards))
    plain = strip(wds.WebDataset(shards, shardshuffle=False))
    assert ours == plain and len(ours) == 10
    assert ours[0]["__key__"] == "s0-0" and ours[0]["jpg"] == bytes([0]) * 100


def test_pipeline_streams_pipe_urls(shards):
    ours = strip(shard_pipeline([f"pipe:cat {shards[0]}"]))
    assert [s["__key__"] for s in ours] == [f"s0-{i}" for i in range(5)]


def test_pipeline_stages_apply(shards):
    decoded = list(shard_pipeline(shards, wds.decode(), wds.to_tuple("__key__", "json")))
    assert decoded[3] == ("s0-3", {"i": 3})


def test_pipeline_names_a_truncated_shard_and_its_handler_decides(tmp_path, shards):
    broken = tmp_path / "broken.tar"
    broken.write_bytes(open(shards[0], "rb").read()[:700])
    with pytest.raises(ShardReadError, match="broken.tar"):
        list(shard_pipeline([str(broken)]))
    with pytest.warns(UserWarning, match="broken.tar"):
        kept = list(shard_pipeline([str(broken), shards[1]], handler=wds.warn_and_continue))
    assert [s["__key__"] for s in kept] == ["s0-0"] + [f"s1-{i}" for i in range(5)]
