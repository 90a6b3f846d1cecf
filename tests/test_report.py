"""A build's report: the artifact's table and the log line name the same counts."""

from flows.report import BuildReport


def test_counts_and_summary_say_unchanged_alike():
    report = BuildReport("coco", "data/shards/coco", items=10, written=3, skipped=6, failed=1)
    assert report.counts() == {"items": 10, "written": 3, "unchanged": 6, "failed": 1}
    assert report.summary() == "coco: 10 items, 3 written, 6 unchanged, 1 failed -> data/shards/coco"
    assert report.failure_share == 0.1
