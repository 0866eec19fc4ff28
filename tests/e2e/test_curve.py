"""CURVE encryption and the receiver's access check (--secret-key, --server-key, --allow-keys, --allow-ip): real processes, pixel-exact frames, refusals, mismatches, pyzmq key files, and what is on the wire."""
import os
import signal
import socket
import stat
import subprocess
import threading
import time

import numpy as np

import ngtest

W, H = 64, 48
PATTERNS = {0: "PAIR", 1: "REQ/REP", 2: "PUB/SUB", 3: "PUSH/PULL"}
PYTHON = "/usr/bin/python3"
# Both ends' --timeout in the mismatch checks: each must say what is wrong within it.
MISMATCH_TIMEOUT = 4


def keygen(workdir, name, tool=ngtest.NGSEND):
    keys = os.path.join(workdir, "keys")
    os.makedirs(keys, exist_ok=True)
    r = ngtest.run([tool, "--keygen", name, "--keys-dir", keys])
    assert r.returncode == 0, f"--keygen {name}: {r.returncode}\n{r.stderr}"
    return os.path.join(keys, f"{name}.key"), os.path.join(keys, f"{name}.key_secret")


def allow_folder(workdir, *public_keys):
    folder = os.path.join(workdir, "allowed")
    os.makedirs(folder, exist_ok=True)
    for path in public_keys:
        with open(path, "rb") as src, open(os.path.join(folder, os.path.basename(path)), "wb") as dst:
            dst.write(src.read())
    return folder


def image_source(workdir, count=4):
    """Known pixels: `count` seeded PNGs; returns (source spec, the BGR frames ngrecv must write)."""
    src = os.path.join(workdir, "src")
    os.makedirs(src, exist_ok=True)
    images = [ngtest.seeded_image(50 + i, (H, W, 3)) for i in range(count)]
    for i, rgb in enumerate(images):
        ngtest.write_png(os.path.join(src, f"{i:03d}.png"), rgb)
    return os.path.join(src, "%03d.png"), [rgb[..., ::-1] for rgb in images]


def curve_setup(workdir):
    server_pub, server_sec = keygen(workdir, "server", ngtest.NGRECV)
    client_pub, client_sec = keygen(workdir, "client")
    recv_flags = ["--secret-key", server_sec, "--allow-keys", allow_folder(workdir, client_pub)]
    send_flags = ["--secret-key", client_sec, "--server-key", server_pub]
    return recv_flags, send_flags


def check_allowed_sender_every_pattern(workdir):
    # Every pattern over tcp and ipc, and bidirectional mode: frames arrive pixel-exact.
    recv_flags, send_flags = curve_setup(workdir)
    source, expected = image_source(workdir)
    runs = [(p, proto, []) for p in PATTERNS for proto in ("tcp", "ipc")]
    runs += [(0, "tcp", ["--bidirectional"]), (1, "ipc", ["--bidirectional"])]
    for pattern, protocol, extra in runs:
        where = f"pattern {pattern} ({PATTERNS[pattern]}) over {protocol} {extra}"
        tag = f"{pattern}-{protocol}-{len(extra)}"
        summary = os.path.join(workdir, f"recv-{tag}.json")
        out = os.path.join(workdir, f"out-{tag}.bgr")
        reply = ["--reply", "ok"] if extra else []
        recv, ep = ngtest.start_receiver(
            ["--pattern", pattern, "-o", "raw:-", "--summary", summary, "-t", "10", *extra,
             *reply, *recv_flags], workdir, stdout=out,
            ipc_path=os.path.join(workdir, f"{tag}.sock") if protocol == "ipc" else None)
        # PUB/SUB drops what finds the subscriber's one-frame queue full: paced, and
        # checked frame by frame rather than by count.
        fps = "20" if pattern == 2 else "0"
        send = ngtest.ngsend([*ep, "-s", source, "--pattern", pattern, "--fps", fps, "-t", "5",
                              *extra, *send_flags], workdir)
        ngtest.expect_exit(send, 0)
        ngtest.expect_exit(recv, 0)
        s = ngtest.read_summary(summary)
        got = ngtest.read_raw_frames(out, W, H)
        assert s["refused"] == 0 and s["errors"] == 0, f"{where}: {s}"
        if pattern == 2:
            assert 1 <= len(got) <= len(expected), f"{where}: {len(got)} frames"
            for frame in got:
                assert any(np.array_equal(frame, e) for e in expected), f"{where}: a frame differs"
        else:
            assert len(got) == len(expected), f"{where}: {len(got)} of {len(expected)} frames"
            for i, e in enumerate(expected):
                assert np.array_equal(got[i], e), f"{where}: frame {i} differs"


