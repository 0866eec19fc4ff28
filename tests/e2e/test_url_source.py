"""Proves ngsend streams from network URLs (MPEG-TS over tcp:// and http:// served by ffmpeg on loopback)."""
import os

import ngtest

N = 30


def serve(workdir, url_of, extra=()):
    """ffmpeg serving a 320x240 MPEG-TS test stream in real time at url_of(port) (one
    client), on a free port; returns (server, port). ffmpeg cannot be asked which port 0
    became, so a port taken between choosing and binding it is retried with another."""
    ngtest.require_tool("ffmpeg")
    for _ in range(3):
        port = ngtest.free_port()
        server = ngtest.launch(["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i",
                                "testsrc=size=320x240:rate=25", "-t", "6", "-c:v", "mpeg2video",
                                "-f", "mpegts", *extra, url_of(port)], workdir)
        # Wait for the listening socket without connecting (the server takes one client).
        ngtest.wait_until(lambda: ngtest.tcp_listening(port) or server.popen.poll() is not None,
                          10, "ffmpeg to listen")
        if server.popen.poll() is None:
            return server, port
    raise AssertionError("ffmpeg did not listen on any of 3 ports\n" + server.describe())


def stream_from(workdir, server, source_url):
    summary = os.path.join(workdir, "recv.json")
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
    server, port = serve(workdir, lambda port: f"tcp://127.0.0.1:{port}?listen=1")
    stream_from(workdir, server, f"tcp://127.0.0.1:{port}")


def check_http_url(workdir):
    server, port = serve(workdir, lambda port: f"http://127.0.0.1:{port}/stream.ts",
                         extra=("-listen", "1"))
    stream_from(workdir, server, f"http://127.0.0.1:{port}/stream.ts")


if __name__ == "__main__":
    ngtest.main(globals())
