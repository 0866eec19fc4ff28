"""Python peers of the tests that speak NetGear_Async's wire format as vidgear's own classes do."""
import threading

import msgpack
import zmq

import ngtest

H, W = 36, 52
TIMEOUT_MS = 10000


def python_frames():
    """Seeded frames a Python app could send: BGR, grayscale and BGRA."""
    return [
        ngtest.seeded_image(1, (H, W, 3)),
        ngtest.seeded_image(2, (H, W, 3)),
        ngtest.seeded_image(3, (H, W)),
        ngtest.seeded_image(4, (H, W, 4)),
        ngtest.seeded_image(5, (H, W, 3)),
    ]


def socket_for(pattern, sender):
    kinds = {0: (zmq.PAIR, zmq.PAIR), 1: (zmq.REQ, zmq.REP), 2: (zmq.PUB, zmq.SUB),
             3: (zmq.PUSH, zmq.PULL)}
    s = zmq.Context.instance().socket(kinds[pattern][0 if sender else 1])
    if pattern == 1 and sender:
        # As NetGear_Async's REQ end: a lost reply must not wedge the socket.
        s.setsockopt(zmq.REQ_RELAXED, 1)
        s.setsockopt(zmq.REQ_CORRELATE, 1)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.LINGER, 5000)
    return s


def watch_disconnect(sock):
    """Starts watching `sock` for its connection being dropped (the peer refused it, or
    went away); returns a function that waits for that event, then stops watching. Call
    before the message that should cause it."""
    monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)

    def wait(what, timeout_s=10):
        try:
            if not monitor.poll(int(timeout_s * 1000)):
                raise AssertionError(f"the connection was not dropped within {timeout_s} s "
                                     f"after {what}")
        finally:
            sock.disable_monitor()
            monitor.close(linger=0)
    return wait


def connect(pattern, port, reconnect=True):
    """A vidgear-style sender socket connected to 127.0.0.1:`port`. reconnect=False: once
    the peer drops the connection, it stays dropped (no second attempt takes a PAIR's
    only place)."""
    sock = socket_for(pattern, sender=True)
    if not reconnect:
        sock.setsockopt(zmq.RECONNECT_IVL, -1)
    sock.connect(f"tcp://127.0.0.1:{port}")
    return sock


def recv_or_fail(sock, what):
    try:
        return sock.recv()
    except zmq.Again:
        raise AssertionError(f"no {what} within {TIMEOUT_MS} ms")


def python_send(pattern, port, frames, bi_mode=False, data=""):
    """Sends frames as a vidgear NetGear_Async server does; returns (answers, terminate ack)."""
    sock = connect(pattern, port)
    answers = []
    try:
        for frame in frames:
            sock.send(ngtest.vg_header(bi_mode=bi_mode, data=data), zmq.SNDMORE)
            sock.send(ngtest.vg_frame(frame))
            if pattern < 2:
                answers.append(recv_or_fail(sock, "answer to a frame"))
        sock.send(ngtest.vg_terminate())
        ack = None
        if pattern < 2:
            ack = msgpack.unpackb(recv_or_fail(sock, "terminate acknowledgement"))
        return answers, ack
    finally:
        sock.close()


class PythonReceiver(threading.Thread):
    """A vidgear-style NetGear_Async client: binds, answers each frame, acks terminate."""

    RECEIVER_ID = "PY7E2E01"

    def __init__(self, pattern, bi_mode=False, reply=None):
        super().__init__(daemon=True)
        self.pattern, self.bi_mode, self.reply = pattern, bi_mode, reply
        self.sock = socket_for(pattern, sender=False)
        if pattern == 2:
            self.sock.setsockopt(zmq.SUBSCRIBE, b"")
        self.port = self.sock.bind_to_random_port("tcp://127.0.0.1")
        self.headers, self.raw_frames, self.error, self.terminated = [], [], None, False

    def run(self):
        try:
            self._loop()
        except Exception as e:  # reported by the test thread
            self.error = e
        finally:
            self.sock.close()

    def _loop(self):
        while True:
            header = msgpack.unpackb(recv_or_fail(self.sock, "message from ngsend"))
            if header.get("terminate"):
                if self.sock.getsockopt(zmq.RCVMORE):
                    raise AssertionError("terminate message has more than one part")
                if self.pattern < 2:
                    text = f"Client-`{self.RECEIVER_ID}` successfully terminated!"
                    self.sock.send(msgpack.packb(dict(terminated=text)))
                self.terminated = True
                return
            if not self.sock.getsockopt(zmq.RCVMORE):
                raise AssertionError(f"frame header without a frame part: {header!r}")
            frame = self.sock.recv()
            if self.sock.getsockopt(zmq.RCVMORE):
                raise AssertionError("frame message has more than two parts")
            self.headers.append(header)
            self.raw_frames.append(frame)
            if self.pattern < 2:
                if self.bi_mode:
                    self.sock.send(msgpack.packb(dict(return_type="str",
                                                      return_data=self.reply(len(self.headers)))))
                else:
                    self.sock.send(f"Data received on client: {self.RECEIVER_ID} !".encode())

    def finish(self, timeout=15):
        self.join(timeout)
        assert not self.is_alive(), "Python receiver still waiting"
        if self.error:
            raise self.error
        assert self.terminated, "Python receiver never got the terminate message"
