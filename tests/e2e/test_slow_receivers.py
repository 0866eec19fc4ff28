"""Proves a slow output never makes memory grow, and --latest keeps frames fresh by dropping (and counting) stale ones on either end."""
import os
import signal
import threading
import time

import ngtest

W, H = 160, 120
FRAME = W * H * 3


class SlowReader:
    """Reads a tool's raw:- output one frame at a time, `fps` frames a second: an output
    slower than the stream."""

    def __init__(self, proc, frame_bytes, fps):
        self.bytes = 0
        self._pipe = proc.popen.stdout
        self._frame_bytes = frame_bytes
        self._gap = 1.0 / fps
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while True:
            chunk = self._pipe.read(self._frame_bytes)
            if not chunk:
                return
            self.bytes += len(chunk)
            time.sleep(self._gap)

    def join(self, timeout=30):
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the reader never saw the end of the output"


def check_latest_receiver_keeps_the_newest(workdir):
    # A 40 fps output behind a 400 fps PUSH stream: with --latest, ngrecv takes every frame
    # off the network, hands the output only the newest, and counts the rest as dropped.
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", "3", "--latest", "-o", "raw:-", "--stats",
                                      "--summary", summary, "-t", "10"], workdir, stdout="pipe")
    reader = SlowReader(recv, FRAME, fps=40)
    n = 1200
    send = ngtest.ngsend(["--pattern", "3", "-s", "test", "--size", f"{W}x{H}", "--fps", "400",
                          "-n", n, "-t", "10", *ep], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    sender_done = time.monotonic()
    ngtest.expect_exit(recv, 0, timeout=15)
    reader.join()
    # Without --latest the output would still be busy for ~25 s with the backlog.
    assert time.monotonic() - sender_done < 5, "ngrecv worked through a backlog\n" + recv.describe()
    s = ngtest.read_summary(summary)
    assert s["frames"] == n and s["terminated"] is True, s
    assert s["dropped_in_transit"] == 0, s
    assert s["dropped_latest"] > n // 2, f"too few frames skipped for a 10x slower output: {s}"
    assert s["frames_written"] + s["dropped_latest"] == s["frames"], s
    assert s["dropped"] == s["dropped_latest"], s
    assert reader.bytes == s["frames_written"] * FRAME, f"read {reader.bytes} bytes: {s}"
    assert max((l["dropped"] for l in ngtest.stats_lines(recv)), default=0) > 0, (
        "--stats never showed drops\n" + recv.describe())


def check_latest_sender_skips_stale_captures(workdir):
    # A slow receiver holds REQ/REP back; ngsend --latest then sends the newest capture and
    # drops older ones, and the receiver sees exactly those as gaps in the sequence.
    recv_summary = os.path.join(workdir, "recv.json")
    send_summary = os.path.join(workdir, "send.json")
    recv, ep = ngtest.start_receiver(["--pattern", "1", "-o", "raw:-", "--summary", recv_summary,
                                      "-t", "10"], workdir, stdout="pipe")
    reader = SlowReader(recv, FRAME, fps=50)
    n = 600
    send = ngtest.ngsend(["--pattern", "1", "--latest", "-s", "test", "--size", f"{W}x{H}",
                          "--fps", "200", "-n", n, "--stats", "--summary", send_summary, "-t", "10",
                          *ep], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    ngtest.expect_exit(recv, 0, timeout=15)
    reader.join()
    sent = ngtest.read_summary(send_summary)
    s = ngtest.read_summary(recv_summary)
    assert sent["dropped"] > n // 4, f"a 4x slower receiver, yet few drops: {sent}"
    assert sent["frames"] + sent["dropped"] == n, sent
    assert s["frames"] == sent["frames"] and s["terminated"] is True, (s, sent)
    assert s["dropped_in_transit"] == sent["dropped"], f"gaps seen {s}, drops made {sent}"
    assert max((l["dropped"] for l in ngtest.stats_lines(send)), default=0) > 0, (
        "--stats never showed drops\n" + send.describe())


def check_slow_output_memory_stays_bounded(workdir):
    # Without --latest nothing is dropped: a fast sender is held back by a 50 fps output,
    # and neither tool's memory grows while it waits (libzmq alone would queue 1000 frames,
    # nearly 1 GB at 640x480).
    size = (640, 480)
    frame = size[0] * size[1] * 3
    check_memory = not ngtest.sanitized(ngtest.NGRECV)
    for pattern in (0, 3):
        recv_summary = os.path.join(workdir, f"recv-{pattern}.json")
        send_summary = os.path.join(workdir, f"send-{pattern}.json")
        recv, ep = ngtest.start_receiver(["--pattern", pattern, "-o", "raw:-", "--summary",
                                          recv_summary, "-t", "10"], workdir, stdout="pipe")
        reader = SlowReader(recv, frame, fps=50)
        send = ngtest.ngsend(["--pattern", pattern, "-s", "test", "--size", "%dx%d" % size,
                              "--fps", "0", "--summary", send_summary, "-t", "10", *ep], workdir)
        samples = []
        for _ in range(20):
            time.sleep(0.2)  # a sampling interval, not a wait for an event
            samples.append((ngtest.memory_kib(recv, "VmRSS"), ngtest.memory_kib(send, "VmRSS")))
        send.send_signal(signal.SIGINT)
        ngtest.expect_exit(send, 0, timeout=15)
        ngtest.expect_exit(recv, 0, timeout=15)
        reader.join()
        where = f"pattern {pattern}"
        s = ngtest.read_summary(recv_summary)
        sent = ngtest.read_summary(send_summary)
        assert s["frames"] == sent["frames"] and s["dropped"] == 0, (where, s, sent)
        assert s["frames_written"] == s["frames"] and reader.bytes == s["frames"] * frame, (where, s)
        # About 4 s at 50 fps: the sender was held back, not racing ahead.
        assert sent["frames"] < 400, (where, sent)
        if check_memory:
            peak_recv = max(r for r, _ in samples) // 1024
            peak_send = max(t for _, t in samples) // 1024
            early_recv = max(r for r, _ in samples[:5]) // 1024
            late_recv = max(r for r, _ in samples[10:]) // 1024
            assert peak_recv < 120 and peak_send < 120, (
                f"{where}: peak RSS ngrecv {peak_recv} MB, ngsend {peak_send} MB")
            assert late_recv - early_recv < 16, (
                f"{where}: ngrecv grew from {early_recv} MB to {late_recv} MB")


if __name__ == "__main__":
    ngtest.main(globals())
