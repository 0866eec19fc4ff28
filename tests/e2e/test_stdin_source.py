"""Proves ngsend reads frames piped into it: YUV4MPEG2 (-s -) and bare frames (-s raw:-), with clean ends, truncated last frames dropped and lying headers refused."""
import itertools
import os
import pty
import shlex
import subprocess

import numpy as np

import ngtest

_runs = itertools.count()


def piped_send(workdir, args, stdin_file=None, producer=None):
    """ngsend `args` reading stdin from a file or from a producer's pipe (bash pipefail,
    so the exit code is ngsend's unless the producer failed)."""
    send = shlex.join([ngtest.NGSEND, *map(str, args)])
    if producer is not None:
        script = f"set -o pipefail; {shlex.join(map(str, producer))} | {send}"
    else:
        script = f"exec {send} < {shlex.quote(stdin_file)}"
    return ngtest.launch(["bash", "-c", script], workdir, name="ngsend")


def stream(workdir, send_args, stdin_file=None, producer=None, send_code=0, recv_code=0):
    """Pipes into ngsend -> ngrecv -o raw:-; returns (raw bytes received, receiver summary,
    sender process)."""
    run = next(_runs)
    summary = os.path.join(workdir, f"recv-{run}.json")
    raw = os.path.join(workdir, f"out-{run}.bgr")
    recv, ep = ngtest.start_receiver(["-o", "raw:-", "--summary", summary, "-t", "10"], workdir,
                                     stdout=raw)
    send = piped_send(workdir, [*ep, "-t", "5", *send_args], stdin_file, producer)
    ngtest.expect_exit(send, send_code, timeout=60)
    ngtest.expect_exit(recv, recv_code, timeout=20)
    with open(raw, "rb") as f:
        return f.read(), ngtest.read_summary(summary), send


