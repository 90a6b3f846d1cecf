"""tasks/video/decode.py: batches, stride, max side, original-pixel scale, PyAV, broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tasks.video.decode import DecodeError, VideoDecoder, probe, target_size
from video_factory import H, N, W, write_video

def square_x(image: np.ndarray) -> float:
    """Left edge of the square (columns that are bright), in the image's own pixels."""
    columns = np.flatnonzero(image[..., 1].max(0) > 120)
    return float(columns.min())


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return write_video(tmp_path_factory.mktemp("decode") / "moving.avi")


def test_batches_cover_every_strided_frame_in_order(video):
    decoder = VideoDecoder(video, stride=3, max_side=None, batch=4)
    batches = list(decoder)
    indices = np.concatenate([b.indices for b in batches])
    assert indices.tolist() == list(range(0, N, 3))
    assert [len(b) for b in batches] == [4, 4, 4, 2]
    assert batches[0].images.shape == (4, H, W, 3) and batches[0].images.dtype == np.uint8
    assert decoder.info.num_frames == N and decoder.info.fps == pytest.approx(25.0)
    assert (decoder.info.width, decoder.info.height) == (W, H)
    # frame 9 shows the square at x = 27: the frames are the right ones, not just the right count
    assert square_x(batches[0].images[3]) == pytest.approx(27, abs=2)


def test_frames_are_rgb(video):
    image = next(iter(VideoDecoder(video, max_side=None))).images[0]
    r, g, b = image[60, 10]
    assert r > 200 and b < 80  # written as BGR (40, 220, 250): red first in RGB


def test_max_side_shrinks_and_scale_maps_back_to_original_pixels(video):
    decoder = VideoDecoder(video, max_side=80, batch=64)
    batch = next(iter(decoder))
    assert batch.images.shape[1:3] == (60, 80)
    assert batch.scale == pytest.approx((2.0, 2.0))
    x_small = square_x(batch.images[10])
    assert x_small * batch.scale[0] == pytest.approx(30, abs=3)


def test_max_side_never_enlarges():
    assert target_size(160, 120, 640) == (160, 120)
    assert target_size(1920, 1080, 640) == (640, 360)
    assert target_size(1080, 1920, None) == (1080, 1920)


def test_pyav_gives_the_same_frames_as_decord(video):
    a = np.concatenate([b.images for b in VideoDecoder(video, max_side=None, reader="decord")])
    av_decoder = VideoDecoder(video, max_side=None, reader="pyav")
    b = np.concatenate([b.images for b in av_decoder])
    assert av_decoder.info.reader == "pyav" and av_decoder.info.num_frames == N
    assert a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).mean() < 1.0


def test_truncated_avi_is_an_error_naming_the_file(tmp_path, video):
    cut = tmp_path / "cut.avi"
    cut.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
    with pytest.raises(DecodeError, match=r"cut\.avi: truncated: the header declares 40 frames"):
        list(VideoDecoder(cut))


def test_truncated_pyav_path_is_an_error_too(tmp_path, video):
    cut = tmp_path / "cut.avi"
    cut.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
    with pytest.raises(DecodeError, match="truncated"):
        list(VideoDecoder(cut, reader="pyav"))


def test_truncated_mp4_is_an_error(tmp_path):
    video = write_video(tmp_path / "clip.mp4", "mp4v")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
    with pytest.raises(DecodeError, match=r"cut\.mp4: not a readable video"):
        VideoDecoder(cut)


def test_empty_and_garbage_files_are_errors(tmp_path):
    empty = tmp_path / "empty.avi"
    empty.touch()
    with pytest.raises(DecodeError, match=r"empty\.avi: empty file"):
        VideoDecoder(empty)
    garbage = tmp_path / "garbage.avi"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(DecodeError, match=r"garbage\.avi: not a readable video"):
        VideoDecoder(garbage)
    with pytest.raises(DecodeError, match="no such file"):
        VideoDecoder(tmp_path / "absent.avi")


@pytest.mark.samples
def test_real_videos_probe(samples_dir):
    info = probe(samples_dir / "videos" / "ntu_sample.avi")
    assert (info.num_frames, info.width, info.height, round(info.fps)) == (72, 1920, 1080, 30)
    mp4 = VideoDecoder(samples_dir / "videos" / "test.mp4", stride=10, max_side=170, batch=8)
    frames = sum(len(b) for b in mp4)
    assert frames == 30 and mp4.size == (170, 128)


def test_prefetch_holds_a_slot_until_the_last_batch_is_taken_and_drops_taken_pixels(video, monkeypatch):
    import threading

    import tasks.video.decode as decode

    monkeypatch.setattr(decode, "_slots", threading.BoundedSemaphore(1))
    plain = [b.images.copy() for b in VideoDecoder(video, max_side=None, batch=8)]
    decoder = VideoDecoder(video, max_side=None, batch=8)
    batches = decode.prefetch(decoder)
    first = next(batches)
    assert np.array_equal(first.images, plain[0])
    assert not decode._slots.acquire(blocking=False)  # a second video would wait here
    rest = list(batches)
    assert decode._slots.acquire(blocking=False)  # all taken: the slot is free again
    decode._slots.release()
    assert first.images.shape == (0, H, W, 3)  # taken batches hold no pixels any more
    assert len(rest) == len(plain) - 1 and rest[-1].images.size == 0
    again = [b.images for b in decoder]  # the reader let go after the last batch opens again
    assert all(np.array_equal(a, b) for a, b in zip(again, plain)) and len(again) == len(plain)
