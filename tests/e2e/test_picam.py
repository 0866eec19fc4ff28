"""Streams from libcamera's virtual camera (-s picam): frame counts, pattern pixels, camera choice, size, pacing, flips, --list-cameras."""
import itertools
import os

import numpy as np

import ngtest

VENDOR = os.environ.get("NG_VENDOR_DIR") or os.path.join(ngtest.REPO, "..", "shared", "vendor")
PLUGIN_DIR = os.environ.get("NG_PICAM_VIRTUAL_PLUGIN_DIR") or os.path.join(
    ngtest.REPO, "build", "lib", "ngstream-virtual")
# tests/e2e/picam_virtual.yaml: Virtual0 shows colour bars at 320x240 and 160x120,
# Virtual1 diagonal lines at 320x240.
W, H = 320, 240
_runs = itertools.count()

# The virtual camera's colour bars, left to right, as BGR (libcamera's ColorBarsGenerator).
BARS = np.array([[255, 255, 255], [0, 255, 255], [255, 255, 0], [0, 255, 0],
                 [255, 0, 255], [0, 0, 255], [255, 0, 0], [0, 0, 0]], dtype=np.float32)
# A fitted pattern may differ this much per channel on average: NV12's half-resolution
# chroma smears each edge over a column or two.
FIT_ERROR = 12


def picam_env():
    """The environment that makes ngsend load the picam plugin built against the virtual
    camera; skips where ../shared/vendor is absent (a user's clone)."""
    if not os.path.isfile(os.path.join(VENDOR, "libcamera-0.5.2.tar.gz")):
        raise ngtest.Skip(f"{os.path.normpath(VENDOR)} is absent, so libcamera's virtual camera "
                          "cannot be built (only CI has ../shared/vendor next to the repository; "
                          "NG_VENDOR_DIR names another folder)")
    plugin = os.path.join(PLUGIN_DIR, "libng_picam_capture.so")
    assert os.path.isfile(plugin), (
        f"{plugin} is missing although {VENDOR} exists: run scripts/build-libcamera-virtual "
        "(ctest runs it as the test 'picam: build virtual libcamera')")
    # Only the picam plugin is in PLUGIN_DIR; the loader finds the others next to ngsend.
    return {"NG_PLUGIN_DIR": PLUGIN_DIR, "LIBCAMERA_TEST_MEMFD_BUFFERS": "1",
            "LIBCAMERA_LOG_LEVELS": "*:ERROR"}


def capture(workdir, send_args, n, size=(W, H), outputs=("raw:-",)):
    """ngsend `send_args` -n n -> ngrecv -o outputs; returns (frames, receiver summary,
    sender summary), frames as an (n, h, w, 3) array when raw:- is among the outputs."""
    run = next(_runs)
    raw = os.path.join(workdir, f"frames-{run}.bgr")
    recv_summary = os.path.join(workdir, f"recv-{run}.json")
    send_summary = os.path.join(workdir, f"send-{run}.json")
    args = ["--summary", recv_summary, "-t", "15"]
    for out in outputs:
        args += ["-o", out]
    recv, ep = ngtest.start_receiver(args, workdir, stdout=raw)
    send = ngtest.ngsend([*ep, *send_args, "-n", n, "-t", "10", "--summary", send_summary],
                         workdir, env=picam_env())
    ngtest.expect_exit(send, 0, timeout=60)
    ngtest.expect_exit(recv, 0, timeout=60)
    received, sent = ngtest.read_summary(recv_summary), ngtest.read_summary(send_summary)
    assert received["frames"] == sent["frames"] == n, (received, sent)
    frames = None
    if "raw:-" in outputs:
        data = open(raw, "rb").read()
        w, h = size
        assert len(data) == n * w * h * 3, (
            f"{len(data)} bytes of raw output are not {n} frames of {w}x{h}")
        frames = np.frombuffer(data, dtype=np.uint8).reshape(n, h, w, 3)
    return frames, received, sent


