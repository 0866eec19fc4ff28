"""--wire imagezmq and --wire netgear against the real Python packages (imagezmq 1.2.0's
ImageSender/ImageHub and vidgear 0.3.5's NetGear, from ../shared/vendor, run by
dialect_peer.py): both directions and every pattern each has, pixel-exact raw frames and
JPEG within tolerance, the text sent along, NetGear's bidirectional text and CURVE keys,
imagezmq's end of stream by --timeout; and every pair of mismatched dialects refused by
name. The Python peers import slowly, so the checks run side by side."""
import json
import os
import subprocess
import sys
import threading

import numpy as np

import ngtest


PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dialect_peer.py")
# ../shared/vendor beside the repository; NG_VENDOR_DIR points elsewhere (a worktree).
VENDOR = os.path.normpath(os.environ.get("NG_VENDOR_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "vendor"))
N = 4
H, W = 24, 32
JPEG_TOLERANCE = 12  # mean absolute difference per sample, of 255


def require_vendor():
    for archive in ("imagezmq-1.2.0.tar.gz", "vidgear-0.3.5.tar.gz"):
        if not os.path.isfile(os.path.join(VENDOR, archive)):
            raise ngtest.Skip(f"{VENDOR}/{archive} is absent (the Python peers live there)")


def peer(args, workdir, name):
    log = open(os.path.join(workdir, f"peer-{name}.log"), "w")
    return subprocess.Popen(["/usr/bin/python3", PEER, *map(str, args)], stdout=log,
                            stderr=subprocess.STDOUT, cwd=workdir)


def finish(proc, workdir, name, timeout=150):
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = f"a hang (killed after {timeout} s)"
    with open(os.path.join(workdir, f"peer-{name}.log")) as f:
        log = f.read()
    if code == 3:
        raise ngtest.Skip(log.strip().splitlines()[-1])
    assert code == 0, f"{name} peer ended with {code}:\n{log[-3000:]}"


def wait_for_log(workdir, name, text, timeout=150):
    """Waits until the peer's log shows `text` (it imports slowly on a loaded machine)."""
    ngtest.wait_until(lambda: text in open(os.path.join(workdir, f"peer-{name}.log")).read(),
                      timeout, f"peer {name} to log {text!r}")


def sequence(workdir, name, seed, count=N):
    """PNG frames for ngsend -s, and the same frames in BGR as arrays (.npz for peers)."""
    source, frames = ngtest.png_sequence(workdir, name, seed, count, (H, W, 3))
    np.savez(os.path.join(workdir, f"{name}.npz"), *frames)
    return source, frames


def smooth_sequence(workdir, name, count=N):
    """Smooth pictures, which JPEG keeps close; noise would not survive it."""
    folder = os.path.join(workdir, name)
    os.makedirs(folder)
    frames = []
    y, x = np.mgrid[0:H, 0:W]
    for i in range(count):
        rgb = np.stack([(x * 8 + i * 20) % 256, (y * 10) % 256, np.full_like(x, 40 * i)],
                       axis=-1).astype(np.uint8)
        ngtest.write_png(os.path.join(folder, f"{i:03d}.png"), rgb)
        frames.append(np.ascontiguousarray(rgb[..., ::-1]))
    np.savez(os.path.join(workdir, f"{name}.npz"), *frames)
    return os.path.join(folder, "%03d.png"), frames


def options_file(workdir, name, options):
    path = os.path.join(workdir, f"{name}.json")
    with open(path, "w") as f:
        json.dump(options, f)
    return path


def saved(path):
    with np.load(path) as data:
        return [data[k] for k in data.files if k != "texts"], list(data["texts"])


def written_pngs(folder):
    names = sorted(os.listdir(folder))
    return [ngtest.read_png(os.path.join(folder, n))[..., ::-1] for n in names]


def close_to(a, b):
    return a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).mean() < JPEG_TOLERANCE


def recv_flags(workdir, name, *args):
    summary = os.path.join(workdir, f"{name}.json")
    return [*map(str, args), "--summary", summary], summary


# ---- imagezmq ----


def imagezmq_senders_into_ngrecv(workdir):
    """Two ImageSenders (REQ) into one ngrecv, one send_image, one send_jpg: each frame
    lands in its sender's {name} output, complete; ngrecv ends at a signal, exit 0."""
    _, raw = sequence(workdir, "izraw", 10)
    _, smooth = smooth_sequence(workdir, "izjpg")
    args, summary = recv_flags(workdir, "iz-recv", "--wire", "imagezmq", "--pattern", 1,
                               "-o", os.path.join(workdir, "out", "{name}", "%03d.png"),
                               "-t", 150)
    recv, flags = ngtest.start_receiver(args, workdir, timeout=60)
    address = f"tcp://127.0.0.1:{ngtest.port_of(flags)}"
    a = peer(["imagezmq", "send", address, 1, "izraw.npz", "raw", "cam1"], workdir, "iz-send-raw")
    b = peer(["imagezmq", "send", address, 1, "izjpg.npz", "jpg", "cam2"], workdir, "iz-send-jpg")
    finish(a, workdir, "iz-send-raw")
    finish(b, workdir, "iz-send-jpg")
    # Each ImageSender had its answers, so every frame was taken: end as Ctrl-C does.
    recv.send_signal(2)
    ngtest.expect_exit(recv, 0, timeout=60)
    got = written_pngs(os.path.join(workdir, "out", "cam1"))
    assert len(got) == N and all(np.array_equal(g, f) for g, f in zip(got, raw)), \
        f"cam1: {len(got)} frames, not the {N} sent pixel for pixel"
    got = written_pngs(os.path.join(workdir, "out", "cam2"))
    assert len(got) == N and all(close_to(g, f) for g, f in zip(got, smooth)), \
        f"cam2: {len(got)} JPEG frames, not the {N} sent within tolerance"
    texts = recv.stdout_lines()
    for i in range(N):
        assert f"cam1|{i}" in texts and f"cam2|{i}" in texts, texts
    result = ngtest.read_summary(summary)
    assert result["frames"] == 2 * N and result["terminated"] is False, result
    with open(os.path.join(workdir, "imagezmq-replies.json")) as f:
        assert set(json.load(f)) == {"OK"}


def imagezmq_publisher_into_ngrecv(workdir):
    """A PUB ImageSender binds; ngrecv --pattern 2 connects to it and stops at --frames."""
    _, raw = sequence(workdir, "izpub", 20)
    port = ngtest.free_port()
    pub = peer(["imagezmq", "send", f"tcp://127.0.0.1:{port}", 0, "izpub.npz", "raw", "pi"],
               workdir, "iz-pub")
    recv = ngtest.ngrecv(["--wire", "imagezmq", "--pattern", 2, "-a", "127.0.0.1", "-p", port,
                          "-n", 3, "-t", 120, "-o", os.path.join(workdir, "pub", "%03d.png")],
                         workdir)
    try:
        ngtest.expect_exit(recv, 0, timeout=150)
    finally:
        open(os.path.join(workdir, "stop-publishing"), "w").close()
    finish(pub, workdir, "iz-pub")
    got = written_pngs(os.path.join(workdir, "pub"))
    texts = [t for t in recv.stdout_lines() if t.startswith("pi|")]
    assert len(got) == 3 and len(texts) == 3, (len(got), texts)
    for frame, text in zip(got, texts):
        assert np.array_equal(frame, raw[int(text.split("|")[1])]), f"{text} differs"


def ngsend_into_imagehub(workdir):
    """ngsend REQ into an ImageHub (REP), raw and JPEG; ngsend PUB (binds) into a SUB hub."""
    source, raw = sequence(workdir, "hubraw", 40)
    smooth_source, smooth = smooth_sequence(workdir, "hubjpg")
    checks = []
    for name, pattern, mode, src in (("rep-raw", 1, "raw", source),
                                     ("rep-jpg", 1, "jpg", smooth_source),
                                     ("sub-raw", 2, "raw", source)):
        port = ngtest.free_port()
        out = os.path.join(workdir, f"{name}.npz")
        hub_address = (f"tcp://*:{port}" if pattern == 1 else f"tcp://127.0.0.1:{port}")
        hub = peer(["imagezmq", "recv", hub_address, 1 if pattern == 1 else 0, N, out, mode],
                   workdir, f"hub-{name}")
        args = ["--wire", "imagezmq", "--pattern", pattern, "-a", "127.0.0.1", "-p", port,
                "-s", src, "-t", 150, "--name", "node"]
        # PUB/SUB keeps nothing for a hub that has not subscribed yet: loop until it is done.
        args += ["--fps", 0] if pattern == 1 else ["--fps", 10, "--loop"]
        if mode == "jpg":
            args += ["--compression", "jpeg"]
        send = ngtest.ngsend(args, workdir)
        checks.append((name, mode, hub, send, out))
    for name, mode, hub, send, out in checks:
        finish(hub, workdir, f"hub-{name}")
        if name == "sub-raw":
            send.send_signal(2)
        ngtest.expect_exit(send, 0, timeout=60)
        got, texts = saved(out)
        expected = smooth if mode == "jpg" else raw
        assert len(got) == N, f"{name}: the hub took {len(got)} of {N}"
        if name == "sub-raw":
            assert all(any(np.array_equal(g, f) for f in raw) for g in got), name
        else:
            same = close_to if mode == "jpg" else np.array_equal
            assert all(same(g, f) for g, f in zip(got, expected)), f"{name}: frames differ"
        assert set(texts) == {"node"}, texts


# ---- NetGear ----


def netgear_server_into_ngrecv(workdir):
    """NetGear servers into ngrecv: REQ/REP bidirectional with text both ways, PAIR with
    JPEG compression, and StoneHouse CURVE; each ends with NetGear's terminate message."""
    _, raw = sequence(workdir, "ngraw", 60)
    _, smooth = smooth_sequence(workdir, "ngjpg")
    keys = curve_keys(workdir)
    cases = [
        ("bidi", 1, "ngraw.npz", {"bidirectional_mode": True, "jpeg_compression": False,
                                  "text": "ping"}, ["--bidirectional", "--reply", "pong"]),
        ("jpeg", 0, "ngjpg.npz", {"jpeg_compression": True}, []),
        ("curve", 1, "ngraw.npz", {"jpeg_compression": False, "secure_mode": 1,
                                   "custom_cert_location": keys},
         ["--secret-key", f"{keys}/.vidgear/keys/private_keys/server.key_secret",
          "--allow-keys", "*"]),
    ]
    running = []
    for name, pattern, frames, options, extra in cases:
        args, summary = recv_flags(workdir, f"ng-{name}", "--wire", "netgear", "--pattern",
                                   pattern, "-o", "raw:-", "-t", 150, *extra)
        recv, flags = ngtest.start_receiver(args, workdir, timeout=60,
                                            stdout=os.path.join(workdir, f"{name}.bgr"))
        server = peer(["netgear", "send", ngtest.port_of(flags), pattern, frames,
                       f"back-{name}.npz", options_file(workdir, name, options)],
                      workdir, f"ng-{name}")
        running.append((name, recv, server, summary))
    for name, recv, server, summary in running:
        finish(server, workdir, f"ng-{name}")
        ngtest.expect_exit(recv, 0, timeout=30)
        got = ngtest.read_raw_frames(os.path.join(workdir, f"{name}.bgr"), W, H)
        if name == "jpeg":
            assert len(got) == N and all(close_to(g, f) for g, f in zip(got, smooth)), name
        else:
            assert len(got) == N and all(np.array_equal(g, f) for g, f in zip(got, raw)), name
        result = ngtest.read_summary(summary)
        assert result["frames"] == N and result["terminated"] is True, (name, result)
        if name == "bidi":
            # The frames take stdout, so the texts go to stderr.
            assert recv.stderr_lines().count("ping") == N, recv.stderr()
            _, back = saved(os.path.join(workdir, f"back-{name}.npz"))
            assert back == ["pong"] * N, back


def ngsend_into_netgear_client(workdir):
    """ngsend into NetGear clients: REQ/REP bidirectional, PAIR JPEG, IronHouse CURVE
    (REQ/REP), PUB/SUB."""
    source, raw = sequence(workdir, "cliraw", 80)
    smooth_source, smooth = smooth_sequence(workdir, "clijpg")
    keys = curve_keys(workdir)
    private = f"{keys}/.vidgear/keys/private_keys"
    public = f"{keys}/.vidgear/keys/public_keys"
    cases = [
        ("bidi", 1, source, {"bidirectional_mode": True, "jpeg_compression": False,
                             "reply": "pong"}, ["--bidirectional", "--message", "ping"], N),
        ("jpeg", 0, smooth_source, {"jpeg_compression": True}, ["--compression", "jpeg"], N),
        ("curve", 1, source, {"jpeg_compression": False, "secure_mode": 2,
                              "custom_cert_location": keys},
         ["--secret-key", f"{private}/client.key_secret", "--server-key",
          f"{public}/server.key"], N),
        ("pubsub", 2, source, {"jpeg_compression": False}, ["--fps", 5, "--loop"], 2),
    ]
    running = []
    for name, pattern, src, options, extra, count in cases:
        port = ngtest.free_port()
        out = os.path.join(workdir, f"cli-{name}.npz")
        # Up to the terminate, so that ngsend gets its acknowledgement; PUB/SUB: a few.
        client = peer(["netgear", "recv", port, pattern, count if pattern == 2 else 0, out,
                       options_file(workdir, f"cli-{name}", options)], workdir, f"cli-{name}")
        running.append((name, count, client, None, out, src, pattern, port, extra))
    started = []
    for name, count, client, _, out, src, pattern, port, extra in running:
        # A NetGear client drops the frames still queued when the terminate comes: start
        # ngsend once it listens, so that paced frames are taken as they come.
        wait_for_log(workdir, f"cli-{name}", "Receive Mode is now activated")
        args = ["--wire", "netgear", "--pattern", pattern, "-a", "127.0.0.1", "-p", port, "-s",
                src, "-t", 150, *map(str, extra)]
        if name != "pubsub":
            # Paced: a NetGear client drops the frames still in its queue when the
            # terminate message comes (docs/protocol.md, 9.2).
            args += ["--fps", 10]
        send = ngtest.ngsend(args, workdir)
        started.append((name, count, client, send, out))
    for name, count, client, send, out in started:
        finish(client, workdir, f"cli-{name}")
        if name == "pubsub":
            send.send_signal(2)
        ngtest.expect_exit(send, 0, timeout=60)
        got, texts = saved(out)
        assert len(got) == count, f"{name}: the client took {len(got)} of {count}"
        if name == "jpeg":
            assert all(close_to(g, f) for g, f in zip(got, smooth)), name
        elif name == "pubsub":
            assert all(any(np.array_equal(g, f) for f in raw) for g in got), name
        else:
            assert all(np.array_equal(g, f) for g, f in zip(got, raw)), name
        if name == "bidi":
            assert texts == ["ping"] * N, texts
            replies = send.stdout_lines()
            assert replies.count("pong") >= N - 1, replies


_keys_lock = threading.Lock()


def curve_keys(workdir):
    """NetGear's key folder (custom_cert_location), made once with pyzmq's zmq.auth."""
    import zmq.auth
    root = os.path.join(workdir, "certs")
    with _keys_lock:
        keys = os.path.join(root, ".vidgear", "keys")
        if not os.path.isdir(keys):
            for sub in ("public_keys", "private_keys"):
                os.makedirs(os.path.join(keys, sub))
            for who in ("server", "client"):
                public, secret = zmq.auth.create_certificates(keys, who)
                os.rename(public, os.path.join(keys, "public_keys", os.path.basename(public)))
                os.rename(secret, os.path.join(keys, "private_keys", os.path.basename(secret)))
    return root


def check_dialects_with_python_peers(workdir):
    require_vendor()
    checks = [imagezmq_senders_into_ngrecv, imagezmq_publisher_into_ngrecv,
              ngsend_into_imagehub, netgear_server_into_ngrecv, ngsend_into_netgear_client]
    failures = {}

    def run(check):
        folder = os.path.join(workdir, check.__name__)
        os.makedirs(folder)
        try:
            check(folder)
        except BaseException as e:  # noqa: B036 - reported below, by check
            failures[check.__name__] = e

    threads = [threading.Thread(target=run, args=(c,)) for c in checks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    skips = [e for e in failures.values() if isinstance(e, ngtest.Skip)]
    real = {k: e for k, e in failures.items() if not isinstance(e, ngtest.Skip)}
    assert not real, "\n".join(f"{k}: {type(e).__name__}: {e}" for k, e in real.items())
    if skips:
        raise skips[0]


def check_imagezmq_stream_ends_at_timeout(workdir):
    """imagezmq has no end-of-stream message: after frames came, --timeout without one ends
    the stream normally (exit 0, output complete); with no frame at all it is exit 3."""
    source, frames = sequence(workdir, "end", 90)
    summary = os.path.join(workdir, "end.json")
    out = os.path.join(workdir, "end.bgr")
    recv, flags = ngtest.start_receiver(["--wire", "imagezmq", "--pattern", 1, "-o", "raw:-",
                                         "-t", 2, "--summary", summary], workdir, stdout=out)
    send = ngtest.ngsend(["--wire", "imagezmq", "--pattern", 1, *flags, "-s", source, "--fps",
                          0, "--name", "cam"], workdir)
    ngtest.expect_exit(send, 0)
    ngtest.expect_exit(recv, 0)
    got = ngtest.read_raw_frames(out, W, H)
    assert len(got) == N and all(np.array_equal(g, f) for g, f in zip(got, frames))
    result = ngtest.read_summary(summary)
    assert result["frames"] == N and result["terminated"] is False, result
    assert "cam" in result["senders"], result
    idle, _ = ngtest.start_receiver(["--wire", "imagezmq", "--pattern", 1, "-o", "null", "-t",
                                     1], workdir)
    ngtest.expect_exit(idle, 3)


# ---- mismatched dialects ----


DIALECTS = ("netgear-async", "imagezmq", "netgear")


def check_mismatched_dialects_are_named(workdir):
    """ngsend speaking one dialect into ngrecv expecting another: ngrecv exits 1 at the
    first message, naming the dialect it saw and the --wire to use; ngsend does not hang."""
    source, _ = sequence(workdir, "mis", 5)
    running = []
    for spoken in DIALECTS:
        for expected in DIALECTS:
            if spoken == expected:
                continue
            recv, flags = ngtest.start_receiver(["--wire", expected, "--pattern", 1, "-o",
                                                 "null", "-t", 20], workdir)
            send = ngtest.ngsend(["--wire", spoken, "--pattern", 1, *flags, "-s", source,
                                  "--fps", 0, "-t", 2], workdir)
            running.append((spoken, expected, recv, send))
    for spoken, expected, recv, send in running:
        ngtest.expect_exit(recv, 1, timeout=30)
        said = recv.stderr()
        assert f"this looks like {spoken}; use --wire {spoken}" in said, (spoken, expected, said)
        send.wait(timeout=30)  # whatever it concludes, it ends


if __name__ == "__main__":
    ngtest.main(globals())
