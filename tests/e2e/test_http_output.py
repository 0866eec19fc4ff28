"""ngrecv -o http://HOST:PORT: a real browser shows the stream, the protocol is right, a stalled viewer harms no one, and hostile requests neither crash nor leak."""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import ngtest

W, H = 320, 240
# The test pattern's 75% colour bars, left to right, as RGB (the PNG's order), black left out.
BARS_RGB = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191),
            (191, 0, 0), (0, 0, 191)]


def require_plugin():
    plugin = os.path.join(os.environ.get("NG_PLUGIN_DIR", ""), "libng_http_server.so")
    if not os.path.exists(plugin):
        raise ngtest.Skip(f"{plugin} was not built (cpp-httplib missing: scripts/install-deps)")


def start(workdir, args=(), sender_args=(), frames=100000, fps=20, size=f"{W}x{H}", env=None):
    """ngrecv with an HTTP output on 127.0.0.1, a free port, and an ngsend test pattern
    streaming into it (PUSH/PULL). Returns (recv, send, (host, port))."""
    require_plugin()
    recv, ep = ngtest.start_receiver(["--pattern", "3", "-t", "0", "-o", "http://127.0.0.1:0",
                                      *args], workdir, env=env)
    url = recv.wait_for_stderr(r"http output on http://(127\.0\.0\.1):(\d+)").groups()
    send = None
    if frames:
        send = ngtest.ngsend(["--pattern", "3", "-s", "test", "--size", size, "--fps", fps,
                              "-n", frames, "--name", "cam", "-t", "0", *sender_args, *ep],
                             workdir)
    return recv, send, (url[0], int(url[1]))


def get(address, path, headers=None, timeout=10):
    """(status, headers dict in lower case, body) of one GET."""
    conn = http.client.HTTPConnection(*address, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def wait_for_frame(address, query=""):
    def ready():
        return get(address, "/snapshot.jpg" + query)[0] == 200
    ngtest.wait_until(ready, 15, "a first frame on /snapshot.jpg")


class Mjpeg:
    """One viewer of /stream.mjpg, reading its parts with http.client."""

    def __init__(self, address, path="/stream.mjpg", timeout=10):
        self.conn = http.client.HTTPConnection(*address, timeout=timeout)
        self.conn.request("GET", path)
        self.res = self.conn.getresponse()
        self.status = self.res.status
        ctype = self.res.getheader("Content-Type", "")
        m = re.fullmatch(r"multipart/x-mixed-replace; ?boundary=(\S+)", ctype)
        self.boundary = m.group(1).encode() if m else None
        self.ctype = ctype

    def part(self):
        """(headers, jpeg bytes) of the next part, checking the framing on the way."""
        line = self.res.readline()
        if line == b"\r\n":  # the end of the previous part
            line = self.res.readline()
        assert line == b"--" + self.boundary + b"\r\n", f"not a boundary line: {line[:80]!r}"
        headers = {}
        while True:
            line = self.res.readline()
            assert line, "the stream ended inside a part's headers"
            if line == b"\r\n":
                break
            name, value = line.decode().split(":", 1)
            headers[name.strip().lower()] = value.strip()
        assert headers.get("content-type") == "image/jpeg", headers
        body = self.res.read(int(headers["content-length"]))
        assert len(body) == int(headers["content-length"])
        return headers, body

    def close(self):
        self.res.close()
        self.conn.close()


def decode(jpeg):
    import cv2
    import numpy as np
    img = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert img is not None, "a part does not decode as JPEG"
    return img


def first_quantizer(jpeg):
    """The first value of the JPEG's first quantization table: small for a high quality."""
    at = jpeg.index(b"\xff\xdb")
    return jpeg[at + 5]


def finish(recv, send):
    if send:
        send.kill()
    recv.send_signal(2)
    ngtest.expect_exit(recv, 0, timeout=20)


# ---------------------------------------------------------------- a real browser

def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise ngtest.Skip("chromium is not installed (scripts/install-deps installs it)")


def browse(browser, workdir, url, *args):
    out = ngtest.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                      "--hide-scrollbars", f"--user-data-dir={workdir}/chromium",
                      "--window-size=800,600", *args, url], timeout=45, cwd=workdir)
    return out


