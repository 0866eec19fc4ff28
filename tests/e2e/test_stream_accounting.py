"""Proves nothing is lost in silence: PUB/SUB's lost tail is counted (ng_last_seq), frames over --max-frame-size are refused, counted and told to the sender (ng_refused), and ngrecv tells ngsend why it stops (ng_stop), so ngsend ends at once."""
import time

import msgpack
import zmq

import ngtest
from vgpeer import connect

SMALL = ["--size", "160x120"]


def start_receiver(workdir, args):
    summary = f"{workdir}/recv-{time.monotonic_ns()}.json"
    recv, ep = ngtest.start_receiver(["-o", "null", "--summary", summary, *args], workdir)
    return recv, ep, summary


def run_sender(workdir, ep, args):
    summary = f"{workdir}/send-{time.monotonic_ns()}.json"
    send = ngtest.ngsend(["--summary", summary, *args, *ep], workdir)
    return send, summary


def check_pubsub_tail_is_counted(workdir):
    # PUB keeps one frame queued and drops the rest: most of an unpaced stream is lost,
    # its tail included. The terminate's ng_last_seq lets ngrecv count that tail.
    for size in ("640x480", "1280x720"):
        recv, ep, rsum = start_receiver(workdir, ["--pattern", "2", "-t", "10"])
        send, ssum = run_sender(workdir, ep, ["--pattern", "2", "-n", "60", "--fps", "0",
                                              "--size", size, "-t", "10"])
        ngtest.expect_exit(send, 0, timeout=20)
        ngtest.expect_exit(recv, 0, timeout=10)
        r, s = ngtest.read_summary(rsum), ngtest.read_summary(ssum)
        assert s["frames"] == 60, s
        assert r["terminated"] is True, r
        assert r["frames"] + r["dropped"] == 60, f"{size}: {r}\n" + recv.describe()
        assert r["dropped_in_transit"] == r["dropped"], r


def check_terminate_last_seq_counts_exact_tail(workdir):
    # A sender that says its last frame was 9 after 5 frames arrived: 5 more were lost.
    recv, ep, rsum = start_receiver(workdir, ["--pattern", "3", "-t", "10"])
    sock = connect(3, ngtest.port_of(ep))
    try:
        for seq in range(5):
            header = msgpack.packb({"terminate": False, "bi_mode": False, "data": "",
                                    "ng_seq": seq, "ng_capture_us": int(time.time() * 1e6)})
            sock.send(header, zmq.SNDMORE)
            sock.send(ngtest.vg_frame(ngtest.seeded_image(seq, (24, 32, 3))))
        sock.send(msgpack.packb({"terminate": True, "ng_last_seq": 9}))
    finally:
        sock.close(linger=1000)
    ngtest.expect_exit(recv, 0, timeout=15)
    r = ngtest.read_summary(rsum)
    assert r["frames"] == 5 and r["dropped"] == 5 and r["dropped_in_transit"] == 5, r


def check_frames_over_max_frame_size_are_refused_and_told(workdir):
    # The case: 1000x1000x3 frames into a receiver that takes at most 640x480x3.
    for pattern in ("0", "1", "2", "3"):
        recv, ep, rsum = start_receiver(workdir, ["--pattern", pattern, "-t", "10",
                                                  "--max-frame-size", "640x480x3"])
        started = time.monotonic()
        send, ssum = run_sender(workdir, ep, ["--pattern", pattern, "--size", "1000x1000",
                                              "-n", "5", "-t", "10"])
        answered = pattern in ("0", "1")
        # Patterns 0 and 1 answer each frame, so ngsend learns of the refusal and fails at
        # once with the receiver's reason; in 2 and 3 it cannot know.
        ngtest.expect_exit(send, 1 if answered else 0, timeout=20)
        ngtest.expect_exit(recv, 1, timeout=15)
        r, s = ngtest.read_summary(rsum), ngtest.read_summary(ssum)
        assert r["errors"] >= 1 and r["frames"] == 0, f"pattern {pattern}: {r}"
        assert r["frames"] + r["dropped"] == s["frames"], (pattern, r, s)
        assert r["dropped_refused"] == r["errors"], r
        assert "--max-frame-size 1000x1000x3" in recv.stderr(), recv.describe()
        assert "921600 bytes" in recv.stderr(), recv.describe()
        if answered:
            assert time.monotonic() - started < 8, "ngsend waited for its timeout"
            assert s["errors"] >= 1, s
            err = send.stderr()
            assert "refused" in err and "--max-frame-size 1000x1000x3" in err \
                and "921600 bytes" in err, send.describe()