def check_refused_key_beside_allowed_sender(workdir):
    # A sender whose key is not listed gets nothing in and is told so; an allowed sender
    # streaming at the same time is unaffected.
    server_pub, server_sec = keygen(workdir, "server", ngtest.NGRECV)
    client_pub, client_sec = keygen(workdir, "client")
    _, stranger_sec = keygen(workdir, "stranger")
    summary = os.path.join(workdir, "recv.json")
    n = 60
    recv, ep = ngtest.start_receiver(
        ["--pattern", "3", "-o", "null", "--summary", summary, "-t", "10", "--stats",
         "--secret-key", server_sec, "--allow-keys", allow_folder(workdir, client_pub)], workdir)
    good = ngtest.ngsend([*ep, "--pattern", "3", "-s", "test", "--size", f"{W}x{H}", "--fps",
                          "30", "-n", n, "-t", "5", "--secret-key", client_sec, "--server-key",
                          server_pub], workdir)
    time.sleep(0.5)  # the allowed sender is streaming when the stranger comes
    t0 = time.monotonic()
    bad = ngtest.ngsend([*ep, "--pattern", "3", "-s", "test", "--size", f"{W}x{H}", "--fps",
                         "30", "-n", n, "-t", "5", "--secret-key", stranger_sec, "--server-key",
                         server_pub], workdir)
    ngtest.expect_exit(bad, 1)
    assert time.monotonic() - t0 < 5, "the refused sender took its whole --timeout to tell"
    assert "refused our key" in bad.stderr(), bad.describe()
    ngtest.expect_exit(good, 0)
    ngtest.expect_exit(recv, 0)
    s = ngtest.read_summary(summary)
    assert s["frames"] == n and s["frames_written"] == n, f"allowed sender affected: {s}"
    assert s["refused"] >= 1, f"the refusal was not counted: {s}"
    stats = ngtest.stats_lines(recv)
    assert stats and stats[-1]["refused"] >= 1, f"--stats does not count the refusal: {stats}"
    assert "refused a connection from 127.0.0.1" in recv.stderr(), recv.describe()


def expect_mismatch(workdir, recv_flags, send_flags, send_says, recv_says, tag):
    """Both ends exit 1 within their --timeout, each saying what is wrong."""
    summary = os.path.join(workdir, f"recv-{tag}.json")
    recv, ep = ngtest.start_receiver(["-o", "null", "--summary", summary, "-t",
                                      MISMATCH_TIMEOUT, *recv_flags], workdir)
    t0 = time.monotonic()
    send = ngtest.ngsend([*ep, "-s", "test", "--size", f"{W}x{H}", "-n", "20", "-t",
                          MISMATCH_TIMEOUT, *send_flags], workdir)
    ngtest.expect_exit(send, 1, timeout=MISMATCH_TIMEOUT + 5)
    assert time.monotonic() - t0 < MISMATCH_TIMEOUT, f"{tag}: the sender waited out its timeout"
    # libzmq tells the reason at the end that saw the mismatch first, and the other end
    # may only learn that the connection closed: either wording is checked.
    assert any(w in send.stderr() for w in send_says), f"{tag}: sender does not say {send_says}\n{send.describe()}"
    ngtest.expect_exit(recv, 1, timeout=MISMATCH_TIMEOUT + 5)
    assert any(w in recv.stderr() for w in recv_says), f"{tag}: receiver does not say {recv_says}\n{recv.describe()}"
    s = ngtest.read_summary(summary)
    assert s["frames"] == 0, f"{tag}: {s}"


def check_mismatches_are_told_on_both_ends(workdir):
    recv_flags, send_flags = curve_setup(workdir)
    other_pub, _ = keygen(workdir, "other")
    wrong_server = [send_flags[0], send_flags[1], "--server-key", other_pub]
    expect_mismatch(workdir, recv_flags, wrong_server, ["is not its public key"],
                    ["not this receiver's public key"], "wrong-server-key")
    expect_mismatch(workdir, recv_flags, [],
                    ["requires CURVE, this end speaks plaintext", "does it require CURVE"],
                    ["speaks plaintext, this end requires CURVE"], "plaintext-sender")
    expect_mismatch(workdir, [], send_flags,
                    ["speaks plaintext, this end requires CURVE", "either it speaks plaintext"],
                    ["requires CURVE, this end speaks plaintext", "does it use CURVE"],
                    "plaintext-receiver")


