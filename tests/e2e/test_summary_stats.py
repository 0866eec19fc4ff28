"""Proves --stats and --summary report the stream, and SIGINT on either end stops it cleanly with outputs finalised."""
import os
import re
import signal
import time

import ngtest

SIZE = ["--size", "160x120"]
STATS_LINE = re.compile(r"\b\d+(\.\d+)? fps\b")


def endpoint():
    return ["-a", "127.0.0.1", "-p", str(ngtest.free_port())]


def check_stats_lines(workdir):
    ep = endpoint()
    recv = ngtest.ngrecv(["--stats", "-o", "null", "-t", "10", *ep], workdir)
    ngtest.wait_listening(recv)
    send = ngtest.ngsend(["--stats", "-s", "test", *SIZE, "--fps", "30", "-n", "75", "-t", "5",
                          *ep], workdir)
    ngtest.expect_exit(send, 0, timeout=20)
    ngtest.expect_exit(recv, 0, timeout=10)
    # A 2.5 s stream: about one status line a second from each tool.
    recv_stats = [l for l in recv.stderr_lines() if STATS_LINE.search(l)]
    send_stats = [l for l in send.stderr_lines() if STATS_LINE.search(l)]
    assert len(recv_stats) >= 2, "ngrecv --stats lines:\n" + recv.describe()
    assert len(send_stats) >= 1, "ngsend --stats lines:\n" + send.describe()
    # Mid-stream the rate is near the paced 30 fps, not zero.
    rates = [float(STATS_LINE.search(l).group(0).split()[0]) for l in recv_stats]
    assert max(rates) > 10, f"ngrecv stats rates {rates}"


def check_summary_on_stderr(workdir):
    ep = endpoint()
    recv = ngtest.ngrecv(["--summary", "-", "-o", "null", "-t", "10", *ep], workdir)
    ngtest.wait_listening(recv)
    send = ngtest.ngsend(["--summary", "-", "-s", "test", *SIZE, "--fps", "0", "-n", "40",
                          "-t", "5", *ep], workdir)
    ngtest.expect_exit(send, 0, timeout=20)
    ngtest.expect_exit(recv, 0, timeout=10)
    for proc, tool in ((recv, "ngrecv"), (send, "ngsend")):
        s = ngtest.summary_from_stderr(proc.stderr())
        ngtest.check_summary_keys(s)
        assert s["frames"] == 40 and s["bytes"] == 40 * 160 * 120 * 3, s
        assert s.get("tool") == tool, s
        assert proc.stdout() == "", f"{tool} wrote the summary to stdout"


def check_signal_to_receiver_finalises_video(workdir):
    for sig in (signal.SIGINT, signal.SIGTERM):
        ep = endpoint()
        video = os.path.join(workdir, f"out-{sig.name}.mkv")
        summary = os.path.join(workdir, f"recv-{sig.name}.json")
        recv = ngtest.ngrecv(["-o", video, "--summary", summary, "-t", "10", *ep], workdir)
        ngtest.wait_listening(recv)
        send = ngtest.ngsend(["-s", "test", *SIZE, "--fps", "30", "-t", "3", *ep], workdir)
        send.wait_for_stderr(r"streaming", timeout=10)
        time.sleep(2)
        recv.send_signal(sig)
        ngtest.expect_exit(recv, 0, timeout=10)
        send.send_signal(signal.SIGINT)
        send.wait(timeout=15)  # its peer is gone: any clean end will do, but it must end
        s = ngtest.read_summary(summary)
        assert 20 <= s["frames"] <= 90, f"{sig.name}: about 60 frames in 2 s at 30 fps: {s}"
        assert s["terminated"] is False, s
        assert ngtest.ffprobe_frame_count(video) == s["frames"], (
            f"{sig.name}: video holds {ngtest.ffprobe_frame_count(video)} frames, summary says "
            f"{s['frames']}")


def check_signal_to_sender_terminates_stream(workdir):
    for sig in (signal.SIGINT, signal.SIGTERM):
        ep = endpoint()
        recv_summary = os.path.join(workdir, f"recv-{sig.name}.json")
        send_summary = os.path.join(workdir, f"send-{sig.name}.json")
        recv = ngtest.ngrecv(["-o", "null", "--summary", recv_summary, "-t", "10", *ep], workdir)
        ngtest.wait_listening(recv)
        send = ngtest.ngsend(["-s", "test", *SIZE, "--fps", "30", "--summary", send_summary,
                              "-t", "5", *ep], workdir)
        send.wait_for_stderr(r"streaming", timeout=10)
        time.sleep(1.5)
        send.send_signal(sig)
        ngtest.expect_exit(send, 0, timeout=10)
        ngtest.expect_exit(recv, 0, timeout=10)
        r, s = ngtest.read_summary(recv_summary), ngtest.read_summary(send_summary)
        assert r["terminated"] is True, f"{sig.name}: receiver summary: {r}"
        assert r["frames"] > 10, r
        # PAIR is lossless: what the sender counted is what arrived.
        assert r["frames"] == s["frames"], f"{sig.name}: sent {s['frames']}, received {r['frames']}"


if __name__ == "__main__":
    ngtest.main(globals())
