"""Proves NetGear_Async's source options on pixels and timing: --colorspace, --backend, --time-delay and --stabilize."""
import itertools
import os
import shlex
import time

import numpy as np

import ngtest

_runs = itertools.count()


def stream(workdir, send_args, stdin_file=None, env=None, send_code=0):
    """ngsend `send_args` (stdin from `stdin_file` if given) -> ngrecv -o raw:-; returns
    (raw bytes, receiver summary, sender, seconds ngsend ran)."""
    run = next(_runs)
    summary = os.path.join(workdir, f"recv-{run}.json")
    raw = os.path.join(workdir, f"out-{run}.bgr")
    recv, ep = ngtest.start_receiver(["-o", "raw:-", "--summary", summary, "-t", "20"], workdir,
                                     stdout=raw)
    args = [ngtest.NGSEND, *ep, "-t", "10", *map(str, send_args)]
    if stdin_file:
        send = ngtest.launch(["bash", "-c", f"exec {shlex.join(args)} < {shlex.quote(stdin_file)}"],
                             workdir, name="ngsend", env=env)
    else:
        send = ngtest.launch(args, workdir, name="ngsend", env=env)
    ngtest.expect_exit(send, send_code, timeout=120)
    seconds = time.monotonic() - send.started
    ngtest.expect_exit(recv, 0, timeout=30)
    with open(raw, "rb") as f:
        return f.read(), ngtest.read_summary(summary), send, seconds


def frames_of(raw, w, h):
    assert len(raw) % (w * h * 3) == 0, f"{len(raw)} bytes are not whole {w}x{h} BGR frames"
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def write_frames(workdir, name, frames):
    path = os.path.join(workdir, name)
    with open(path, "wb") as f:
        f.write(np.ascontiguousarray(frames, dtype=np.uint8).tobytes())
    return path


# ---------------------------------------------------------------- --colorspace

# Flat colour patches (BGR) and what OpenCV's COLOR_BGR2* makes of them.
PATCHES = np.array([[0, 0, 255], [0, 255, 0], [255, 0, 0], [40, 120, 200], [255, 255, 255]],
                   dtype=np.uint8)


def expected(space, bgr):
    b, g, r = (bgr[..., i].astype(np.float64) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    if space == "gray":
        return np.repeat(np.rint(y)[..., None], 3, axis=-1)  # ngrecv shows grey as BGR
    if space == "rgb":
        return bgr[..., ::-1]
    if space == "yuv":  # OpenCV's full-range BGR2YUV, saturated to 8 bits
        return np.clip(np.stack([y, 0.492 * (b - y) + 128, 0.877 * (r - y) + 128], axis=-1),
                       0, 255)
    if space == "hsv":  # 8-bit HSV: H in 0..179
        mx, mn = np.max(bgr, -1).astype(float), np.min(bgr, -1).astype(float)
        d = np.where(mx - mn == 0, 1, mx - mn)
        h = np.where(mx == r, 60 * (g - b) / d, np.where(mx == g, 120 + 60 * (b - r) / d,
                                                          240 + 60 * (r - g) / d))
        h = np.where(mx - mn == 0, 0, np.mod(h, 360)) / 2
        s = np.where(mx == 0, 0, 255 * (mx - mn) / np.where(mx == 0, 1, mx))
        return np.stack([h, s, mx], axis=-1)
    raise ValueError(space)


def check_colorspace(workdir):
    w, h = 50, 10  # one 10x10 patch each
    picture = np.repeat(np.repeat(PATCHES[None, :, :], h, 0), 10, 1)
    path = write_frames(workdir, "patches.bgr", np.stack([picture] * 3))
    for space, spelling in [("gray", "gray"), ("rgb", "RGB"), ("yuv", "yuv"),
                            ("hsv", "COLOR_BGR2HSV")]:
        raw, s, _, _ = stream(workdir, ["-s", "raw:-", "--size", f"{w}x{h}",
                                        "--colorspace", spelling], stdin_file=path)
        assert s["frames"] == 3, (space, s)
        assert s["channels"] == (1 if space == "gray" else 3), (space, s)
        got = frames_of(raw, w, h)[:, :, ::10].astype(float)  # one pixel per patch
        want = expected(space, PATCHES)[None, None, :, :]
        diff = np.abs(got - want).max()
        assert diff <= 1.5, f"--colorspace {spelling}: off by {diff}\n{got[0, 0]}\n{want[0, 0]}"
    r = ngtest.run([ngtest.NGSEND, "--colorspace", "sepia", *ngtest.endpoint()])
    assert r.returncode == 2 and "'sepia' is not a colour space" in r.stderr, r.stderr


# ---------------------------------------------------------------- --backend

def check_backend(workdir):
    ngtest.require_tool("ffmpeg")
    clip = os.path.join(workdir, "clip.mkv")
    ngtest.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25",
                "-frames:v", "5", "-c:v", "ffv1", clip])
    plain, s, _, _ = stream(workdir, ["-s", clip])
    assert s["frames"] == 5, s
    chosen, s, _, _ = stream(workdir, ["-s", clip, "--backend", "ffmpeg"])
    assert s["frames"] == 5 and chosen == plain, s
    # Start-up failures: ngsend ends before it connects anywhere.
    def fails(args, env=None):
        send = ngtest.ngsend([*args, *ngtest.endpoint(), "-t", "5"], workdir, env=env)
        ngtest.expect_exit(send, 1)
        return send.stderr()
    # V4L2 cannot read a file: the error names the backend that was asked for.
    err = fails(["-s", clip, "--backend", "v4l2"])
    assert "cannot open video file" in err and "--backend v4l2" in err, err
    # A backend this OpenCV lacks (here switched off) is refused at start-up, by name.
    err = fails(["-s", clip, "--backend", "gstreamer"], {"OPENCV_VIDEOIO_PRIORITY_GSTREAMER": "0"})
    assert "has no GSTREAMER capture backend" in err, err
    for args, words in [(["-s", "test", "--backend", "ffmpeg"], "not read through OpenCV"),
                        (["-s", clip, "--backend", "dshow"], "not a backend")]:
        r = ngtest.run([ngtest.NGSEND, *args, *ngtest.endpoint(), "-t", "1"])
        assert r.returncode == 2 and words in r.stderr, (args, r.stderr)