def check_pyzmq_key_files(workdir):
    # Keys pyzmq's zmq.auth writes work here; ours load in pyzmq.
    keys = os.path.join(workdir, "pykeys")
    os.makedirs(keys)
    r = ngtest.run([PYTHON, "-c", "import sys, zmq.auth\n"
                    "zmq.auth.create_certificates(sys.argv[1], 'server')\n"
                    "zmq.auth.create_certificates(sys.argv[1], 'client')", keys])
    assert r.returncode == 0, r.stderr
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(
        ["-o", "null", "--summary", summary, "-t", "10", "--secret-key",
         os.path.join(keys, "server.key_secret"), "--allow-keys",
         os.path.join(keys, "client.key")], workdir)
    send = ngtest.ngsend([*ep, "-s", "test", "--size", f"{W}x{H}", "--fps", "0", "-n", "10",
                          "-t", "5", "--secret-key", os.path.join(keys, "client.key_secret"),
                          "--server-key", os.path.join(keys, "server.key")], workdir)
    ngtest.expect_exit(send, 0)
    ngtest.expect_exit(recv, 0)
    assert ngtest.read_summary(summary)["frames"] == 10

    pub, sec = keygen(workdir, "ours")
    assert stat.S_IMODE(os.stat(sec).st_mode) == 0o600, oct(os.stat(sec).st_mode)
    r = ngtest.run([PYTHON, "-c", "import sys, zmq, zmq.auth\n"
                    "p, s = zmq.auth.load_certificate(sys.argv[1])\n"
                    "p2, none = zmq.auth.load_certificate(sys.argv[2])\n"
                    "assert s is not None and none is None and p == p2\n"
                    "assert zmq.curve_public(s) == p\n"
                    "print(p.decode())", sec, pub])
    assert r.returncode == 0, f"pyzmq cannot load our keys:\n{r.stderr}"
    assert len(r.stdout.strip()) == 40, r.stdout


def check_bad_key_files_are_usage_errors(workdir):
    recv_flags, send_flags = curve_setup(workdir)
    broken = os.path.join(workdir, "broken.key_secret")
    with open(broken, "w") as f:
        f.write("curve\n    public-key = \"not a key\"\n")
    os.chmod(broken, 0o600)
    for flags, says in ((["--secret-key", os.path.join(workdir, "missing.key_secret"),
                          "--server-key", send_flags[3]], "does not exist"),
                        (["--secret-key", broken, "--server-key", send_flags[3]],
                         "is not a CURVE key"),
                        (["--secret-key", send_flags[1]], "CURVE needs both")):
        r = ngtest.run([ngtest.NGSEND, *ngtest.endpoint(), "-s", "test", "-n", "1", "-t", "2",
                        *flags])
        assert r.returncode == 2, f"{flags}: exit {r.returncode}\n{r.stderr}"
        assert says in r.stderr, f"{flags}: {r.stderr}"
    # A secret key others may read is used, with a warning.
    os.chmod(send_flags[1], 0o644)
    recv, ep = ngtest.start_receiver(["-o", "null", "-t", "10", *recv_flags], workdir)
    send = ngtest.ngsend([*ep, "-s", "test", "--size", f"{W}x{H}", "-n", "3", "-t", "5",
                          *send_flags], workdir)
    ngtest.expect_exit(send, 0)
    ngtest.expect_exit(recv, 0)
    assert "may be read by others" in send.stderr(), send.describe()