def check_sender_cut_off_is_counted(workdir):
    # A frame far over the limit is not even read: libzmq drops it with its connection,
    # and the sender's libzmq reconnects at once. ngrecv counts that as an error.
    for pattern in ("3", "0"):
        recv, ep, rsum = start_receiver(workdir, ["--pattern", pattern, "-t", "10",
                                                  "--max-frame-size", "64x64x3"])
        send, ssum = run_sender(workdir, ep, ["--pattern", pattern, "--size", "3000x2000",
                                              "-n", "3", "-t", "10"])
        send.wait(timeout=30)  # it cannot tell: its frames were cut off, not answered
        ngtest.expect_exit(recv, 1, timeout=15)
        r, s = ngtest.read_summary(rsum), ngtest.read_summary(ssum)
        assert r["errors"] >= 1 and r["cut_off"] >= 1, f"pattern {pattern}: {r}"
        assert r["frames"] == 0 and r["frames"] + r["dropped"] == s["frames"], (r, s)
        assert "was cut off" in recv.stderr() and "--max-frame-size" in recv.stderr(), \
            recv.describe()


def check_receiver_frames_limit_ends_sender(workdir):
    for pattern in ("0", "1"):
        recv, ep, rsum = start_receiver(workdir, ["--pattern", pattern, "-n", "20", "-t", "10"])
        started = time.monotonic()
        send, ssum = run_sender(workdir, ep, ["--pattern", pattern, "--fps", "0", *SMALL,
                                              "-n", "1000", "-t", "10"])
        ngtest.expect_exit(send, 0, timeout=20)
        elapsed = time.monotonic() - started
        ngtest.expect_exit(recv, 0, timeout=10)
        assert elapsed < 5, f"pattern {pattern}: ngsend took {elapsed:.1f} s\n" + send.describe()
        assert "reached its --frames 20" in send.stderr(), send.describe()
        r, s = ngtest.read_summary(rsum), ngtest.read_summary(ssum)
        assert r["frames"] == 20 and r["errors"] == 0, r
        # PAIR has a few frames in flight when the answer comes: those stay unanswered.
        assert s["frames"] - s["unanswered"] == 20, s


def check_mode_mismatch_ends_sender_at_once(workdir):
    for pattern in ("0", "1"):
        for recv_bi, fix in ((True, "start ngsend with --bidirectional"),
                             (False, "start ngrecv with --bidirectional")):
            recv, ep, _ = start_receiver(workdir, ["--pattern", pattern, "-t", "10",
                                                   *(["--bidirectional"] if recv_bi else [])])
            started = time.monotonic()
            send, _ = run_sender(workdir, ep, ["--pattern", pattern, *SMALL, "-n", "50",
                                               "-t", "10",
                                               *([] if recv_bi else ["--bidirectional"])])
            ngtest.expect_exit(send, 1, timeout=20)
            elapsed = time.monotonic() - started
            ngtest.expect_exit(recv, 1, timeout=10)
            assert elapsed < 5, f"ngsend took {elapsed:.1f} s\n" + send.describe()
            assert fix in send.stderr(), send.describe()


def check_notices_keep_vidgear_answer_forms(workdir):
    # What a vidgear sender gets from ngrecv -n 2: one single-part answer per frame; in
    # bidirectional mode its reply map with ng_stop added, otherwise a map without
    # return_type in place of the plain text (vidgear only logs that one).
    for pattern in (0, 1):
        for bi in (False, True):
            recv, ep, _ = start_receiver(workdir, ["--pattern", str(pattern), "-n", "2",
                                                   "-t", "10",
                                                   *(["--bidirectional"] if bi else [])])
            sock = connect(pattern, ngtest.port_of(ep))
            answers = []
            try:
                for i in range(2):
                    sock.send(ngtest.vg_header(bi_mode=bi), zmq.SNDMORE)
                    sock.send(ngtest.vg_frame(ngtest.seeded_image(i, (24, 32, 3))))
                    answers.append(sock.recv())
                    assert not sock.getsockopt(zmq.RCVMORE), "an answer of more than one part"
            finally:
                sock.close(linger=0)
            ngtest.expect_exit(recv, 0, timeout=10)
            where = f"pattern {pattern}, bidirectional {bi}"
            last = msgpack.unpackb(answers[1])
            assert last.get("ng_stop") == "it reached its --frames 2", (where, last)
            if bi:
                first = msgpack.unpackb(answers[0])
                assert first == {"return_type": "NoneType", "return_data": ""}, (where, first)
                assert last["return_type"] == "NoneType" and last["return_data"] == "", last
            else:
                assert ngtest.PLAIN_ACK.match(answers[0].decode()), (where, answers[0])
                assert "return_type" not in last, (where, last)


if __name__ == "__main__":
    ngtest.main(globals())
