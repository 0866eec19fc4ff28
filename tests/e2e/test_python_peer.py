"""Proves ngrecv and ngsend interoperate pixel-exact with Python peers speaking NetGear_Async's wire format."""
import glob
import os

import msgpack
import numpy as np

import ngtest
from vgpeer import H, W, PythonReceiver, python_frames, python_send


def assert_png_equals_frame(path, frame):
    """OpenCV writes BGR(A) pixels as a correct-colour PNG, so PNG RGB == frame[..., ::-1]."""
    png = ngtest.read_png(path).astype(np.int32)
    f = frame.astype(np.int32)
    assert png.shape[:2] == f.shape[:2], f"{path}: size {png.shape} vs frame {f.shape}"
    if f.ndim == 2:
        # A grey frame may be stored grey or as R=G=B; either way every value must match.
        channels = [png] if png.ndim == 2 else [png[..., c] for c in range(3)]
        for c in channels:
            assert np.array_equal(c, f), f"{path}: grey pixels differ"
        return
    assert png.ndim == 3 and png.shape[2] >= 3, f"{path}: colour frame stored as {png.shape}"
    rgb = f[..., 2::-1]
    assert np.array_equal(png[..., :3], rgb), (
        f"{path}: colours differ (max diff {np.abs(png[..., :3] - rgb).max()}; "
        f"swapped channels match: {np.array_equal(png[..., :3], f[..., :3])})")
    if f.shape[2] == 4 and png.shape[2] == 4:
        assert np.array_equal(png[..., 3], f[..., 3]), f"{path}: alpha differs"


def check_python_sender_to_ngrecv_png(workdir):
    frames = python_frames()
    for pattern in (0, 1, 3):
        out_dir = os.path.join(workdir, f"p{pattern}")
        os.makedirs(out_dir)
        summary = os.path.join(workdir, f"p{pattern}.json")
        recv, ep = ngtest.start_receiver(["--pattern", pattern, "-t", "10", "-o",
                                          os.path.join(out_dir, "frame_%06d.png"),
                                          "--summary", summary], workdir)
        answers, ack = python_send(pattern, ngtest.port_of(ep), frames)
        ngtest.expect_exit(recv, 0, timeout=10)

        if pattern < 2:
            # Plain mode: each frame is answered with raw text naming the receiver's ID.
            assert len(answers) == len(frames)
            ids = set()
            for a in answers:
                m = ngtest.PLAIN_ACK.match(a.decode("utf-8"))
                assert m, f"pattern {pattern}: bad confirmation {a!r}"
                ids.add(m.group(1))
            assert len(ids) == 1, f"confirmations name several IDs: {ids}"
            assert isinstance(ack, dict) and set(ack) == {"terminated"}, f"bad ack {ack!r}"
            m = ngtest.TERMINATE_ACK.match(ack["terminated"])
            assert m and m.group(1) in ids, f"bad terminate ack {ack!r} (IDs {ids})"

        files = sorted(glob.glob(os.path.join(out_dir, "frame_*.png")))
        assert len(files) == len(frames), f"pattern {pattern}: {len(files)} PNGs: {files}"
        for path, frame in zip(files, frames):
            assert_png_equals_frame(path, frame)
        s = ngtest.read_summary(summary)
        assert s["frames"] == len(frames), s
        assert s["bytes"] == sum(f.nbytes for f in frames), s
        assert s["terminated"] is True, s


def write_source_images(folder, count):
    """Known RGB images on disk, numbered from 000 as ffmpeg's image2 does."""
    os.makedirs(folder)
    images = []
    for i in range(count):
        rgb = ngtest.seeded_image(100 + i, (H, W, 3))
        ngtest.write_png(os.path.join(folder, f"{i:03d}.png"), rgb)
        images.append(rgb)
    return images


def assert_header_and_ndarray_format(receiver):
    for i, h in enumerate(receiver.headers):
        keys = list(h)
        # vidgear's own keys first, as str; our extensions are extra keys it ignores.
        assert keys[:3] == ["terminate", "bi_mode", "data"], f"header keys {keys}"
        assert h["terminate"] is False, h
        assert h.get("ng_seq") == i, f"frame {i}: ng_seq {h.get('ng_seq')!r} in {h}"
    for raw in receiver.raw_frames:
        m = msgpack.unpackb(raw)
        assert set(m) == {b"nd", b"type", b"kind", b"shape", b"data"}, f"ndarray keys {list(m)}"
        assert m[b"nd"] is True and m[b"type"] == "|u1" and m[b"kind"] == b"", m.keys()


def check_ngsend_to_python_receiver(workdir):
    images = write_source_images(os.path.join(workdir, "src"), 6)
    for pattern in (0, 1, 3):
        receiver = PythonReceiver(pattern)
        receiver.start()
        send = ngtest.ngsend(["--pattern", pattern, "-a", "127.0.0.1", "-p", receiver.port,
                              "-s", os.path.join(workdir, "src", "%03d.png"), "--fps", "0",
                              "-t", "5"], workdir)
        try:
            ngtest.expect_exit(send, 0, timeout=20)
            receiver.finish()
        finally:
            send.kill()
        assert len(receiver.raw_frames) == len(images), (
            f"pattern {pattern}: {len(receiver.raw_frames)} of {len(images)} frames")
        assert_header_and_ndarray_format(receiver)
        for i, h in enumerate(receiver.headers):
            assert h["bi_mode"] is False and h["data"] == "", h
        for i, (raw, rgb) in enumerate(zip(receiver.raw_frames, images)):
            frame = ngtest.vg_decode_frame(raw)
            assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8, type(frame)
            assert frame.shape == (H, W, 3), f"frame {i}: shape {frame.shape}"
            assert np.array_equal(frame, rgb[..., ::-1]), f"pattern {pattern} frame {i} differs"


def check_ngsend_message_in_header(workdir):
    # Plain mode: --message travels in the header's data field.
    receiver = PythonReceiver(1)
    receiver.start()
    send = ngtest.ngsend(["--pattern", "1", "-a", "127.0.0.1", "-p", receiver.port, "-s", "test",
                          "--size", "64x48", "--fps", "0", "-n", "4", "--message",
                          "hello vidgear", "-t", "5"], workdir)
    try:
        ngtest.expect_exit(send, 0, timeout=20)
        receiver.finish()
    finally:
        send.kill()
    assert [h["data"] for h in receiver.headers] == ["hello vidgear"] * 4, receiver.headers
    assert_header_and_ndarray_format(receiver)
    assert ngtest.vg_decode_frame(receiver.raw_frames[0]).shape == (48, 64, 3)


if __name__ == "__main__":
    ngtest.main(globals())
