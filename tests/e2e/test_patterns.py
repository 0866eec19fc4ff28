"""Proves every messaging pattern (PAIR, REQ/REP, PUB/SUB, PUSH/PULL) carries a stream end to end over tcp and ipc."""
import os
import time

import ngtest

N = 200
# The reference closes with LINGER 0 and loses the tail of a fast stream; none of ours may.
N_LOSSLESS = 3000
W, H = 160, 120
PATTERNS = {0: "PAIR", 1: "REQ/REP", 2: "PUB/SUB", 3: "PUSH/PULL"}


def stream(workdir, pattern, protocol, send_timeout=5, frames=N):
    """One ngsend -> ngrecv run; returns the receiver's summary after both exited."""
    summary = os.path.join(workdir, f"recv-{pattern}-{protocol}.json")
    # PUB/SUB loses what is published before the subscriber is there: it must listen first.
    recv, ep = ngtest.start_receiver(
        ["--pattern", pattern, "-o", "null", "--summary", summary, "-t", "10"], workdir,
        ipc_path=os.path.join(workdir, "stream.sock") if protocol == "ipc" else None)
    send = ngtest.ngsend(["--pattern", pattern, "-s", "test", "--size", f"{W}x{H}", "--fps", "0",
                          "-n", frames, "-t", send_timeout, *ep], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    # The terminate message must reach the receiver (no waiting out its 10 s timeout).
    ngtest.expect_exit(recv, 0, timeout=8)
    s = ngtest.read_summary(summary)
    ngtest.check_summary_keys(s)
    assert s["terminated"] is True, f"receiver did not see the terminate message: {s}"
    assert (s["width"], s["height"], s["channels"]) == (W, H, 3), s
    return s


def check_lossless_patterns(workdir):
    # PAIR, REQ/REP and PUSH/PULL never drop: every frame of a fast stream arrives, in
    # order (no sequence gap), every byte counted, and then the terminate message.
    n = N_LOSSLESS
    for pattern in (0, 1, 3):
        for protocol in ("tcp", "ipc"):
            s = stream(workdir, pattern, protocol, frames=n)
            where = f"pattern {pattern} ({PATTERNS[pattern]}) over {protocol}"
            assert s["frames"] == n, f"{where}: {s['frames']} of {n} frames: {s}"
            assert s["bytes"] == n * W * H * 3, f"{where}: bytes {s['bytes']}: {s}"
            assert s["dropped"] == 0 and s["errors"] == 0, f"{where}: {s}"


def check_pubsub(workdir):
    # PUB/SUB with HWM 1 may drop frames by design; the stream must still end cleanly.
    # (A short sender timeout: check_pubsub_sender_exits_promptly covers how long it lingers.)
    for protocol in ("tcp", "ipc"):
        s = stream(workdir, 2, protocol, send_timeout=2)
        assert 0 < s["frames"] <= N, f"PUB/SUB over {protocol}: {s['frames']} frames: {s}"
        # Gaps in ng_seq are counted as dropped; together never more than were sent.
        assert s["frames"] + s["dropped"] <= N, s
        assert s["bytes"] == s["frames"] * W * H * 3, s
        assert s["errors"] == 0, s


def check_pubsub_sender_exits_promptly(workdir):
    # 200 small frames take milliseconds; once the subscriber has the terminate message the
    # publisher has nothing left worth flushing and must not sit out its whole --timeout.
    recv, ep = ngtest.start_receiver(["--pattern", "2", "-o", "null", "-t", "10"], workdir)
    started = time.monotonic()
    send = ngtest.ngsend(["--pattern", "2", "-s", "test", "--size", f"{W}x{H}", "--fps", "0",
                          "-n", N, "-t", "10", *ep], workdir)
    ngtest.expect_exit(recv, 0, timeout=8)
    ngtest.expect_exit(send, 0, timeout=20)
    took = time.monotonic() - started
    assert took < 4, f"ngsend (PUB/SUB, -t 10) took {took:.1f} s to exit\n" + send.describe()


def check_terminate_ack_is_prompt(workdir):
    # In PAIR and REQ/REP the sender waits for the receiver's acknowledgement of the end of
    # the stream; it is sent at once, so no short stream may wait out the sender's --timeout.
    # Many short runs, because a lost acknowledgement shows up only in some of them.
    for pattern in (0, 1):
        for run in range(30):
            recv, ep = ngtest.start_receiver(["--pattern", pattern, "-o", "null", "-t", "10"],
                                             workdir)
            started = time.monotonic()
            send = ngtest.ngsend(["--pattern", pattern, "-s", "test", "--size", "64x48",
                                  "--fps", "0", "-n", "3", "-t", "4", *ep], workdir)
            ngtest.expect_exit(send, 0, timeout=15)
            took = time.monotonic() - started
            ngtest.expect_exit(recv, 0, timeout=10)
            assert took < 2 and "acknowledge" not in send.stderr(), (
                f"pattern {pattern}, run {run + 1}: ngsend took {took:.1f} s\n" + send.describe())


def check_sender_binds(workdir):
    # --bind/--connect swap the roles: the sender binds and the receiver connects.
    for pattern in (0, 3):
        summary = os.path.join(workdir, f"swapped-{pattern}.json")
        # The sender binds port 0 and says which port that became; the receiver goes there.
        send = ngtest.ngsend(["--pattern", pattern, "--bind", "-a", "127.0.0.1", "-p", "0",
                              "-s", "test", "--size", f"{W}x{H}", "--fps", "0", "-n", N,
                              "-t", "10"], workdir)
        ep = ngtest.endpoint_flags(ngtest.bound_endpoint(send))
        recv = ngtest.ngrecv(["--pattern", pattern, "--connect", *ep, "-o", "null",
                              "--summary", summary, "-t", "10"], workdir)
        ngtest.expect_exit(send, 0, timeout=30)
        ngtest.expect_exit(recv, 0, timeout=8)
        s = ngtest.read_summary(summary)
        assert s["frames"] == N and s["bytes"] == N * W * H * 3, f"pattern {pattern}: {s}"
        assert s["terminated"] is True, s
        assert ngtest.endpoint_flags(s["endpoint"]) == ep, s


if __name__ == "__main__":
    ngtest.main(globals())
