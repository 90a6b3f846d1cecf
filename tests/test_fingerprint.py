"""Content fingerprints of raw trees: change a byte, the digest changes; touch nothing, nothing is hashed."""

from __future__ import annotations

import os

from tasks.fingerprint import fingerprint_files, fingerprint_tree, sha256_file


def make_tree(root):
    (root / "train" / "Fight").mkdir(parents=True)
    (root / "train" / "Fight" / "a.avi").write_bytes(b"aaaa")
    (root / "b.xml").write_text("<annotation/>")


def test_tree_digest_follows_content_and_names(tmp_path):
    make_tree(tmp_path)
    first, cache = fingerprint_tree(tmp_path)
    assert fingerprint_tree(tmp_path)[0] == first
    (tmp_path / "b.xml").write_text("<annotation></annotation>")
    second, _ = fingerprint_tree(tmp_path, cache)
    assert second != first
    (tmp_path / "b.xml").rename(tmp_path / "c.xml")
    assert fingerprint_tree(tmp_path)[0] != second


def test_cache_skips_unchanged_files(tmp_path):
    make_tree(tmp_path)
    _, cache = fingerprint_tree(tmp_path)
    cache["b.xml"][2] = "pretend"  # a stale digest is reused while size and mtime match
    digest, fresh = fingerprint_tree(tmp_path, cache)
    assert fresh["b.xml"][2] == "pretend"
    os.utime(tmp_path / "b.xml", ns=(1, 1))
    _, fresh = fingerprint_tree(tmp_path, cache)
    assert fresh["b.xml"][2] == sha256_file(tmp_path / "b.xml")


def test_file_list_digest_is_order_free(tmp_path):
    make_tree(tmp_path)
    files = [tmp_path / "b.xml", tmp_path / "train" / "Fight" / "a.avi"]
    assert fingerprint_files(files, tmp_path) == fingerprint_files(files[::-1], tmp_path)
