"""Proves bidirectional mode carries text both ways, between our tools and with Python peers, and refuses a mode mismatch."""
import time

import msgpack
import zmq

import ngtest
from vgpeer import PythonReceiver, socket_for, recv_or_fail, python_frames

N = 10


def check_fixed_reply_both_ways(workdir):
    for pattern in (0, 1):
        recv, ep = ngtest.start_receiver(["--pattern", pattern, "--bidirectional", "--reply",
                                          "hi from receiver", "-o", "null", "-t", "10"], workdir)
        send = ngtest.ngsend(["--pattern", pattern, "--bidirectional", "--message",
                              "hello from sender", "-s", "test", "--size", "64x48", "--fps", "0",
                              "-n", N, "-t", "5", *ep], workdir)
        ngtest.expect_exit(send, 0, timeout=20)
        ngtest.expect_exit(recv, 0, timeout=10)
        assert send.stdout_lines() == ["hi from receiver"] * N, (
            f"pattern {pattern}: ngsend stdout {send.stdout_lines()}\n" + send.describe())
        assert recv.stdout_lines() == ["hello from sender"] * N, (
            f"pattern {pattern}: ngrecv stdout {recv.stdout_lines()}\n" + recv.describe())


def check_reply_stdin(workdir):
    recv, ep = ngtest.start_receiver(["--bidirectional", "--reply-stdin", "-o", "null",
                                      "-t", "10"], workdir, stdin="pipe")
    lines = ["first reply", "second reply", "third reply"]
    recv.write_stdin("".join(l + "\n" for l in lines))
    # The lines must be queued before the first frame asks for one.
    ngtest.wait_stdin_drained(recv)
    send = ngtest.ngsend(["--bidirectional", "-s", "test", "--size", "64x48", "--fps", "20",
                          "-n", N, "-t", "5", *ep], workdir)
    ngtest.expect_exit(send, 0, timeout=20)
    ngtest.expect_exit(recv, 0, timeout=10)
    # One queued line per frame, in order; frames after that get no reply text.
    assert send.stdout_lines() == lines, f"ngsend stdout {send.stdout_lines()}\n" + send.describe()


def check_ngsend_with_python_bidirectional_receiver(workdir):
    for pattern in (0, 1):
        receiver = PythonReceiver(pattern, bi_mode=True, reply=lambda n: f"python reply {n}")
        receiver.start()
        send = ngtest.ngsend(["--pattern", pattern, "--bidirectional", "--message", "from ngsend",
                              "-a", "127.0.0.1", "-p", receiver.port, "-s", "test", "--size",
                              "64x48", "--fps", "0", "-n", N, "-t", "5"], workdir)
        try:
            ngtest.expect_exit(send, 0, timeout=20)
            receiver.finish()
        finally:
            send.kill()
        assert len(receiver.headers) == N
        for h in receiver.headers:
            assert h["bi_mode"] is True and h["data"] == "from ngsend", h
        expected = [f"python reply {i}" for i in range(1, N + 1)]
        assert send.stdout_lines() == expected, f"ngsend stdout {send.stdout_lines()}"


def check_python_bidirectional_sender_to_ngrecv(workdir):
    frames = python_frames()
    for pattern in (0, 1):
        recv, ep = ngtest.start_receiver(["--pattern", pattern, "--bidirectional", "--reply",
                                          "X marks", "-o", "null", "-t", "10"], workdir)
        sock = socket_for(pattern, sender=True)
        sock.connect(f"tcp://127.0.0.1:{ngtest.port_of(ep)}")
        try:
            for frame in frames:
                sock.send(ngtest.vg_header(bi_mode=True, data="text from python"), zmq.SNDMORE)
                sock.send(ngtest.vg_frame(frame))
                answer = msgpack.unpackb(recv_or_fail(sock, "bidirectional answer"))
                assert answer == {"return_type": "str", "return_data": "X marks"}, answer
                assert not sock.getsockopt(zmq.RCVMORE), "text answer has a second part"
            sock.send(ngtest.vg_terminate())
            ack = msgpack.unpackb(recv_or_fail(sock, "terminate acknowledgement"))
            assert ngtest.TERMINATE_ACK.match(ack.get("terminated", "")), ack
        finally:
            sock.close()
        ngtest.expect_exit(recv, 0, timeout=10)
        assert recv.stdout_lines() == ["text from python"] * len(frames), recv.stdout_lines()


def check_mode_mismatch(workdir):
    # Either end without --bidirectional: the receiver names the problem and fails.
    for recv_bi, send_bi in ((True, False), (False, True)):
        recv, ep = ngtest.start_receiver(["-o", "null", "-t", "3"]
                                         + (["--bidirectional"] if recv_bi else []), workdir)
        started = time.monotonic()
        send = ngtest.ngsend(["-s", "test", "--size", "64x48", "--fps", "0", "-n", "5", "-t", "3",
                              *ep] + (["--bidirectional"] if send_bi else []), workdir)
        ngtest.expect_exit(recv, 1, timeout=10)
        # NetGear_Async's words, naming the end where the mode is off (the reference names
        # the wrong end when the receiver has it on).
        off_end = "sender (server)" if recv_bi else "receiver (client)"
        assert f"bidirectional mode is not active on the {off_end} end" in recv.stderr(), \
            recv.describe()
        # The receiver's answer tells the sender why (ng_refused): it fails at once, naming
        # the end to change.
        rc = send.wait(timeout=10)
        assert rc == 1, f"sender exited {rc}, expected 1\n" + send.describe()
        fix = "start ngsend with --bidirectional" if recv_bi else "start ngrecv with --bidirectional"
        assert fix in send.stderr_lines()[-1], send.describe()
        assert time.monotonic() - started < 3, "sender did not stop at once"


if __name__ == "__main__":
    ngtest.main(globals())
