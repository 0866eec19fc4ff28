"""Proves a failed ngrecv output (full disk, closed stdout) is logged, counted and named in the summary and exit code while the other outputs go on, that bad outputs are refused at start-up, and that Ctrl-C while outputs finish is answered."""
import contextlib
import glob
import os
import signal
import subprocess
import time

import ngtest

W, H = 160, 120
FRAME = W * H * 3


@contextlib.contextmanager
def tmpfs(path, size="2m", readonly=False):
    """A small tmpfs at `path`, unmounted afterwards; skips when mounting is not allowed."""
    os.makedirs(path, exist_ok=True)
    opts = f"size={size}" + (",ro" if readonly else "")
    out = ngtest.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", path])
    if out.returncode != 0:
        raise ngtest.Skip(f"cannot mount a tmpfs (needs root): {out.stderr.strip()}")
    try:
        yield path
    finally:
        ngtest.run(["umount", "-l", path])


def receive(workdir, outputs, n, size=(W, H), recv_stdout=None, expect=1, extra=()):
    """ngsend -n `n` -> ngrecv -o each of `outputs`; returns (receiver, summary)."""
    port = ngtest.free_port()
    summary = os.path.join(workdir, f"summary-{port}.json")
    args = ["-a", "127.0.0.1", "-p", port, "--summary", summary, "-t", "10", *extra]
    for out in outputs:
        args += ["-o", out]
    recv = ngtest.ngrecv(args, workdir, stdout=recv_stdout)
    ngtest.wait_listening(recv)
    send = ngtest.ngsend(["-a", "127.0.0.1", "-p", port, "-s", "test", "--size",
                          f"{size[0]}x{size[1]}", "--fps", "0", "-n", n, "-t", "5"], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    ngtest.expect_exit(recv, expect, timeout=30)
    s = ngtest.read_summary(summary)
    outputs_add_up(s)
    return recv, s


def outputs_add_up(s):
    """Every output took or refused each frame that reached the outputs."""
    assert s["frames_written"] + s["dropped_latest"] <= s["frames"], s
    for out in s["outputs"]:
        assert out["written"] + out["refused"] == s["frames_written"], (out, s)
        assert out["failed"] == (out["error"] != ""), out
    assert s["errors"] >= sum(1 for out in s["outputs"] if out["failed"]), s


def output(s, spec):
    found = [o for o in s["outputs"] if o["spec"] == spec]
    assert len(found) == 1, f"no output {spec} in {s['outputs']}"
    return found[0]


# ---------------------------------------------------------------- item 1: a full disk

def check_full_disk_images_reported_and_others_go_on(workdir):
    full = os.path.join(workdir, "full")
    with tmpfs(full):
        n = 12
        # BMP files are not compressed: 2 MB hold two of them.
        pattern = os.path.join(full, "shots", "%04d.bmp")
        raw = os.path.join(workdir, "all.raw")
        recv, s = receive(workdir, [pattern, "raw:-"], n, size=(640, 480), recv_stdout=raw)
        assert s["frames"] == n, s
        images = output(s, pattern)
        assert images["failed"] is True and "No space left" in images["error"], images
        assert 0 < images["refused"] and images["written"] < n, images
        files = sorted(glob.glob(os.path.join(full, "shots", "*.bmp")))
        # Only complete images are left, one per frame written.
        assert len(files) == images["written"], (files, images)
        assert all(os.path.getsize(f) == os.path.getsize(files[0]) for f in files), files
        assert output(s, "raw:-")["written"] == n and not output(s, "raw:-")["failed"], s
        assert os.path.getsize(raw) == n * 640 * 480 * 3
        assert pattern in recv.stderr() and "No space left" in recv.stderr(), recv.describe()


def check_full_disk_on_stdout_reported(workdir):
    full = os.path.join(workdir, "full")
    with tmpfs(full):
        n = 20
        # Each raw frame is 900 kB: the disk is full at the third.
        recv, s = receive(workdir, ["raw:-", "null"], n, size=(640, 480),
                          recv_stdout=os.path.join(full, "out.raw"))
        raw = output(s, "raw:-")
        assert raw["failed"] and "No space left" in raw["error"], raw
        assert raw["written"] == 2, raw
        assert output(s, "null")["written"] == n, s
        assert s["errors"] == 1, s


# ---------------------------------------------------------------- item 5: one output fails alone

def check_closed_stdout_keeps_the_video(workdir):
    n = 30
    video = os.path.join(workdir, "x.mp4")
    port = ngtest.free_port()
    summary = os.path.join(workdir, "recv.json")
    recv = ngtest.ngrecv(["-a", "127.0.0.1", "-p", port, "--summary", summary, "-t", "10",
                          "-o", "raw:-", "-o", video], workdir, stdout="pipe")
    # `| head -c 1000`: the reader takes 1000 bytes and goes away.
    head = subprocess.Popen(["head", "-c", "1000"], stdin=recv.popen.stdout,
                            stdout=subprocess.DEVNULL)
    recv.popen.stdout.close()
    ngtest.wait_listening(recv)
    send = ngtest.ngsend(["-a", "127.0.0.1", "-p", port, "-s", "test", "--size", f"{W}x{H}",
                          "--fps", "0", "-n", n, "-t", "5"], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    ngtest.expect_exit(recv, 1, timeout=30)
    head.wait(timeout=10)
    s = ngtest.read_summary(summary)
    outputs_add_up(s)
    assert s["frames"] == n, s
    raw = output(s, "raw:-")
    assert raw["failed"] and "stdout closed" in raw["error"], raw
    mp4 = output(s, video)
    assert not mp4["failed"] and mp4["written"] == n, mp4
    assert ngtest.ffprobe_frame_count(video) == n, "x.mp4 lacks frames"
    # The last log line names the failed output: the reason for exit code 1.
    assert "raw:-" in recv.stderr_lines()[-1], recv.describe()


# ---------------------------------------------------------------- item 6: checked at start-up

def expect_usage_error(workdir, args, names, env=None, cwd=None):
    """ngrecv exits 2 before listening, naming each of `names`."""
    port = ngtest.free_port()
    recv = ngtest.ngrecv(["-a", "127.0.0.1", "-p", port, "-t", "0", *args], workdir, env=env,
                         cwd=cwd)
    ngtest.expect_exit(recv, 2, timeout=10)
    err = recv.stderr()
    assert "listening on" not in err, recv.describe()
    for name in names:
        assert name in err, f"{name!r} not named\n" + recv.describe()


def check_bad_outputs_refused_before_listening(workdir):
    expect_usage_error(workdir, ["-o", "-", "-o", "raw:-"], ["'-'", "'raw:-'", "stdout"],
                       )
    expect_usage_error(workdir, ["-o", "window"], ["window", "DISPLAY"],
                       env={"DISPLAY": None, "WAYLAND_DISPLAY": None})
    expect_usage_error(workdir, ["-o", "out.xyz"], ["out.xyz"])
    missing = os.path.join(workdir, "no", "such", "folder", "s.json")
    expect_usage_error(workdir, ["-o", "null", "--summary", missing], [missing, "--summary"])
    afile = os.path.join(workdir, "afile")
    open(afile, "w").close()
    expect_usage_error(workdir, ["-o", os.path.join(afile, "x.mp4")], [afile])


def check_read_only_folder_refused_before_listening(workdir):
    ro = os.path.join(workdir, "ro")
    with tmpfs(ro, readonly=True):
        expect_usage_error(workdir, ["-o", os.path.join(ro, "x.mp4")], [ro, "x.mp4"])
        expect_usage_error(workdir, ["-o", os.path.join(ro, "f_%03d.png")], [ro])


def check_readme_shots_example_makes_its_folder(workdir):
    # README: ngrecv -o window -o shots/%06d.jpg (here without the window).
    n = 15
    cwd = os.path.join(workdir, "run")
    os.makedirs(cwd)
    port = ngtest.free_port()
    summary = os.path.join(workdir, "recv.json")
    recv = ngtest.ngrecv(["-a", "127.0.0.1", "-p", port, "--summary", summary, "-t", "10",
                          "-o", "shots/%06d.jpg"], workdir, cwd=cwd)
    ngtest.wait_listening(recv)
    assert os.path.isdir(os.path.join(cwd, "shots")), "folder not made at start-up"
    send = ngtest.ngsend(["-a", "127.0.0.1", "-p", port, "-s", "test", "--size", f"{W}x{H}",
                          "--fps", "0", "-n", n, "-t", "5"], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    ngtest.expect_exit(recv, 0, timeout=30)
    s = ngtest.read_summary(summary)
    outputs_add_up(s)
    assert len(glob.glob(os.path.join(cwd, "shots", "*.jpg"))) == n == s["frames"], s


# ---------------------------------------------------------------- item 10: Ctrl-C while finishing

def check_ctrl_c_while_finishing_is_answered(workdir):
    # y4m into a pipe nobody reads: after the stream ends, finishing the output blocks.
    port = ngtest.free_port()
    recv = ngtest.ngrecv(["-a", "127.0.0.1", "-p", port, "-t", "10", "--latest", "-o", "-"],
                         workdir, stdout="pipe")
    ngtest.wait_listening(recv)
    send = ngtest.ngsend(["-a", "127.0.0.1", "-p", port, "-s", "test", "--size", "640x480",
                          "--fps", "0", "-n", "40", "-t", "5"], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    time.sleep(0.5)
    recv.send_signal(signal.SIGINT)
    recv.wait_for_stderr(r"finishing -… press Ctrl-C again to abort", timeout=5)
    assert recv.popen.poll() is None, "ngrecv ended before the second Ctrl-C\n" + recv.describe()
    recv.send_signal(signal.SIGINT)
    ngtest.expect_exit(recv, 128 + signal.SIGINT, timeout=10)
    recv.popen.stdout.close()


if __name__ == "__main__":
    ngtest.main(globals())
