"""Proves --stats and --summary report the stream, and SIGINT on either end stops it cleanly with outputs finalised."""
import os
import signal

import ngtest

SIZE = ["--size", "160x120"]


def check_stats_lines(workdir):
    recv, ep = ngtest.start_receiver(["--stats", "-o", "null", "-t", "10"], workdir)
    send = ngtest.ngsend(["--stats", "-s", "test", *SIZE, "--fps", "30", "-n", "75", "-t", "5",
                          *ep], workdir)
    ngtest.expect_exit(send, 0, timeout=20)
    ngtest.expect_exit(recv, 0, timeout=10)
    # A 2.5 s stream: about one status line a second from each tool.
    recv_stats, send_stats = ngtest.stats_lines(recv), ngtest.stats_lines(send)
    assert len(recv_stats) >= 2, "ngrecv --stats lines:\n" + recv.describe()
    assert len(send_stats) >= 1, "ngsend --stats lines:\n" + send.describe()
    assert {l["tool"] for l in recv_stats} == {"ngrecv"}, recv_stats
    # Mid-stream the rate is near the paced 30 fps, not zero; totals only grow.
    rates = [l["fps"] for l in recv_stats]
    assert max(rates) > 10, f"ngrecv stats rates {rates}"
    totals = [l["frames"] for l in recv_stats]
    assert totals == sorted(totals) and totals[-1] <= 75, f"ngrecv frame totals {totals}"


def check_summary_on_stderr(workdir):
    recv, ep = ngtest.start_receiver(["--summary", "-", "-o", "null", "-t", "10"], workdir)
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
        # The endpoint as really used: the port the receiver's -p 0 became, on both ends.
        assert ngtest.endpoint_flags(s["endpoint"]) == ep, (tool, s["endpoint"], ep)


def check_signal_to_receiver_finalises_video(workdir):
    for sig in (signal.SIGINT, signal.SIGTERM):
        video = os.path.join(workdir, f"out-{sig.name}.mkv")
        summary = os.path.join(workdir, f"recv-{sig.name}.json")
        recv, ep = ngtest.start_receiver(["-o", video, "--summary", summary, "--stats",
                                          "-t", "10"], workdir)
        send = ngtest.ngsend(["-s", "test", *SIZE, "--fps", "30", "-t", "3", *ep], workdir)
        # Mid-stream: the video file has frames and more are coming.
        ngtest.wait_for_frames(recv, 20)
        recv.send_signal(sig)
        ngtest.expect_exit(recv, 0, timeout=10)
        send.send_signal(signal.SIGINT)
        send.wait(timeout=15)  # its peer is gone: any clean end will do, but it must end
        s = ngtest.read_summary(summary)
        assert s["frames"] >= 20, f"{sig.name}: {s}"
        assert s["terminated"] is False, s
        assert ngtest.ffprobe_frame_count(video) == s["frames"], (
            f"{sig.name}: video holds {ngtest.ffprobe_frame_count(video)} frames, summary says "
            f"{s['frames']}")


def check_signal_to_sender_terminates_stream(workdir):
    for sig in (signal.SIGINT, signal.SIGTERM):
        recv_summary = os.path.join(workdir, f"recv-{sig.name}.json")
        send_summary = os.path.join(workdir, f"send-{sig.name}.json")
        recv, ep = ngtest.start_receiver(["-o", "null", "--summary", recv_summary, "-t", "10"],
                                         workdir)
        send = ngtest.ngsend(["-s", "test", *SIZE, "--fps", "30", "--summary", send_summary,
                              "--stats", "-t", "5", *ep], workdir)
        ngtest.wait_for_frames(send, 20)
        send.send_signal(sig)
        ngtest.expect_exit(send, 0, timeout=10)
        ngtest.expect_exit(recv, 0, timeout=10)
        r, s = ngtest.read_summary(recv_summary), ngtest.read_summary(send_summary)
        assert r["terminated"] is True, f"{sig.name}: receiver summary: {r}"
        assert r["frames"] >= 20, r
        # PAIR is lossless: what the sender counted is what arrived.
        assert r["frames"] == s["frames"], f"{sig.name}: sent {s['frames']}, received {r['frames']}"


if __name__ == "__main__":
    ngtest.main(globals())