def bars_model(width, shift):
    """One row of the bars after the generator rotated them left by `shift` columns."""
    columns = (np.arange(width) + shift) % width
    return BARS[(columns // (width // len(BARS))) % len(BARS)]


def lines_model(width, height, shift):
    """Grey levels of the diagonal lines, rotated left by `shift` columns."""
    x, y = np.meshgrid(np.arange(width), np.arange(height))
    return np.where(((x + shift + y) // (width // 10)) % 2 == 0, 255.0, 0.0)


def fit_bars(frame):
    """(shift, mean error) of the best-fitting bar pattern to the middle row of `frame`."""
    h, w, _ = frame.shape
    row = frame[h // 2].astype(np.float32)
    errors = [float(np.abs(row - bars_model(w, s)).mean()) for s in range(w)]
    best = int(np.argmin(errors))
    return best, errors[best]


def fit_lines(frame):
    """(shift, mean error) of the best-fitting diagonal lines to the grey of `frame`."""
    h, w, _ = frame.shape
    grey = frame.astype(np.float32).mean(axis=2)
    period = 2 * (w // 10)
    errors = [float(np.abs(grey - lines_model(w, h, s)).mean()) for s in range(period)]
    best = int(np.argmin(errors))
    return best, errors[best]


def check_stream_into_video_file(workdir):
    # Every frame the sender counted reaches the video file at the configured size.
    n = 30
    video = os.path.join(workdir, "video.mkv")
    _, received, sent = capture(workdir, ["-s", "picam", "--size", f"{W}x{H}", "--fps", "30"],
                                n, outputs=(video,))
    assert ngtest.ffprobe_frame_count(video) == received["frames"] == n, received
    assert ngtest.ffprobe_size(video) == (W, H)


def check_pixels_are_the_virtual_bars(workdir):
    frames, _, _ = capture(workdir, ["-s", "picam", "--size", f"{W}x{H}"], 5)
    shifts = []
    for frame in frames:
        shift, error = fit_bars(frame)
        assert error < FIT_ERROR, f"frame is not the colour bars (mean error {error:.1f})"
        # The bars fill the frame top to bottom.
        assert np.abs(frame[10].astype(int) - frame[H - 10].astype(int)).mean() < 4
        shifts.append(shift)
    # The generator scrolls the bars by one column per camera frame: new frames, not one
    # buffer sent again.
    assert len(set(shifts)) == len(shifts), f"repeated frames: shifts {shifts}"


def check_second_camera(workdir):
    frames, _, _ = capture(workdir, ["-s", "picam:1"], 3)
    for frame in frames:
        _, lines_error = fit_lines(frame)
        _, bars_error = fit_bars(frame)
        assert lines_error < FIT_ERROR and bars_error > 4 * FIT_ERROR, (lines_error, bars_error)
    # A camera that is not there is refused, naming those that are.
    send = ngtest.ngsend([*ngtest.endpoint(), "-s", "picam:2", "-t", "2"], workdir,
                         env=picam_env())
    ngtest.expect_exit(send, 1)
    err = send.stderr()
    assert "picam:2" in err and "0 Virtual0" in err and "1 Virtual1" in err, err


def check_size_is_adjusted(workdir):
    # A size the camera lists is used as is; the bars keep their eight-per-width layout.
    frames, _, _ = capture(workdir, ["-s", "picam", "--size", "160x120"], 3, size=(160, 120))
    assert fit_bars(frames[0])[1] < FIT_ERROR
    # One it cannot give becomes what validate() picks (the largest here), announced in
    # the received frames' shape.
    frames, _, _ = capture(workdir, ["-s", "picam", "--size", "200x100"], 3, size=(W, H))
    assert fit_bars(frames[0])[1] < FIT_ERROR


def check_fps_paces_the_camera(workdir):
    n = 12
    frames, received, sent = capture(workdir, ["-s", "picam", "--fps", "8"], n)
    # n frames at 8 fps span (n - 1) / 8 s, less what the pacer catches up after a late
    # frame; the virtual camera itself gives hundreds a second.
    assert sent["seconds"] >= (n - 1) / 8 * 0.8 and sent["fps"] < 10.5, sent
    assert received["seconds"] >= (n - 1) / 8 * 0.8, received
    shifts = [fit_bars(f)[0] for f in frames]
    assert len(set(shifts)) == n, f"repeated frames: shifts {shifts}"


def check_flips(workdir):
    # Bars are vertical: a horizontal mirror reverses their order.
    frames, _, _ = capture(workdir, ["-s", "picam", "--hflip"], 2)
    assert fit_bars(frames[0])[1] > 4 * FIT_ERROR
    assert fit_bars(frames[0][:, ::-1])[1] < FIT_ERROR
    # Lines run diagonally: a vertical mirror turns them the other way.
    frames, _, _ = capture(workdir, ["-s", "picam:1", "--vflip"], 2)
    assert fit_lines(frames[0])[1] > 4 * FIT_ERROR
    assert fit_lines(frames[0][::-1])[1] < FIT_ERROR
    # A half turn reverses the bars and keeps the lines' direction.
    frames, _, _ = capture(workdir, ["-s", "picam", "--rotation", "180"], 2)
    assert fit_bars(frames[0][::-1, ::-1])[1] < FIT_ERROR
    assert fit_bars(frames[0])[1] > 4 * FIT_ERROR
    frames, _, _ = capture(workdir, ["-s", "picam:1", "--rotation", "180"], 2)
    assert fit_lines(frames[0][::-1, ::-1])[1] < FIT_ERROR


def check_list_cameras(workdir):
    out = ngtest.run([ngtest.NGSEND, "--list-cameras"], env={**os.environ, **picam_env()})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    virtual0 = [line for line in lines if "Virtual0" in line]
    virtual1 = [line for line in lines if "Virtual1" in line]
    assert virtual0 and virtual1, out.stdout
    assert virtual0[0].split()[0] == "0" and virtual1[0].split()[0] == "1", out.stdout
    assert "ngstream bars" in virtual0[0] and "320x240" in virtual0[0], out.stdout
    assert "160x120" in virtual0[0], out.stdout
    assert "V4L2" in out.stdout and "libcamera v0.5.2" in out.stdout, out.stdout


if __name__ == "__main__":
    ngtest.main(globals())