def write_file(workdir, name, data):
    path = os.path.join(workdir, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def bt601_limited_to_bgr(y, u, v):
    """The BGR a limited-range BT.601 Y'CbCr sample means (as OpenCV's YUV2BGR_I420)."""
    y = (y.astype(np.float64) - 16) * 1.164
    u = u.astype(np.float64) - 128
    v = v.astype(np.float64) - 128
    b = y + 2.018 * u
    g = y - 0.391 * u - 0.813 * v
    r = y + 1.596 * v
    return np.clip(np.rint(np.stack([b, g, r], axis=-1)), 0, 255).astype(np.uint8)


def y4m_clip(w, h, chroma, frames, extra=""):
    """A YUV4MPEG2 stream of `frames` pictures; returns (bytes, expected BGR frames)."""
    sub = {"420": (2, 2), "422": (2, 1), "444": (1, 1), "mono": None}[
        "420" if chroma.startswith("420") else chroma]
    header = f"YUV4MPEG2 W{w} H{h} F25:1 Ip A1:1 C{chroma}{extra}\n".encode()
    data, expected = [header], []
    rng = np.random.default_rng(len(chroma) + w)
    for i in range(frames):
        y = rng.integers(16, 236, size=(h, w), dtype=np.uint8)
        planes = [y]
        if sub is None:
            expected.append(np.repeat(y[..., None], 3, axis=2))
        else:
            cw, ch = -(-w // sub[0]), -(-h // sub[1])
            u = rng.integers(16, 241, size=(ch, cw), dtype=np.uint8)
            v = rng.integers(16, 241, size=(ch, cw), dtype=np.uint8)
            planes += [u, v]
            up = lambda p: np.repeat(np.repeat(p, sub[1], 0), sub[0], 1)[:h, :w]
            expected.append(bt601_limited_to_bgr(y, up(u), up(v)))
        data.append(b"FRAME\n" + b"".join(p.tobytes() for p in planes))
    return b"".join(data), expected


def frames_of(raw, w, h):
    assert len(raw) % (w * h * 3) == 0, f"{len(raw)} bytes are not whole {w}x{h} BGR frames"
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def check_y4m_colour_spaces(workdir):
    """Every supported C tag, odd and even sizes: the pixels are the BT.601 colours."""
    for chroma, (w, h) in [("420jpeg", (64, 48)), ("420mpeg2", (33, 17)), ("420paldv", (20, 10)),
                           ("420", (7, 5)), ("422", (31, 12)), ("444", (15, 9)),
                           ("mono", (41, 23))]:
        data, expected = y4m_clip(w, h, chroma, 3)
        path = write_file(workdir, f"{chroma}.y4m", data)
        raw, s, _ = stream(workdir, ["-s", "-"], stdin_file=path)
        assert s["frames"] == 3, (chroma, s)
        assert (s["width"], s["height"]) == (w, h), (chroma, s)
        assert s["channels"] == (1 if chroma == "mono" else 3), (chroma, s)
        got = frames_of(raw, w, h).astype(int)
        diff = np.abs(got - np.array(expected).astype(int)).max()
        assert diff <= 2, f"C{chroma} {w}x{h}: off by up to {diff}"


def check_ffmpeg_y4m_pipe(workdir):
    ngtest.require_tool("ffmpeg")
    src = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
           "-frames:v", "15"]
    reference = ngtest.run([*src, "-pix_fmt", "bgr24", "-f", "rawvideo", "-"], text=False).stdout
    raw, s, _ = stream(workdir, ["-s", "-"],
                       producer=[*src, "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", "-"])
    assert s["frames"] == 15 and (s["width"], s["height"]) == (160, 120), s
    got, want = frames_of(raw, 160, 120).astype(int), frames_of(reference, 160, 120).astype(int)
    assert got.shape == want.shape
    # 4:2:0 loses chroma detail at colour edges; on average the pictures agree closely.
    assert np.abs(got - want).mean() < 3, np.abs(got - want).mean()


def check_ffmpeg_raw_pipe(workdir):
    ngtest.require_tool("ffmpeg")
    w, h = 96, 64
    src = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size={w}x{h}:rate=25",
           "-frames:v", "6"]
    for fmt in ("bgr24", "rgb24", "gray", "yuv420p", "nv12"):
        # ffmpeg's own reading of the frames it pipes: the same subsampling, its conversion
        # (nv12 holds yuv420p's samples; ffmpeg's nv12 path upsamples its chroma differently).
        through = "yuv420p" if fmt == "nv12" else fmt
        reference = frames_of(ngtest.run([*src, "-vf", f"format={through}", "-pix_fmt", "bgr24",
                                          "-f", "rawvideo", "-"], text=False).stdout, w, h)
        raw, s, _ = stream(workdir, ["-s", "raw:-", "--size", f"{w}x{h}", "--pix-fmt", fmt],
                           producer=[*src, "-pix_fmt", fmt, "-f", "rawvideo", "-"])
        assert s["frames"] == 6, (fmt, s)
        assert s["channels"] == (1 if fmt == "gray" else 3), (fmt, s)
        got = frames_of(raw, w, h).astype(int)
        diff = np.abs(got - reference.astype(int)).mean()
        limit = 0 if fmt in ("bgr24", "rgb24", "gray") else 2
        assert diff <= limit, f"--pix-fmt {fmt}: mean difference {diff}"


def check_raw_bgr24_is_byte_identical(workdir):
    """-s raw:- --pix-fmt bgr24 into ngrecv -o raw:-: the same bytes come out (odd size)."""
    w, h, n = 97, 61, 9
    frames = ngtest.seeded_image(7, (n, h, w, 3))
    path = write_file(workdir, "in.bgr", frames.tobytes())
    raw, s, _ = stream(workdir, ["-s", "raw:-", "--size", f"{w}x{h}", "--pix-fmt", "bgr24"],
                       stdin_file=path)
    assert s["frames"] == n, s
    assert raw == frames.tobytes(), "raw:- output differs from the bytes piped in"


def check_end_of_input_ends_the_stream(workdir):
    """The receiver hears the end at once (terminate), long before its own timeout."""
    w, h = 32, 24
    path = write_file(workdir, "in.bgr", ngtest.seeded_image(3, (4, h, w, 3)).tobytes())
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["-o", "null", "--summary", summary, "-t", "60"], workdir)
    send = piped_send(workdir, [*ep, "-s", "raw:-", "--size", f"{w}x{h}"], stdin_file=path)
    ngtest.expect_exit(send, 0)
    ngtest.expect_exit(recv, 0, timeout=10)
    assert ngtest.read_summary(summary)["frames"] == 4


