"""--compression jpeg end to end: every pattern, picture quality, .jpg passthrough, corrupt
payloads, and the refusal of a peer that cannot decode JPEG."""
import glob
import os

import msgpack
import numpy as np
import zmq

import ngtest
from vgpeer import PythonReceiver, connect

SIZE = (640, 480)
FRAME_BYTES = SIZE[0] * SIZE[1] * 3


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def raw_frames(path, frame_bytes=FRAME_BYTES):
    data = np.fromfile(path, dtype=np.uint8)
    assert data.size % frame_bytes == 0, f"{path}: {data.size} bytes is not whole frames"
    return data.reshape(-1, frame_bytes)


def stream_raw(workdir, name, n, send_extra, size=SIZE):
    """ngsend -s test into ngrecv -o raw:-, n frames; returns (frames, recv summary)."""
    out = os.path.join(workdir, f"{name}.bgr")
    summary = os.path.join(workdir, f"{name}.json")
    recv, ep = ngtest.start_receiver(["--pattern", 3, "-o", "raw:-", "--summary", summary,
                                      "-t", "10"], workdir, stdout=out)
    send = ngtest.ngsend(["--pattern", 3, "-s", "test", "--size", "%dx%d" % size,
                          "--fps", "0", "-n", n, "-t", "10", *send_extra, *ep], workdir)
    ngtest.expect_exit(send, 0)
    ngtest.expect_exit(recv, 0)
    return raw_frames(out, size[0] * size[1] * 3), ngtest.read_summary(summary)


def mean_psnr(got, reference):
    assert len(got) == len(reference), (len(got), len(reference))
    return float(np.mean([psnr(a, b) for a, b in zip(got, reference)]))


def check_quality_against_raw_frames(workdir):
    # The test pattern is the same at any pace, so a raw stream gives the reference frames.
    n = 20
    reference, _ = stream_raw(workdir, "raw", n, [])
    # The defaults (quality 90, 4:2:0): the colour bars' edges lose most to the halved
    # chroma, which caps PSNR near 35.5 dB at any quality.
    got, summary = stream_raw(workdir, "default", n, ["--compression", "jpeg"])
    assert summary["errors"] == 0 and mean_psnr(got, reference) >= 35.0, (
        f"quality 90, 4:2:0: PSNR {mean_psnr(got, reference):.1f} dB")
    # Full chroma shows what the quality setting itself does.
    floors = {50: 38.0, 90: 50.0, 100: 55.0}
    sizes, quality_psnr = {}, {}
    for quality, floor in floors.items():
        got, summary = stream_raw(workdir, f"q{quality}", n,
                                  ["--compression", "jpeg", "--jpeg-quality", quality,
                                   "--jpeg-subsampling", "444"])
        assert summary["errors"] == 0, summary
        quality_psnr[quality] = mean_psnr(got, reference)
        assert quality_psnr[quality] >= floor, f"quality {quality}: {quality_psnr}"
        sizes[quality] = summary["bytes"] / n
        assert sizes[quality] < FRAME_BYTES / 4, f"quality {quality}: {sizes[quality]} B/frame"
    assert sizes[50] < sizes[90] < sizes[100], f"bytes per frame by quality: {sizes}"
    assert quality_psnr[50] < quality_psnr[90] < quality_psnr[100], quality_psnr


def check_parallel_encoders_keep_capture_order(workdir):
    # Three encoders at once: frame i still arrives as frame i, with no gap and no
    # sequence number going back (the receiver would log a sender restart).
    n = 40
    reference, _ = stream_raw(workdir, "raw-order", n, [])
    got, summary = stream_raw(workdir, "threads3", n,
                              ["--compression", "jpeg", "--jpeg-threads", 3,
                               "--jpeg-subsampling", "444"])
    assert summary["frames"] == n and summary["dropped"] == 0, summary
    for i, frame in enumerate(got):
        own = psnr(frame, reference[i])
        neighbours = [psnr(frame, reference[j]) for j in (i - 1, i + 1) if 0 <= j < n]
        assert own >= 45.0 and all(own > other for other in neighbours), (
            f"frame {i}: {own:.1f} dB against its own raw frame, {neighbours} against "
            "its neighbours")


def check_odd_size_and_options(workdir):
    size = (641, 479)
    reference, _ = stream_raw(workdir, "raw", 5, [], size=size)
    for extra, floor in ((["--jpeg-subsampling", "444"], 45.0),
                         (["--jpeg-subsampling", "422", "--jpeg-fast"], 31.0)):
        got, summary = stream_raw(workdir, "jpeg" + extra[1], 5,
                                  ["--compression", "jpeg", *extra], size=size)
        assert (summary["width"], summary["height"]) == size, summary
        assert mean_psnr(got, reference) >= floor, (
            f"{extra}: PSNR {mean_psnr(got, reference):.1f} dB")


def check_every_pattern_carries_jpeg(workdir):
    n = 120
    for pattern in (0, 1, 2, 3):
        summary = os.path.join(workdir, f"recv{pattern}.json")
        recv, ep = ngtest.start_receiver(["--pattern", pattern, "-o", "null", "--summary",
                                          summary, "-t", "10"], workdir)
        send = ngtest.ngsend(["--pattern", pattern, "-s", "test", "--compression", "jpeg",
                              "--fps", "200" if pattern == 2 else "0", "-n", n, "-t", "10",
                              *ep], workdir)
        ngtest.expect_exit(send, 0)
        ngtest.expect_exit(recv, 0)
        s = ngtest.read_summary(summary)
        assert s["terminated"] and s["errors"] == 0, (pattern, s)
        # PUB/SUB may lose frames while the subscription settles; the others lose none.
        assert s["frames"] == n if pattern != 2 else s["frames"] > n // 2, (pattern, s)
        assert s["bytes"] < s["frames"] * FRAME_BYTES / 10, (pattern, s)


