"""Fitting a slow link (issue 19): --max-bitrate keeps a JPEG stream under its limit by adapting
the quality, and --latest keeps latency low on a link too slow for the stream. Two hosts in
network namespaces (twohost.py) joined by a rate-capped cable; real ngsend and ngrecv.

The JPEG stream is a textured picture that moves every frame, fed as raw frames on ngsend's
stdin: busy enough that at the default quality it needs more than the limit, so the quality
has to come down (check_max_bitrate shows that on a second link, without the limit)."""
import json
import os
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest  # noqa: E402
from twohost import TwoHosts  # noqa: E402

WIDTH, HEIGHT, FPS = 640, 480, 30
PORT = "5555"


# ---------------------------------------------------------------- a busy JPEG stream

def _texture(seed):
    """Fine grain, smoothed a little: about the detail of foliage or gravel, which JPEG
    cannot squeeze much. Luma only, wider than a frame so that it can scroll."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, (HEIGHT // 2, WIDTH)).astype(np.float32)
    # Two box blurs of 3: smooth enough that low qualities do save bytes.
    for axis in (0, 1):
        for _ in range(2):
            noise = (np.roll(noise, 1, axis) + noise + np.roll(noise, -1, axis)) / 3
    grey = np.clip(noise / noise.std() * 14 + 128, 0, 255).astype(np.uint8)
    return np.repeat(np.repeat(grey, 2, axis=0), 2, axis=1)  # HEIGHT x 2*WIDTH


def busy_frames(seed=19):
    """Endless BGR frames: the top half a scrolling texture, the rest a still gradient."""
    texture = _texture(seed)
    base = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    base[:] = np.linspace(40, 200, WIDTH, dtype=np.uint8)[None, :, None]
    band = HEIGHT // 2
    i = 0
    while True:
        frame = base.copy()
        offset = (i * 7) % WIDTH
        frame[:band] = texture[:band, offset:offset + WIDTH, None]
        yield frame.tobytes()
        i += 1


class Feeder:
    """Writes `count` busy frames into a process's stdin on a thread of its own (ngsend paces
    them with --fps), then closes it: the end of input ends the stream normally."""

    def __init__(self, proc, count):
        self.proc, self.count, self.written = proc, count, 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        frames = busy_frames()
        try:
            for _ in range(self.count):
                self.proc.popen.stdin.write(next(frames))
                self.written += 1
            self.proc.popen.stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # ngsend went away; its exit code tells why

    def wait_written(self, count, timeout):
        ngtest.wait_until(lambda: self.written >= count, timeout,
                          f"{count} frames into ngsend's stdin\n" + self.proc.describe())


def start_pair(hosts, workdir, send_args, recv_args, **send_kw):
    recv = hosts.ngrecv(["-a", hosts.receiver_addr, "-p", PORT, "-o", "null", "-t", "20",
                         "--summary", os.path.join(workdir, "recv.json"), *recv_args], workdir)
    send = hosts.ngsend(["-a", hosts.receiver_addr, "-p", PORT, "-t", "20",
                         "--summary", os.path.join(workdir, "send.json"), *send_args], workdir,
                        **send_kw)
    return send, recv


def finish(send, recv, workdir, timeout=30):
    for proc in (send, recv):
        rc = proc.wait(timeout)
        assert rc == 0, f"{proc.name} exited {rc}\n" + proc.describe()
    return (ngtest.read_summary(os.path.join(workdir, "send.json")),
            ngtest.read_summary(os.path.join(workdir, "recv.json")))


# ---------------------------------------------------------------- checks

def check_max_bitrate(workdir):
    """--max-bitrate 4M over a 6 Mbit/s cable, VGA at 30 fps: at most 4 Mbit/s on the wire
    over 10 s, at least 25 fps arrive, the quality settles. The same stream without the limit,
    at the same time on a second cable, needs more than 4 Mbit/s."""
    limited_dir, free_dir = os.path.join(workdir, "limited"), os.path.join(workdir, "free")
    raw = ["-s", "raw:-", "--size", f"{WIDTH}x{HEIGHT}", "--fps", str(FPS),
           "--compression", "jpeg"]
    seconds, settle = 10, 3
    total = (settle + seconds + 1) * FPS
    with TwoHosts(rate="6mbit") as hosts, TwoHosts(rate="6mbit") as free_hosts:
        send, recv = start_pair(hosts, limited_dir, raw + ["--max-bitrate", "4M"], [],
                                stdin="pipe")
        free_send, free_recv = start_pair(free_hosts, free_dir, raw, [], stdin="pipe")
        feeder = Feeder(send, total)
        free_feeder = Feeder(free_send, 5 * FPS)

        feeder.wait_written(settle * FPS, timeout=settle + 10)
        start_bytes, start = hosts.tx_bytes(), time.monotonic()
        feeder.wait_written((settle + seconds) * FPS, timeout=seconds + 10)
        wire_bits = (hosts.tx_bytes() - start_bytes) * 8 / (time.monotonic() - start)

        sent, got = finish(send, recv, limited_dir)
        free_sent, _ = finish(free_send, free_recv, free_dir)
        assert free_feeder.written == 5 * FPS

    quality = sent["jpeg_quality"]
    payload_bits = got["bytes"] * 8 / got["seconds"]
    print(f"--max-bitrate 4M over 6 Mbit/s: {wire_bits / 1e6:.2f} Mbit/s on the wire over "
          f"{seconds} s, payload {payload_bits / 1e6:.2f} Mbit/s, {got['fps']:.1f} fps "
          f"received, {sent['dropped']} skipped; quality {quality}; without the limit "
          f"{free_sent['bitrate']['average'] / 1e6:.2f} Mbit/s payload at "
          f"{free_sent['fps']:.1f} fps", flush=True)
    assert free_sent["bitrate"]["average"] > 4e6, \
        f"the stream is not busy enough to need adapting: {free_sent}"
    assert wire_bits <= 4e6, f"{wire_bits / 1e6:.2f} Mbit/s on the wire, over the limit"
    assert got["fps"] >= 25, f"only {got['fps']:.1f} fps arrived: {got}"
    assert got["frames"] + got["dropped"] == sent["frames"] + sent["dropped"] == total, \
        (sent, got)
    assert sent["bitrate"]["limit"] == 4e6 and sent["bitrate"]["skipped"] == sent["dropped"]
    # Settled: below the ceiling, and within a few steps over the last five seconds.
    assert quality["recent_max"] < 90, quality
    assert quality["recent_max"] - quality["recent_min"] <= 10, quality
    assert quality["min"] >= 30, quality


def check_latest_on_a_slow_link(workdir):
    """Raw VGA at 30 fps over 20 Mbit/s, which carries under 3 fps of it: with --latest on
    both ends the receiver sees each frame within a few transfer times of its capture; without,
    frames queue up and arrive seconds late. Both streams run at once, on cables of their own,
    for about as long, and end with -n (a normal end: every answer is awaited). -n counts
    captures: with --latest most are skipped, without it every one is sent."""
    frames = 24
    runs = {}
    with TwoHosts(rate="20mbit") as fresh_hosts, TwoHosts(rate="20mbit") as queued_hosts:
        # What the link carries in the time the queued stream takes, captured at 30 fps.
        for name, hosts, count, flags in (("latest", fresh_hosts, 9 * FPS, ["--latest"]),
                                          ("queued", queued_hosts, frames, [])):
            runs[name] = os.path.join(workdir, name), start_pair(
                hosts, os.path.join(workdir, name),
                ["-s", "test", "--size", f"{WIDTH}x{HEIGHT}", "--fps", str(FPS), "-n",
                 str(count), *flags], flags)
        (fresh_sent, fresh_got), (queued_sent, queued_got) = (
            finish(*procs, folder) for folder, procs in (runs["latest"], runs["queued"]))

    # One frame's time on the wire: the least latency there can be.
    transfer_ms = WIDTH * HEIGHT * 3 * 8 / 20e6 * 1000
    with_ms, without_ms = fresh_got["latency_ms"]["p50"], queued_got["latency_ms"]["p50"]
    print(f"raw VGA over 20 Mbit/s ({transfer_ms:.0f} ms a frame on the wire): p50 latency "
          f"{with_ms:.0f} ms with --latest ({fresh_got['fps']:.1f} fps, "
          f"{fresh_sent['dropped']} captures skipped), {without_ms:.0f} ms without "
          f"({queued_got['fps']:.1f} fps); p99 {fresh_got['latency_ms']['p99']:.0f} and "
          f"{queued_got['latency_ms']['p99']:.0f} ms", flush=True)
    assert queued_got["frames"] == frames and fresh_got["frames"] >= frames / 2, \
        (fresh_got, queued_got)
    assert with_ms < without_ms, (fresh_got, queued_got)
    assert with_ms < 3 * transfer_ms, \
        f"--latest: p50 {with_ms:.0f} ms, more than three frames' transfer time"
    assert without_ms > 1000, f"without --latest: p50 {without_ms:.0f} ms, expected a backlog"
    assert fresh_sent["dropped"] > 0 and queued_sent["dropped"] == 0


def check_usage_errors(workdir):
    """The new flags refuse what they cannot do, naming the fix (no namespaces needed)."""
    cases = [
        (["--max-bitrate", "4M"], "add --compression jpeg"),
        (["--compression", "jpeg", "--max-bitrate", "4X"], "'4X' is not a bit rate"),
        (["--compression", "jpeg", "--max-bitrate", "0"], "is not a bit rate"),
        (["--compression", "jpeg", "--jpeg-min-quality", "20"], "add --max-bitrate"),
        (["--compression", "jpeg", "--max-bitrate", "2.5M", "--jpeg-quality", "50",
          "--jpeg-min-quality", "60"], "above --jpeg-quality 50"),
    ]
    for args, wanted in cases:
        out = ngtest.run([ngtest.NGSEND, *args])
        assert out.returncode == 2 and wanted in out.stderr, \
            f"ngsend {' '.join(args)}: exit {out.returncode}, {out.stderr!r}"


if __name__ == "__main__":
    ngtest.main(globals())
