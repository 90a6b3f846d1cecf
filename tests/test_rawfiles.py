"""tasks/rawfiles.py: raw names stay inside the root; an untouched file is not hashed again."""

from __future__ import annotations

import os

import pytest

from tasks.fingerprint import sha256_file
from tasks.items import ItemError
from tasks.rawfiles import FileDigests, load_digests, raw_path, save_digests


@pytest.mark.parametrize("name", ["../secret.jpg", "val2017/../../secret.jpg", "/etc/passwd", "..\\secret.jpg"])
def test_names_that_leave_the_root_are_rejected(tmp_path, name):
    with pytest.raises(ItemError) as err:
        raw_path(tmp_path / "root", name)
    assert err.value.file == name and ("outside the raw root" in err.value.reason or "absolute path" in err.value.reason)


def test_names_inside_the_root_resolve_lexically(tmp_path):
    assert raw_path(tmp_path, "val2017/./a.jpg") == tmp_path / "val2017/a.jpg"
    assert raw_path(tmp_path, "val2017/x/../a.jpg") == tmp_path / "val2017/x/../a.jpg"


def test_digests_reuse_a_hash_while_size_and_mtime_hold(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"aaaa")
    first = FileDigests(tmp_path)
    assert first.digest("a.bin") == sha256_file(tmp_path / "a.bin")
    save_digests(tmp_path / "out", first.fresh)
    known = load_digests(tmp_path / "out")
    known["a.bin"][2] = "stale"  # a stale digest is reused while size and mtime match...
    assert FileDigests(tmp_path, known).digest("a.bin") == "stale"
    st = (tmp_path / "a.bin").stat()
    os.utime(tmp_path / "a.bin", ns=(st.st_atime_ns, st.st_mtime_ns + 1))  # ...and not once the mtime moves
    assert FileDigests(tmp_path, known).digest("a.bin") == sha256_file(tmp_path / "a.bin")


def test_a_missing_file_is_an_item_error(tmp_path):
    with pytest.raises(ItemError, match="file not found"):
        FileDigests(tmp_path).digest("missing.jpg")
