"""Proves recordings play in real time at the sender's rate (paced, slow and skipping streams) and that a full disk fails the video file loudly."""
import os
import subprocess
import threading
import time

import ngtest

W, H = 160, 120
# ffprobe's duration may differ from the stream's by this fraction.
TOLERANCE = 0.05
VIDEO_EXTS = ("mp4", "mkv", "avi")


def endpoint():
    return ["-a", "127.0.0.1", "-p", str(ngtest.free_port())]


def ffprobe_duration(path):
    ngtest.require_tool("ffprobe")
    out = ngtest.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                      "-of", "csv=p=0", path], timeout=60)
    assert out.returncode == 0, f"ffprobe failed on {path}: {out.stderr}"
    return float(out.stdout.strip())


def assert_durations(paths, expected):
    for path in paths:
        got = ffprobe_duration(path)
        assert abs(got - expected) <= TOLERANCE * expected, \
            f"{os.path.basename(path)} plays {got:.3f} s, the stream lasted {expected:.3f} s"


def record(workdir, outputs, send_args, recv_args=(), recv_stdout=None, during=None):
    """ngsend SEND_ARGS -> ngrecv -o each of `outputs`; returns the receiver's summary."""
    ep = endpoint()
    summary = os.path.join(workdir, "recv.json")
    args = ["--summary", summary, "-t", "10", *recv_args, *ep]
    for out in outputs:
        args += ["-o", out]
    recv = ngtest.ngrecv(args, workdir, stdout=recv_stdout)
    if during:
        during(recv)
    ngtest.wait_listening(recv)
    send = ngtest.ngsend(["-s", "test", "--size", f"{W}x{H}", "-t", "10", *send_args, *ep],
                         workdir)
    ngtest.expect_exit(send, 0, timeout=60)
    ngtest.expect_exit(recv, 0, timeout=60)
    return ngtest.read_summary(summary)


def files(workdir, exts=VIDEO_EXTS):
    return [os.path.join(workdir, f"rec.{ext}") for ext in exts]


def check_25fps_plays_3_seconds(workdir):
    # 75 frames at 25 fps: 3.0 s in every container and in y4m, not 75 frames at 30 fps.
    y4m = os.path.join(workdir, "rec.y4m")
    s = record(workdir, files(workdir) + ["-"], ["--fps", "25", "-n", "75"], recv_stdout=y4m)
    assert s["frames"] == 75, s
    with open(y4m, "rb") as f:
        assert b" F25:1 " in f.readline(), "y4m header without the sender's rate"
    assert_durations(files(workdir) + [y4m], 3.0)
    for path in files(workdir, ("mp4", "mkv")):
        assert ngtest.ffprobe_frame_count(path) == 75, path


def check_1fps_plays_5_seconds(workdir):
    # Five frames a second apart: each shows for a second, the last one too, as ffmpeg
    # gives the last frame one frame's duration. So 5.0 s, not 4 and not 0.167.
    y4m = os.path.join(workdir, "rec.y4m")
    record(workdir, files(workdir) + ["-"], ["--fps", "1", "-n", "5"], recv_stdout=y4m)
    assert_durations(files(workdir) + [y4m], 5.0)


class SlowReader:
    """Reads raw:- output one frame every `gap` seconds: an output slower than the stream,
    which makes ngrecv --latest skip frames for every output."""

    def __init__(self, proc, gap):
        self._pipe, self._gap = proc.popen.stdout, gap
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while self._pipe.read(W * H * 3):
            time.sleep(self._gap)


def check_latest_with_drops_keeps_wall_time(workdir):
    # A 25 fps stream of 4 s into a receiver whose raw:- reader takes 10 frames a second:
    # with --latest most frames are skipped, yet the recordings last the stream's 4 s (the
    # gaps show the frame before; AVI repeats it to keep its constant rate).
    n, fps = 100, 25
    s = record(workdir, files(workdir) + ["raw:-"], ["--fps", fps, "-n", n],
               recv_args=["--latest"], recv_stdout="pipe",
               during=lambda recv: SlowReader(recv, 0.1))
    assert s["dropped"] > n // 4, f"too few frames skipped to test anything: {s}"
    assert s["frames_written"] < n, s
    assert_durations(files(workdir), n / fps)
    for path in files(workdir, ("mp4", "mkv")):
        assert ngtest.ffprobe_frame_count(path) == s["frames_written"], path
    # AVI holds its rate with copies of the frame before each gap, and the summary says so.
    [avi] = [o for o in s["outputs"] if o["spec"].endswith(".avi")]
    assert avi["repeated_for_rate"] > 0, avi
    kept = avi["written"] - avi["dropped_for_rate"] + avi["repeated_for_rate"]
    assert ngtest.ffprobe_frame_count(files(workdir, ("avi",))[0]) == kept, avi


def check_output_fps_writes_every_frame_at_that_rate(workdir):
    # --output-fps is the time-lapse / slow-motion switch: every frame once, at that rate.
    y4m = os.path.join(workdir, "rec.y4m")
    record(workdir, files(workdir) + ["-"], ["--fps", "25", "-n", "20"],
           recv_args=["--output-fps", "10"], recv_stdout=y4m)
    assert_durations(files(workdir) + [y4m], 2.0)
    for path in files(workdir) + [y4m]:
        assert ngtest.ffprobe_frame_count(path) == 20, path


def mount_tmpfs(folder, size):
    if os.geteuid() != 0:
        ngtest.skip("mounting a small tmpfs needs root")
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", folder],
                         capture_output=True, text=True)
    if out.returncode != 0:
        ngtest.skip(f"cannot mount a tmpfs on {folder}: {out.stderr.strip()}")


def check_full_disk_is_reported(workdir):
    # Noise does not compress: 200 frames of 320x240 noise make far more than 2 MB of video
    # in any codec.
    src = os.path.join(workdir, "src")
    os.makedirs(src)
    for i in range(6):
        ngtest.write_png(os.path.join(src, f"{i:03d}.png"), ngtest.seeded_image(i, (240, 320, 3)))
    disk = os.path.join(workdir, "disk")
    os.makedirs(disk)
    mount_tmpfs(disk, "2m")
    try:
        for ext in VIDEO_EXTS:
            path = os.path.join(disk, f"full.{ext}")
            ep = endpoint()
            summary = os.path.join(workdir, f"summary-{ext}.json")
            recv = ngtest.ngrecv(["-o", path, "-t", "10", "--summary", summary, *ep], workdir)
            ngtest.wait_listening(recv)
            send = ngtest.ngsend(["-s", os.path.join(src, "%03d.png"), "--loop", "--fps", "0",
                                  "-n", "200", "-t", "3", *ep], workdir)
            rc = recv.wait(timeout=60)
            send.kill()
            err = recv.stderr()
            assert f"video {path}: No space left on device" in err, \
                f"full disk not reported for {ext}\n" + recv.describe()
            # The only output failed: counted, named, and the exit code of a runtime failure.
            assert rc == 1, f"ngrecv exited {rc} after a full disk\n" + recv.describe()
            s = ngtest.read_summary(summary)
            [out] = s["outputs"]
            assert out["failed"] and "No space left on device" in out["error"], out
            assert s["errors"] >= 1, s
            assert out["written"] + out["refused"] == s["frames_written"], s
            os.remove(path)
    finally:
        subprocess.run(["umount", disk])


if __name__ == "__main__":
    ngtest.main(globals())