def check_browser_shows_the_stream(workdir):
    browser = chromium()
    recv, send, address = start(workdir)
    url = f"http://{address[0]}:{address[1]}/"
    try:
        wait_for_frame(address)
        before = json.loads(get(address, "/stats.json")[2])["frames"]
        # One browser run (each start costs seconds): a screenshot and the DOM at the end.
        shot = os.path.join(workdir, "page.png")
        dom = browse(browser, workdir, url, f"--screenshot={shot}", "--dump-dom",
                     "--virtual-time-budget=3000").stdout
        assert os.path.exists(shot), "chromium took no screenshot"
        img = ngtest.read_png(shot)[:, :, :3].astype(int)
        # The bars' rows, below the frame counter and the box: the lower half of the rows
        # where cyan (found nowhere else in the pattern) shows.
        cyan_rows = (abs(img - BARS_RGB[2]).max(axis=2) < 40).any(axis=1).nonzero()[0]
        assert len(cyan_rows) > H // 4, "no picture on the page"
        bars = img[(cyan_rows[0] + cyan_rows[-1]) // 2:cyan_rows[-1]]
        # Each bar's colour covers a block of the picture, in the pattern's order.
        centres = []
        for rgb in BARS_RGB:
            near = (abs(bars - rgb).max(axis=2) < 40)
            ys, xs = near.nonzero()
            assert len(xs) > (W // 8) * (H // 8), \
                f"bar {rgb} is not on the page ({len(xs)} pixels like it)"
            centres.append(xs.mean())
        assert centres == sorted(centres), f"the bars are out of order: {centres}"
        # The stats text was filled from /stats.json by the page, with figures newer than
        # those before the browser started (its virtual clock may poll faster than the
        # figures change, so one update is all that is sure).
        m = re.search(r'data-updates="(\d+)"', dom)
        assert m and int(m.group(1)) >= 1, "the figures were not shown:\n" + dom[-2000:]
        shown = int(re.search(r"frames (\d+) ", dom).group(1))
        assert shown > before, f"the page shows {shown} frames, {before} before it loaded"
        assert f"cam  {W}x{H}" in dom, "the sender's name and size are not shown:\n" + dom[-2000:]
    finally:
        finish(recv, send)


def check_waiting_page_before_a_sender(workdir):
    recv, _, address = start(workdir, frames=0)
    try:
        status, headers, body = get(address, "/")
        assert status == 200 and headers["content-type"].startswith("text/html"), headers
        assert b"waiting for a sender" in body
        status, headers, body = get(address, "/snapshot.jpg")
        assert status == 503, (status, body)
        stats = json.loads(get(address, "/stats.json")[2])
        assert stats.get("senders", {}) == {}, stats
    finally:
        finish(recv, None)


# ---------------------------------------------------------------- protocol

def check_raw_stream_is_encoded_at_the_asked_quality(workdir):
    recv, send, address = start(workdir, ["--http-quality", "10"])
    try:
        wait_for_frame(address)
        viewer = Mjpeg(address)
        assert viewer.status == 200 and viewer.boundary, viewer.ctype
        seqs = []
        for _ in range(5):
            headers, jpeg = viewer.part()
            assert decode(jpeg).shape == (H, W, 3)
            assert first_quantizer(jpeg) > 20, "not encoded at --http-quality 10"
            seqs.append(int(headers["x-frame-seq"]))
        viewer.close()
        assert seqs == sorted(set(seqs)), f"frames out of order or repeated: {seqs}"
        status, headers, jpeg = get(address, "/snapshot.jpg")
        assert int(headers["x-frame-seq"]) >= seqs[-1], (headers, seqs)
        # A second sender, JPEG and smaller: one output serves both, each by its name.
        ep = ngtest.endpoint_flags(ngtest.bound_endpoint(recv))
        second = ngtest.ngsend(["--pattern", "3", "-s", "test", "--size", "160x120", "--fps", 20,
                                "--name", "cam2", "--compression", "jpeg", "-t", "0", *ep],
                               workdir)
        try:
            wait_for_frame(address, "?sender=cam2")
            assert decode(get(address, "/snapshot.jpg?sender=cam2")[2]).shape == (120, 160, 3)
            assert decode(get(address, "/snapshot.jpg?sender=cam")[2]).shape == (H, W, 3)
        finally:
            second.kill()
    finally:
        finish(recv, send)


def check_protocol_with_jpeg_passthrough(workdir):
    token = "s3cret"
    recv, send, address = start(workdir, ["--http-quality", "10", "--http-max-clients", "2",
                                          "--http-token", token],
                                ["--compression", "jpeg", "--jpeg-quality", "95"])
    q = f"?token={token}"
    try:
        wait_for_frame(address, q)
        # The token: required, by query or header.
        assert get(address, "/")[0] == 401
        assert get(address, "/stats.json")[0] == 401
        assert get(address, "/", {"Authorization": f"Bearer {token}"})[0] == 200
        status, headers, _ = get(address, "/" + q)
        assert status == 200 and headers["content-type"].startswith("text/html"), headers
        status, headers, body = get(address, "/stats.json" + q)
        assert status == 200 and headers["content-type"] == "application/json", headers
        # Renewed twice a second: the sender shows up in the next one.
        ngtest.wait_until(lambda: "cam" in json.loads(get(address, "/stats.json" + q)[2])
                          .get("senders", {}), 5, "the sender in /stats.json")
        stats = json.loads(get(address, "/stats.json" + q)[2])
        assert stats["tool"] == "ngrecv" and stats["senders"]["cam"]["width"] == W, stats
        # Two viewers of the first sender (no ?sender=) and of "cam": the same frames, as
        # received (quality 95, not --http-quality 10), each the stream's size.
        a = Mjpeg(address, "/stream.mjpg" + q)
        b = Mjpeg(address, f"/stream.mjpg{q}&sender=cam")
        assert a.status == 200 and b.status == 200
        seen_a, seen_b = {}, {}
        for _ in range(6):
            for viewer, seen in ((a, seen_a), (b, seen_b)):
                headers, jpeg = viewer.part()
                assert decode(jpeg).shape == (H, W, 3)
                assert first_quantizer(jpeg) < 5, "a received JPEG was encoded again"
                seen[int(headers["x-frame-seq"])] = jpeg
        common = set(seen_a) & set(seen_b)
        assert common, (sorted(seen_a), sorted(seen_b))
        assert all(seen_a[s] == seen_b[s] for s in common)
        # A third viewer is one too many.
        status, headers, body = get(address, "/stream.mjpg" + q)
        assert status == 503 and b"--http-max-clients" in body, (status, body)
        a.close()
        # The snapshot is the newest frame: at least the newest a viewer has seen.
        _, newest = b.part()
        b_seq = max(seen_b)
        status, headers, jpeg = get(address, "/snapshot.jpg" + q)
        assert status == 200 and headers["content-type"] == "image/jpeg", headers
        assert int(headers["x-frame-seq"]) >= b_seq and decode(jpeg).shape == (H, W, 3)
        b.close()
        # Once a viewer left, another gets in.
        def admitted():
            viewer = Mjpeg(address, "/stream.mjpg" + q)
            viewer.close()
            return viewer.status == 200
        ngtest.wait_until(admitted, 10, "a free place after a viewer left")
        # Unknown paths and senders, bad requests.
        assert get(address, "/nope" + q)[0] == 404
        assert get(address, f"/stream.mjpg{q}&sender=nobody")[0] == 404
        assert get(address, f"/snapshot.jpg{q}&sender=")[0] == 400
        with socket.create_connection(address, timeout=10) as s:
            s.sendall(b"GARBAGE\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 400"), "a malformed request is not a 400"
    finally:
        finish(recv, send)


# ---------------------------------------------------------------- a stalled viewer

def check_stalled_viewer_harms_no_one(workdir):
    fps, frames = 20, 260
    rec = os.path.join(workdir, "rec.mkv")
    summary = os.path.join(workdir, "recv.json")
    recv, send, address = start(workdir, ["-o", rec, "--summary", summary], frames=frames,
                                fps=fps, size="640x480")
    try:
        wait_for_frame(address)
        # A viewer that asks for the stream and never reads, with a tiny receive buffer.
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(address)
        stalled.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")
        check_rss = not ngtest.sanitized(ngtest.NGRECV)
        rss_before = None
        viewer = Mjpeg(address)
        t0, parts = time.monotonic(), 0
        while time.monotonic() - t0 < 10:
            viewer.part()
            parts += 1
            # Memory once the recording and the viewers run (x264's lookahead has filled,
            # the server's threads are in): from here on a stalled viewer must not add to it.
            if check_rss and rss_before is None and time.monotonic() - t0 > 4.5:
                rss_before = ngtest.memory_kib(recv, "VmRSS")
        rate = parts / (time.monotonic() - t0)
        viewer.close()
        assert rate > fps * 0.8, f"the second viewer got {rate:.1f} fps of a {fps} fps stream"
        if check_rss:
            grown = ngtest.memory_kib(recv, "VmRSS") - rss_before
            frame_kib = 640 * 480 * 3 // 1024
            assert grown < 4 * frame_kib, f"ngrecv grew by {grown} KiB with a stalled viewer"
        ngtest.expect_exit(send, 0, timeout=30)
        ngtest.expect_exit(recv, 0, timeout=20)
        stalled.close()
        s = ngtest.read_summary(summary)
        assert s["frames"] == frames and s["dropped"] == 0, s
        outputs = {o["kind"]: o for o in s["outputs"]}
        assert outputs["video"]["written"] == frames and outputs["http"]["written"] == frames, s
        assert ngtest.ffprobe_frame_count(rec) == frames
    finally:
        send.kill()
        recv.kill()


# ---------------------------------------------------------------- hostile requests

def check_hostile_requests(workdir):
    # One malloc arena: memory a worker thread freed is reused by the next, so what stays
    # resident is what is held, not each thread's cache.
    recv, send, address = start(workdir, fps=10, env={"MALLOC_ARENA_MAX": "1"})
    try:
        wait_for_frame(address)
        check_rss = not ngtest.sanitized(ngtest.NGRECV)
        rss_before = 0
        for round in range(3):
            # Memory after a first round (each worker thread's allocator has then seen a
            # large request): the rounds after must not add to it.
            if check_rss and round == 1:
                rss_before = ngtest.memory_kib(recv, "VmRSS")
            # A request line of 1 MB.
            with socket.create_connection(address, timeout=10) as s:
                try:
                    s.sendall(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\n\r\n")
                    answer = s.recv(100)
                except (ConnectionResetError, BrokenPipeError):
                    answer = b""
                assert answer == b"" or re.match(rb"HTTP/1.1 (414|400)", answer), answer
            # 200 connections that never send anything.
            idle = [socket.create_connection(address, timeout=10) for _ in range(200)]
            t0 = time.monotonic()
            assert get(address, "/stats.json")[0] == 200
            assert time.monotonic() - t0 < 2, "idle connections delayed a real request"
            for s in idle:
                s.close()
        # Slowloris: headers a few bytes at a time, while others are served.
        slow = socket.create_connection(address, timeout=10)
        slow.sendall(b"GET / HTTP/1.1\r\n")
        stop = threading.Event()

        def trickle():
            try:
                while not stop.wait(0.3):
                    slow.sendall(b"X-a: b\r\n")
            except OSError:
                pass
        threading.Thread(target=trickle, daemon=True).start()
        for _ in range(10):
            assert get(address, "/snapshot.jpg")[0] == 200
            time.sleep(0.2)
        stop.set()
        slow.close()
        assert recv.popen.poll() is None, "ngrecv ended\n" + recv.describe()
        if check_rss:
            grown = ngtest.memory_kib(recv, "VmRSS") - rss_before
            assert grown < 2 * 1024, f"ngrecv grew by {grown} KiB under hostile requests"
    finally:
        finish(recv, send)


if __name__ == "__main__":
    ngtest.main(globals())
