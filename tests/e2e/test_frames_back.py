"""Proves frames go back in bidirectional mode (ngrecv --reply-source, ngsend --reply-output),
pixel-exact and counted, between our tools and with vidgear-style Python peers, and that a
frame back over --max-frame-size is refused and counted."""
import os

import msgpack
import msgpack_numpy
import numpy as np
import zmq

import ngtest
from vgpeer import PythonReceiver, recv_or_fail, socket_for


N = 12
H, W = 36, 52


def reply_images(workdir, count=4):
    """Seeded BGR frames written as an image sequence, the --reply-source; returns
    (pattern path, the frames as BGR arrays)."""
    folder = os.path.join(workdir, "reply")
    os.makedirs(folder)
    frames = []
    for i in range(count):
        rgb = ngtest.seeded_image(40 + i, (H, W, 3))
        ngtest.write_png(os.path.join(folder, f"{i:03d}.png"), rgb)
        frames.append(rgb[..., ::-1])
    return os.path.join(folder, "%03d.png"), frames


def assert_each_is_one_of(got, frames, what):
    for i, frame in enumerate(got):
        assert any(np.array_equal(frame, f) for f in frames), f"{what} {i} is none of the source's"


def check_ngrecv_frames_back_to_ngsend(workdir):
    source, frames = reply_images(workdir)
    for pattern in (0, 1):
        summary_recv = os.path.join(workdir, f"recv{pattern}.json")
        summary_send = os.path.join(workdir, f"send{pattern}.json")
        out = os.path.join(workdir, f"back{pattern}.bgr")
        recv, ep = ngtest.start_receiver(
            ["--pattern", pattern, "--bidirectional", "--reply", "text first", "--reply-source",
             source, "-o", "null", "-t", "10", "--summary", summary_recv], workdir)
        send = ngtest.ngsend(
            ["--pattern", pattern, "--bidirectional", "-s", "test", "--size", "64x48", "--fps",
             "0", "-n", N, "-t", "10", "--reply-output", "raw:-", "--summary", summary_send,
             *ep], workdir, stdout=out)
        ngtest.expect_exit(send, 0, timeout=30)
        ngtest.expect_exit(recv, 0, timeout=10)
        with open(out, "rb") as f:
            got = ngtest.raw_frames(f.read(), W, H)
        sent = ngtest.read_summary(summary_send)
        answered = ngtest.read_summary(summary_recv)
        assert answered["frames"] == N and answered["frames_back"] == N, answered
        assert len(got) == N, f"pattern {pattern}: {len(got)} frames back, expected {N}"
        assert_each_is_one_of(got, frames, "frame back")
        back = sent["frames_back"]
        assert back["frames"] == N and back["written"] == N and back["refused"] == 0, back
        assert back["outputs"][0]["kind"] == "raw" and back["outputs"][0]["written"] == N, back
        assert not back["outputs"][0]["failed"], back
        # The text still comes with every frame; raw:- has stdout, so it goes to stderr.
        lines = [line for line in send.stderr_lines() if line == "text first"]
        assert len(lines) == N, send.describe()


