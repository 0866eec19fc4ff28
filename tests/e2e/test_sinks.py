"""Proves each ngrecv output (video files, y4m and raw on stdout, image files, several at once) holds exactly the frames received."""
import glob
import itertools
import os
import struct

import numpy as np

import ngtest


N = 20
W, H = 160, 120
_runs = itertools.count()


def stream(workdir, outputs, n=N, source=("-s", "test", "--size", f"{W}x{H}"), send_extra=(),
           recv_stdout=None):
    """ngsend -> ngrecv -o each of `outputs`; returns (receiver, sender, summary)."""
    summary = os.path.join(workdir, f"summary-{next(_runs)}.json")
    args = ["--summary", summary, "-t", "10"]
    for out in outputs:
        args += ["-o", out]
    recv, ep = ngtest.start_receiver(args, workdir, stdout=recv_stdout)
    send = ngtest.ngsend([*ep, *source, "--fps", "0", "-n", n, "-t", "5", *send_extra], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    ngtest.expect_exit(recv, 0, timeout=30)
    s = ngtest.read_summary(summary)
    assert s["frames"] == n, f"receiver counted {s['frames']} of {n}: {s}"
    # One report per output, in -o order, each of which took every frame.
    assert [o["spec"] for o in s["outputs"]] == list(outputs), s
    for out in s["outputs"]:
        assert out["written"] == s["frames_written"] == n and out["refused"] == 0, (out, s)
        assert out["failed"] is False and out["error"] == "", out
    return recv, send, s


def jpeg_size(path):
    """(width, height) from a JPEG's start-of-frame marker."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:2] == b"\xff\xd8", f"{path} is not a JPEG"
    pos = 2
    while pos < len(data):
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[pos + 5:pos + 9])
            return w, h
        pos += 2 + length
    raise AssertionError(f"{path}: no start-of-frame marker")


def check_video_files(workdir):
    for ext in ("mp4", "avi", "mkv"):
        path = os.path.join(workdir, f"out.{ext}")
        stream(workdir, [path])
        assert ngtest.ffprobe_frame_count(path) == N, f"{path}: frame count"
        assert ngtest.ffprobe_size(path) == (W, H), f"{path}: size"


def check_y4m_on_stdout(workdir):
    path = os.path.join(workdir, "out.y4m")
    stream(workdir, ["-"], recv_stdout=path)
    with open(path, "rb") as f:
        assert f.readline().startswith(f"YUV4MPEG2 W{W} H{H} ".encode()), "y4m header"
    assert ngtest.ffprobe_frame_count(path) == N
    assert ngtest.ffprobe_size(path) == (W, H)


def check_raw_on_stdout(workdir):
    # Test pattern: exactly N*W*H*3 bytes.
    path = os.path.join(workdir, "out.bgr")
    stream(workdir, ["raw:-"], recv_stdout=path)
    assert os.path.getsize(path) == N * W * H * 3, f"raw size {os.path.getsize(path)}"
    # Known pixels from an image sequence come out as the same BGR bytes.
    src = os.path.join(workdir, "src")
    os.makedirs(src)
    images = [ngtest.seeded_image(10 + i, (36, 52, 3)) for i in range(4)]
    for i, rgb in enumerate(images):
        ngtest.write_png(os.path.join(src, f"{i:03d}.png"), rgb)
    path = os.path.join(workdir, "seq.bgr")
    stream(workdir, ["raw:-"], n=len(images), source=("-s", os.path.join(src, "%03d.png")),
           recv_stdout=path)
    with open(path, "rb") as f:
        got = ngtest.raw_frames(f.read(), 52, 36)
    assert len(got) == len(images), f"{len(got)} raw frames"
    for i, rgb in enumerate(images):
        assert np.array_equal(got[i], rgb[..., ::-1]), f"raw frame {i} differs from image {i}"


def check_image_files(workdir):
    # The test pattern is deterministic per frame index, so a raw:- run of the same stream
    # is the reference for the image files.
    raw_path = os.path.join(workdir, "ref.bgr")
    stream(workdir, ["raw:-"], recv_stdout=raw_path)
    with open(raw_path, "rb") as f:
        reference = ngtest.raw_frames(f.read(), W, H)
    for ext in ("png", "jpg"):
        folder = os.path.join(workdir, ext)
        os.makedirs(folder)
        stream(workdir, [os.path.join(folder, f"frame_%06d.{ext}")])
        files = sorted(glob.glob(os.path.join(folder, f"frame_*.{ext}")))
        assert len(files) == N, f"{len(files)} .{ext} files, expected {N}"
        for i, path in enumerate(files):
            if ext == "png":
                png = ngtest.read_png(path)
                assert png.shape == (H, W, 3), f"{path}: shape {png.shape}"
                assert np.array_equal(png, reference[i][..., ::-1]), f"{path} differs from frame {i}"
            else:
                assert jpeg_size(path) == (W, H), f"{path}: size {jpeg_size(path)}"
        if ext == "jpg":
            # Lossy, but a decodable picture of the same frame: compare through ffmpeg.
            ngtest.require_tool("ffmpeg")
            out = ngtest.run(["ffmpeg", "-v", "error", "-i", files[-1], "-f", "rawvideo",
                              "-pix_fmt", "bgr24", "-"], text=False)
            assert out.returncode == 0, out.stderr
            decoded = np.frombuffer(out.stdout, dtype=np.uint8).reshape(H, W, 3)
            diff = np.abs(decoded.astype(int) - reference[-1].astype(int)).mean()
            assert diff < 6, f"last JPEG differs from its frame by {diff:.1f} on average"


def check_several_outputs(workdir):
    mkv = os.path.join(workdir, "out.mkv")
    folder = os.path.join(workdir, "frames")  # made by ngrecv
    _, _, s = stream(workdir, ["null", mkv, os.path.join(folder, "%04d.png")])
    assert ngtest.ffprobe_frame_count(mkv) == N, "mkv frame count"
    assert len(glob.glob(os.path.join(folder, "*.png"))) == N, "png count"
    assert s["bytes"] == N * W * H * 3, s


def check_data_lines_on_stdout(workdir):
    recv, _, _ = stream(workdir, ["null"], send_extra=("--message", "plain data"))
    assert recv.stdout_lines() == ["plain data"] * N, recv.stdout_lines()


def check_data_lines_on_stderr_with_y4m(workdir):
    # stdout carries video, so the received data must go to stderr instead.
    path = os.path.join(workdir, "out.y4m")
    recv, _, _ = stream(workdir, ["-"], recv_stdout=path,
                        send_extra=("--message", "data-beside-video"))
    assert ngtest.ffprobe_frame_count(path) == N, "y4m with data is not clean video"
    with open(path, "rb") as f:
        assert b"data-beside-video" not in f.read(), "data leaked into the y4m stream"
    lines = [l for l in recv.stderr_lines() if l.strip() == "data-beside-video"]
    assert len(lines) == N, f"{len(lines)} data lines on stderr\n" + recv.describe()


if __name__ == "__main__":
    ngtest.main(globals())