def check_allow_ip(workdir):
    # With and without CURVE, a loopback sender is refused by 10.0.0.0/8, admitted by
    # 127.0.0.1/32.
    recv_flags, send_flags = curve_setup(workdir)
    for curve in (False, True):
        rf, sf = (recv_flags, send_flags) if curve else ([], [])
        summary = os.path.join(workdir, f"refused-{curve}.json")
        recv, ep = ngtest.start_receiver(["-o", "null", "--summary", summary, "-t", "3",
                                          "--allow-ip", "10.0.0.0/8", *rf], workdir)
        send = ngtest.ngsend([*ep, "-s", "test", "--size", f"{W}x{H}", "-n", "5", "-t", "3",
                              *sf], workdir)
        ngtest.expect_exit(send, 1)
        assert "refused" in send.stderr(), send.describe()
        ngtest.expect_exit(recv, 1)
        s = ngtest.read_summary(summary)
        assert s["frames"] == 0 and s["refused"] >= 1, f"curve={curve}: {s}"

        summary = os.path.join(workdir, f"admitted-{curve}.json")
        recv, ep = ngtest.start_receiver(["-o", "null", "--summary", summary, "-t", "5",
                                          "--allow-ip", "127.0.0.1/32", *rf], workdir)
        send = ngtest.ngsend([*ep, "-s", "test", "--size", f"{W}x{H}", "-n", "5", "-t", "5",
                              *sf], workdir)
        ngtest.expect_exit(send, 0)
        ngtest.expect_exit(recv, 0)
        s = ngtest.read_summary(summary)
        assert s["frames"] == 5 and s["refused"] == 0, f"curve={curve}: {s}"


class RecordingProxy:
    """Forwards one TCP connection at a time to `port`, keeping every byte the client sent."""

    def __init__(self, port):
        self.target = port
        self.listener = socket.socket()
        self.listener.bind((ngtest.LOOPBACK, 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.sent = bytearray()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection((ngtest.LOOPBACK, self.target))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src, dst, record):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if record:
                    with self.lock:
                        self.sent += data
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def captured(self):
        with self.lock:
            return bytes(self.sent)


def check_payload_not_visible_on_wire(workdir):
    # A frame of a known byte pattern: visible in the traffic in plaintext (so this check
    # can fail), absent with CURVE.
    greys = np.array([17, 99, 203, 54, 7, 250, 128, 33], dtype=np.uint8)
    rgb = np.repeat(np.resize(greys, (H, W))[..., None], 3, axis=2)
    src = os.path.join(workdir, "src")
    os.makedirs(src)
    ngtest.write_png(os.path.join(src, "000.png"), rgb)
    needle = np.repeat(greys, 3).tobytes() * 2
    recv_flags, send_flags = curve_setup(workdir)
    for curve in (False, True):
        rf, sf = (recv_flags, send_flags) if curve else ([], [])
        recv, ep = ngtest.start_receiver(["-o", "null", "-t", "10", *rf], workdir)
        proxy = RecordingProxy(ngtest.port_of(ep))
        send = ngtest.ngsend(["-a", ngtest.LOOPBACK, "-p", proxy.port, "-s",
                              os.path.join(src, "%03d.png"), "-t", "5", *sf], workdir)
        ngtest.expect_exit(send, 0)
        ngtest.expect_exit(recv, 0)
        traffic = proxy.captured()
        assert len(traffic) > W * H * 3, f"curve={curve}: only {len(traffic)} bytes captured"
        if curve:
            assert needle not in traffic, "the frame's pixels are readable on the wire with CURVE"
        else:
            assert needle in traffic, "the pattern is not found in plaintext: the check is blind"


def check_reqrep_reopen_keeps_curve(workdir):
    # REQ/REP reopens its socket after the receiver is lost: the new socket must speak CURVE
    # too, or the restarted receiver would refuse it.
    recv_flags, send_flags = curve_setup(workdir)
    first, ep = ngtest.start_receiver(["--pattern", "1", "-o", "null", "--stats", "-t", "10",
                                       *recv_flags], workdir)
    send_summary = os.path.join(workdir, "send.json")
    send = ngtest.ngsend(["--pattern", "1", "-s", "test", "--size", f"{W}x{H}", "--fps", "100",
                          "-n", "500", "-t", "10", "--summary", send_summary, *ep, *send_flags],
                         workdir)
    ngtest.wait_for_frames(first, 50)
    first.send_signal(signal.SIGKILL)
    first.wait()
    time.sleep(1.0)
    recv_summary = os.path.join(workdir, "recv.json")
    second = ngtest.ngrecv(["--pattern", "1", "-o", "null", "-t", "10", "--summary",
                            recv_summary, *ep, *recv_flags], workdir)
    ngtest.expect_exit(send, 0, timeout=30)
    ngtest.expect_exit(second, 0)
    assert "again on a new connection" in send.stderr(), send.describe()
    s = ngtest.read_summary(recv_summary)
    assert s["terminated"] is True and s["frames"] >= 200, s
    assert s["refused"] == 0 and "handshake" not in second.stderr(), second.describe()


if __name__ == "__main__":
    ngtest.main(globals())