# ---------------------------------------------------------------- --time-delay

def check_time_delay(workdir):
    base = ["-s", "test", "--size", "64x48", "-n", "3", "--fps", "0"]
    _, s, _, quick = stream(workdir, base)
    assert s["frames"] == 3, s
    _, s, _, delayed = stream(workdir, [*base, "--time-delay", "2.5"])
    assert s["frames"] == 3, s
    assert delayed >= 2.5 and delayed - quick >= 2.0, (quick, delayed)


# ---------------------------------------------------------------- --stabilize

def shift_between(a, b):
    """The (dx, dy) that moves grey picture a onto b, by phase correlation."""
    fa, fb = np.fft.fft2(a), np.fft.fft2(b)
    cross = fb * np.conj(fa)
    corr = np.abs(np.fft.ifft2(cross / np.maximum(np.abs(cross), 1e-9)))
    dy, dx = np.unravel_index(np.argmax(corr), corr.shape)
    h, w = a.shape
    return (dx - w if dx > w // 2 else dx), (dy - h if dy > h // 2 else dy)


def motion(frames, margin):
    """Mean frame-to-frame shift, in pixels, of the centre of `frames`."""
    grey = frames[:, margin:-margin, margin:-margin].astype(np.float64).mean(axis=-1)
    shifts = [shift_between(grey[i], grey[i + 1]) for i in range(len(grey) - 1)]
    return float(np.mean([np.hypot(dx, dy) for dx, dy in shifts]))


def jittered_test_pattern(workdir, n, w, h, seed=4):
    """n windows of w x h cut from one test-pattern frame, moved by a random walk."""
    pad = 40
    raw, _, _, _ = stream(workdir, ["-s", "test", "--size", f"{w + 2 * pad}x{h + 2 * pad}",
                                    "-n", "1"])
    still = frames_of(raw, w + 2 * pad, h + 2 * pad)[0]
    rng = np.random.default_rng(seed)
    x = y = pad
    clip = []
    for _ in range(n):
        x = int(np.clip(x + rng.integers(-4, 5), 0, 2 * pad))
        y = int(np.clip(y + rng.integers(-4, 5), 0, 2 * pad))
        clip.append(still[y:y + h, x:x + w])
    return np.stack(clip)


def check_stabilize(workdir):
    w, h, n = 240, 180, 60
    clip = jittered_test_pattern(workdir, n, w, h)
    path = write_frames(workdir, "jitter.bgr", clip)
    before = motion(clip, 30)
    assert before > 3, before
    args = ["-s", "raw:-", "--size", f"{w}x{h}", "--stabilize", "--stabilize-radius", "8"]
    raw, s, _, _ = stream(workdir, args, stdin_file=path)
    # Every frame comes out, the last ones too (held for the average, released at the end).
    assert s["frames"] == n, s
    out = frames_of(raw, w, h)
    after = motion(out, 30)
    print(f"stabilize: {before:.2f} px/frame of motion before, {after:.2f} after")
    assert after < before / 2, f"motion {before:.2f} px/frame before, {after:.2f} after"

    # The border: black leaves uncovered edges black, replicate fills them.
    def black_edge(frames):
        edges = np.concatenate([frames[:, :, :2].reshape(-1, 3), frames[:, :, -2:].reshape(-1, 3)])
        return float((edges.max(axis=-1) == 0).mean())
    replicated, _, _, _ = stream(workdir, [*args, "--stabilize-border", "replicate"],
                                 stdin_file=path)
    assert black_edge(out) > black_edge(clip) + 0.05, (black_edge(out), black_edge(clip))
    assert black_edge(frames_of(replicated, w, h)) <= black_edge(clip) + 0.02

    r = ngtest.run([ngtest.NGSEND, "--stabilize-radius", "5", *ngtest.endpoint()])
    assert r.returncode == 2 and "add --stabilize" in r.stderr, r.stderr


if __name__ == "__main__":
    ngtest.main(globals())