def check_truncated_last_frame_is_dropped(workdir):
    w, h = 40, 30
    frames = ngtest.seeded_image(5, (5, h, w, 3))
    data = frames.tobytes() + frames[0].tobytes()[: w * h * 3 // 2]
    path = write_file(workdir, "cut.bgr", data)
    raw, s, send = stream(workdir, ["-s", "raw:-", "--size", f"{w}x{h}"], stdin_file=path)
    assert s["frames"] == 5 and raw == frames.tobytes(), s
    assert "partial frame is dropped" in send.stderr(), send.describe()

    y4m, expected = y4m_clip(w, h, "420jpeg", 4)
    path = write_file(workdir, "cut.y4m", y4m[:-100])
    raw, s, send = stream(workdir, ["-s", "-"], stdin_file=path)
    assert s["frames"] == 3, s
    assert np.abs(frames_of(raw, w, h).astype(int) - np.array(expected[:3]).astype(int)).max() <= 2
    assert "partial frame is dropped" in send.stderr(), send.describe()


def check_lying_y4m_header(workdir):
    """A header whose size is not the frames' is refused before any frame is sent."""
    real, _ = y4m_clip(160, 120, "420jpeg", 6)
    body = real[real.index(b"\n") + 1:]
    for lie in (b"YUV4MPEG2 W320 H240 F25:1 C420jpeg\n", b"YUV4MPEG2 W80 H60 F25:1 C420jpeg\n",
                b"YUV4MPEG2 W160 H120 F25:1 C444\n"):
        path = write_file(workdir, "lie.y4m", lie + body)
        summary = os.path.join(workdir, "recv.json")
        recv, ep = ngtest.start_receiver(["-o", "null", "--summary", summary, "-t", "10"],
                                         workdir)
        send = piped_send(workdir, [*ep, "-s", "-", "-t", "5"], stdin_file=path)
        ngtest.expect_exit(send, 1)
        ngtest.expect_exit(recv, 0, timeout=20)
        err = send.stderr()
        assert "the header does not describe the frames" in err, err
        assert ngtest.read_summary(summary)["frames"] == 0, lie


def check_bad_y4m_input(workdir):
    for data, words in [(b"", "ended before a YUV4MPEG2 header"),
                        (b"RIFF....not y4m\n", "not YUV4MPEG2"),
                        (b"YUV4MPEG2 W64 H48 C420p10\nFRAME\n", "C420p10"),
                        (b"YUV4MPEG2 H48 C420\n", "no W field")]:
        path = write_file(workdir, "bad.y4m", data)
        send = piped_send(workdir, ["-s", "-", *ngtest.endpoint(), "-t", "1"], stdin_file=path)
        ngtest.expect_exit(send, 1)
        assert words in send.stderr(), send.describe()


def check_stdin_usage_errors(workdir):
    cases = [
        (["-s", "raw:-"], "--size"),
        (["-s", "test", "--pix-fmt", "nv12"], "--pix-fmt"),
        (["-s", "-", "--size", "64x48"], "--size"),
        (["-s", "raw:-", "--size", "64x48", "--resize"], "--resize"),
        (["-s", "raw:-", "--size", "64x48", "--config", "/dev/stdin"], "--config /dev/stdin"),
    ]
    for args, words in cases:
        r = ngtest.run([ngtest.NGSEND, *args, *ngtest.endpoint(), "-t", "1"])
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert words in r.stderr, (args, r.stderr)
    # A terminal on stdin is no frame source.
    leader, follower = pty.openpty()
    try:
        r = subprocess.run([ngtest.NGSEND, "-s", "-", *ngtest.endpoint(), "-t", "1"],
                           stdin=follower, capture_output=True, text=True, timeout=20)
    finally:
        os.close(leader)
        os.close(follower)
    assert r.returncode == 2 and "stdin is a terminal" in r.stderr, r.stderr


def check_y4m_round_trip_through_ngrecv(workdir):
    """ngrecv -o - (y4m) piped into ngsend -s -: the y4m both tools speak."""
    y4m = os.path.join(workdir, "rec.y4m")
    recv, ep = ngtest.start_receiver(["-o", "-", "-t", "10"], workdir, stdout=y4m)
    send = ngtest.ngsend([*ep, "-s", "test", "--size", "64x48", "-n", "8", "--fps", "0"], workdir)
    ngtest.expect_exit(send, 0)
    ngtest.expect_exit(recv, 0)
    raw, s, _ = stream(workdir, ["-s", "-"], stdin_file=y4m)
    assert s["frames"] == 8 and (s["width"], s["height"]) == (64, 48), s


if __name__ == "__main__":
    ngtest.main(globals())