def check_frames_back_to_several_outputs(workdir):
    # Frames back from the test pattern, written to a y4m file and an image sequence at once.
    recv, ep = ngtest.start_receiver(
        ["--bidirectional", "--reply-source", "test", "--reply-size", "80x60", "-o", "null",
         "-t", "10"], workdir)
    folder = os.path.join(workdir, "back")
    os.makedirs(folder)
    summary = os.path.join(workdir, "send.json")
    send = ngtest.ngsend(
        ["--bidirectional", "-s", "test", "--size", "64x48", "--fps", "20", "-n", N, "-t", "10",
         "--reply-output", os.path.join(folder, "%04d.png"), "--reply-output", "null",
         "--summary", summary, *ep], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    ngtest.expect_exit(recv, 0, timeout=10)
    files = sorted(os.listdir(folder))
    assert len(files) == N, f"{len(files)} images back, expected {N}"
    assert ngtest.read_png(os.path.join(folder, files[0])).shape == (60, 80, 3)
    back = ngtest.read_summary(summary)["frames_back"]
    assert back["frames"] == N and [o["written"] for o in back["outputs"]] == [N, N], back


def check_python_receiver_sends_frames_back_to_ngsend(workdir):
    """A vidgear NetGear_Async receiver whose reply queue holds frames: it answers each
    frame with {"return_type": "ndarray", "return_data": None} and the frame, msgpack-numpy
    encoded, as netgear_async.py's recv_generator does."""
    frames = [ngtest.seeded_image(60 + i, (H, W, 3)) for i in range(N)]

    class FrameReplier(PythonReceiver):
        def _loop(self):
            n = 0
            while True:
                header = msgpack.unpackb(recv_or_fail(self.sock, "message from ngsend"))
                if header.get("terminate"):
                    text = f"Client-`{self.RECEIVER_ID}` successfully terminated!"
                    self.sock.send(msgpack.packb(dict(terminated=text)))
                    self.terminated = True
                    return
                self.raw_frames.append(self.sock.recv())
                self.headers.append(header)
                reply = np.ascontiguousarray(frames[n % N])
                n += 1
                self.sock.send(msgpack.packb(dict(return_type=type(reply).__name__,
                                                  return_data=None)), flags=zmq.SNDMORE)
                self.sock.send_multipart([msgpack.packb(reply, default=msgpack_numpy.encode)])

    for pattern in (0, 1):
        receiver = FrameReplier(pattern, bi_mode=True)
        receiver.start()
        out = os.path.join(workdir, f"back{pattern}.bgr")
        summary = os.path.join(workdir, f"send{pattern}.json")
        send = ngtest.ngsend(
            ["--pattern", pattern, "--bidirectional", "-a", "127.0.0.1", "-p", receiver.port,
             "-s", "test", "--size", "64x48", "--fps", "0", "-n", N, "-t", "10",
             "--reply-output", "raw:-", "--summary", summary], workdir, stdout=out)
        try:
            ngtest.expect_exit(send, 0, timeout=30)
            receiver.finish()
        finally:
            send.kill()
        with open(out, "rb") as f:
            got = ngtest.raw_frames(f.read(), W, H)
        assert len(got) == N, f"pattern {pattern}: {len(got)} frames back, expected {N}"
        for i, frame in enumerate(got):
            assert np.array_equal(frame, frames[i]), f"pattern {pattern}: frame back {i} differs"
        back = ngtest.read_summary(summary)["frames_back"]
        assert back["frames"] == N and back["written"] == N, back


def check_python_sender_gets_frames_back_from_ngrecv(workdir):
    """A vidgear NetGear_Async sender reads each answer as netgear_async.py does: recv(),
    and for return_type "ndarray" recv_multipart() of the frame, msgpack-numpy decoded."""
    source, frames = reply_images(workdir)
    for pattern in (0, 1):
        summary = os.path.join(workdir, f"recv{pattern}.json")
        recv, ep = ngtest.start_receiver(
            ["--pattern", pattern, "--bidirectional", "--reply-source", source, "-o", "null",
             "-t", "10", "--summary", summary], workdir)
        sock = socket_for(pattern, sender=True)
        sock.connect(f"tcp://127.0.0.1:{ngtest.port_of(ep)}")
        got = []
        try:
            for i in range(N):
                sock.send(ngtest.vg_header(bi_mode=True), zmq.SNDMORE)
                sock.send(ngtest.vg_frame(ngtest.seeded_image(i, (24, 32, 3))))
                answer = msgpack.unpackb(recv_or_fail(sock, "answer"), use_list=False)
                assert answer == {"return_type": "ndarray", "return_data": None}, answer
                parts = sock.recv_multipart()
                assert len(parts) == 1, f"{len(parts)} frame parts"
                got.append(msgpack.unpackb(parts[0], use_list=False,
                                           object_hook=msgpack_numpy.decode))
            sock.send(ngtest.vg_terminate())
            ack = msgpack.unpackb(recv_or_fail(sock, "terminate acknowledgement"))
            assert ngtest.TERMINATE_ACK.match(ack.get("terminated", "")), ack
        finally:
            sock.close()
        ngtest.expect_exit(recv, 0, timeout=10)
        assert len(got) == N
        for frame in got:
            assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8, type(frame)
        assert_each_is_one_of(got, frames, "frame back")
        assert ngtest.read_summary(summary)["frames_back"] == N


def check_frame_back_over_max_frame_size(workdir):
    # 80x60x3 frames back into an ngsend that takes at most 64x48x3: each is refused and
    # counted, the stream itself goes on to its end, and the exit code says so.
    recv, ep = ngtest.start_receiver(
        ["--pattern", 1, "--bidirectional", "--reply-source", "test", "--reply-size", "80x60",
         "-o", "null", "-t", "10"], workdir)
    summary = os.path.join(workdir, "send.json")
    folder = os.path.join(workdir, "back")
    os.makedirs(folder)
    send = ngtest.ngsend(
        ["--pattern", 1, "--bidirectional", "-s", "test", "--size", "64x48", "--fps", "0", "-n",
         N, "-t", "10", "--max-frame-size", "64x48x3", "--reply-output",
         os.path.join(folder, "%04d.png"), "--summary", summary, *ep], workdir)
    ngtest.expect_exit(send, 1, timeout=30)
    ngtest.expect_exit(recv, 0, timeout=10)
    s = ngtest.read_summary(summary)
    assert s["frames"] == N, s
    back = s["frames_back"]
    assert back["refused"] == N and back["frames"] == 0 and back["written"] == 0, back
    assert back["errors"] == N, back
    assert os.listdir(folder) == [], "a refused frame was written"
    assert "--max-frame-size 80x60x3" in send.stderr(), send.describe()


def check_reply_output_checked_at_start(workdir):
    # A bad output fails before anything is sent, naming it; --reply-output needs the mode.
    send = ngtest.ngsend(["--bidirectional", "-s", "test", "-n", 1, "-t", "2", "--reply-output",
                          "back.xyz"], workdir)
    ngtest.expect_exit(send, 2, timeout=10)
    assert "back.xyz" in send.stderr() and "streaming" not in send.stderr(), send.describe()
    send = ngtest.ngsend(["-s", "test", "-n", 1, "--reply-output", "null"], workdir)
    ngtest.expect_exit(send, 2, timeout=10)
    assert "--bidirectional" in send.stderr(), send.describe()
    recv = ngtest.ngrecv(["--reply-source", "test", "-o", "null"], workdir)
    ngtest.expect_exit(recv, 2, timeout=10)
    assert "--bidirectional" in recv.stderr(), recv.describe()
    recv = ngtest.ngrecv(["--bidirectional", "--reply-source", "/no/such/clip.mp4", "-o",
                          "null"], workdir)
    ngtest.expect_exit(recv, 2, timeout=10)
    assert "/no/such/clip.mp4" in recv.stderr(), recv.describe()


if __name__ == "__main__":
    ngtest.main(globals())
