"""Proves ngsend streams from network URLs (MPEG-TS over tcp:// and http:// served by ffmpeg on loopback)."""
import os

import ngtest

N = 30


def serve(workdir, url, extra=()):
    """ffmpeg serving a 320x240 MPEG-TS test stream in real time at `url` (one client)."""
    ngtest.require_tool("ffmpeg")
    return ngtest.launch(["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i",
                          "testsrc=size=320x240:rate=25", "-t", "6", "-c:v", "mpeg2video",
                          "-f", "mpegts", *extra, url], workdir)


def stream_from(workdir, server, port, source_url):
    # Wait for the server's listening socket without connecting (it takes one client).
    ngtest.wait_until(lambda: ngtest.tcp_listening(port) or server.popen.poll() is not None,
                      10, "ffmpeg to listen")
    assert server.popen.poll() is None, "ffmpeg ended before listening\n" + server.describe()
    summary = os.path.join(workdir, f"recv-{port}.json")
    recv, ep = ngtest.start_receiver(["-o", "null", "--summary", summary, "-t", "15"], workdir)
    send = ngtest.ngsend(["-s", source_url, "-n", N, "--fps", "0", *ep, "-t", "5"], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    ngtest.expect_exit(recv, 0, timeout=10)
    s = ngtest.read_summary(summary)
    assert s["frames"] == N, s
    assert (s["width"], s["height"], s["channels"]) == (320, 240, 3), s
    assert s["bytes"] == N * 320 * 240 * 3, s
    server.kill()


def check_tcp_url(workdir):
    port = ngtest.free_port()
    server = serve(workdir, f"tcp://127.0.0.1:{port}?listen=1")
    stream_from(workdir, server, port, f"tcp://127.0.0.1:{port}")


def check_http_url(workdir):
    port = ngtest.free_port()
    server = serve(workdir, f"http://127.0.0.1:{port}/stream.ts", extra=("-listen", "1"))
    stream_from(workdir, server, port, f"http://127.0.0.1:{port}/stream.ts")


if __name__ == "__main__":
    ngtest.main(globals())