def jpeg_header(seq):
    return msgpack.packb(dict(terminate=False, bi_mode=False, data="", ng_seq=seq,
                              ng_codec="jpeg"))


def byte_array(payload):
    return ngtest.vg_frame(np.frombuffer(payload, dtype=np.uint8))


def send_jpeg_frames(port, payloads):
    """Sends JPEG payloads as ngsend frames them (PUSH), then the terminate message."""
    sock = connect(3, port)
    try:
        for seq, payload in enumerate(payloads):
            sock.send(jpeg_header(seq), zmq.SNDMORE)
            sock.send(byte_array(payload))
        sock.send(ngtest.vg_terminate())
    finally:
        sock.close()


def capture_jpeg_payloads(workdir, n):
    """The JPEG streams ngsend sends for n test-pattern frames, as a Python peer sees them."""
    peer = PythonReceiver(3)
    peer.start()
    send = ngtest.ngsend(["--pattern", 3, "-s", "test", "--compression", "jpeg", "--fps", "0",
                          "-n", n, "-a", "127.0.0.1", "-p", peer.port], workdir)
    ngtest.expect_exit(send, 0)
    peer.finish()
    assert all(h.get("ng_codec") == "jpeg" for h in peer.headers), peer.headers[:2]
    arrays = [ngtest.vg_decode_frame(f) for f in peer.raw_frames]
    # A vidgear peer gets each JPEG as a 1-D uint8 array (cv2.imdecode reads it).
    assert all(a.dtype == np.uint8 and a.ndim == 1 for a in arrays)
    payloads = [a.tobytes() for a in arrays]
    assert all(p[:2] == b"\xff\xd8" and p[-2:] == b"\xff\xd9" for p in payloads)
    return payloads


def check_jpg_output_keeps_the_received_bytes(workdir):
    payloads = capture_jpeg_payloads(workdir, 8)
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", 3, "-t", "10", "-o",
                                      os.path.join(workdir, "f_%04d.jpg"), "--summary", summary],
                                     workdir)
    send_jpeg_frames(ngtest.port_of(ep), payloads)
    ngtest.expect_exit(recv, 0)
    files = sorted(glob.glob(os.path.join(workdir, "f_*.jpg")))
    assert len(files) == len(payloads), files
    for path, payload in zip(files, payloads):
        with open(path, "rb") as f:
            assert f.read() == payload, f"{path} differs from the JPEG that was sent"


def check_corrupt_jpeg_is_counted_and_skipped(workdir):
    good = capture_jpeg_payloads(workdir, 3)
    truncated = good[1][: len(good[1]) // 2]  # a valid header, half a picture
    garbage = bytes(range(256)) * 8  # not JPEG at all
    summary = os.path.join(workdir, "recv.json")
    out = os.path.join(workdir, "out.bgr")
    recv, ep = ngtest.start_receiver(["--pattern", 3, "-t", "10", "-o", "raw:-",
                                      "--summary", summary], workdir, stdout=out)
    send_jpeg_frames(ngtest.port_of(ep), [good[0], garbage, truncated, good[2]])
    ngtest.expect_exit(recv, 0)
    s = ngtest.read_summary(summary)
    # The garbage is refused on receipt; the truncated stream fails when decoded.
    assert s["errors"] == 2 and s["frames_written"] == 2, s
    assert len(raw_frames(out)) == 2
    log = recv.stderr()
    assert "bad JPEG frame" in log and "does not decode" in log, log


def check_vidgear_receiver_in_bidirectional_mode_is_refused(workdir):
    # vidgear's NetGear_Async would hand its user a byte array: ngsend stops and says why.
    peer = PythonReceiver(0, bi_mode=True, reply=lambda i: f"got {i}")
    peer.start()
    send = ngtest.ngsend(["--pattern", 0, "--bidirectional", "-s", "test", "--compression",
                          "jpeg", "-n", 20, "--fps", "0", "-t", "5", "-a", "127.0.0.1",
                          "-p", peer.port], workdir)
    ngtest.expect_exit(send, 1)
    err = send.stderr()
    assert "cannot decode --compression jpeg" in err and "--compression none" in err, err


def check_bidirectional_jpeg_between_ngsend_and_ngrecv(workdir):
    recv, ep = ngtest.start_receiver(["--pattern", 1, "--bidirectional", "--reply", "ok",
                                      "-o", "null", "-t", "10"], workdir)
    send = ngtest.ngsend(["--pattern", 1, "--bidirectional", "-s", "test", "--compression",
                          "jpeg", "-n", 10, "--fps", "0", "-t", "10", *ep], workdir)
    ngtest.expect_exit(send, 0)
    ngtest.expect_exit(recv, 0)
    assert send.stdout_lines() == ["ok"] * 10, send.describe()


def check_jpeg_tuning_without_compression_is_a_usage_error(workdir):
    for flags in (["--jpeg-quality", "80"], ["--jpeg-fast"], ["--jpeg-subsampling", "444"],
                  ["--jpeg-threads", "2"]):
        r = ngtest.run([ngtest.NGSEND, "-s", "test", "-n", 1, *flags])
        assert r.returncode == 2 and "--compression jpeg" in r.stderr, (flags, r.stderr)
    r = ngtest.run([ngtest.NGSEND, "--compression", "jpeg", "--jpeg-quality", "101"])
    assert r.returncode == 2 and "jpeg-quality" in r.stderr, r.stderr
    r = ngtest.run([ngtest.NGSEND, "--compression", "jpeg", "--jpeg-threads", "-1"])
    assert r.returncode == 2 and "jpeg-threads" in r.stderr, r.stderr


if __name__ == "__main__":
    ngtest.main(globals())
