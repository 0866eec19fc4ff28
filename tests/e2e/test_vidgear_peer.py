"""Streams between our tools and vidgear 0.3.5's own NetGear_Async (from ../shared/vendor,
run by vidgear_peer.py in its own process): frames pixel-exact in both directions, and
frames back in bidirectional mode with the vidgear peer in each role. Skipped where the
vendor folder is absent."""
import os
import re
import subprocess
import sys

import numpy as np

import ngtest


PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vidgear_peer.py")
N = 10
H, W = 36, 52


def peer(args, workdir):
    """Starts vidgear_peer.py; its log goes to a file in workdir, shown when a check fails."""
    log = open(os.path.join(workdir, f"vidgear-{args[0]}.log"), "w")
    return subprocess.Popen([sys.executable, PEER, *map(str, args)], stdout=log,
                            stderr=subprocess.STDOUT, cwd=workdir)


def finish(proc, workdir, what):
    try:
        code = proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = "a hang (killed after 40 s)"
    with open(os.path.join(workdir, f"vidgear-{what}.log")) as f:
        log = f.read()
    if code == 3:
        raise ngtest.Skip(log.strip().splitlines()[-1])
    assert code == 0, f"vidgear {what} peer ended with {code}:\n{log[-3000:]}"


def image_sequence(workdir, name, seed, count):
    """Seeded frames as PNGs (see ngtest.png_sequence)."""
    return ngtest.png_sequence(workdir, name, seed, count, (H, W, 3))


def saved_frames(path):
    with np.load(path) as saved:
        return [saved[k] for k in saved.files if k != "texts"]


def check_ngsend_into_vidgear_receiver(workdir):
    source, frames = image_sequence(workdir, "src", 10, N)
    for pattern in (0, 1, 3):
        port = ngtest.free_port()
        out = os.path.join(workdir, f"got{pattern}.npz")
        receiver = peer(["receive", port, pattern, N + 1, out], workdir)
        send = ngtest.ngsend(["--pattern", pattern, "-a", "127.0.0.1", "-p", port, "-s", source,
                              "--fps", "0", "-t", "10"], workdir)
        ngtest.expect_exit(send, 0, timeout=40)
        finish(receiver, workdir, "receive")
        got = saved_frames(out)
        assert len(got) == N, f"pattern {pattern}: vidgear received {len(got)} of {N}"
        for i, frame in enumerate(got):
            assert np.array_equal(frame, frames[i]), f"pattern {pattern}: frame {i} differs"


def check_vidgear_sender_into_ngrecv(workdir):
    frames = [ngtest.seeded_image(30 + i, (H, W, 3)) for i in range(N)]
    np.savez(os.path.join(workdir, "frames.npz"), *frames)
    for pattern in (0, 1):
        out = os.path.join(workdir, f"got{pattern}.bgr")
        summary = os.path.join(workdir, f"recv{pattern}.json")
        recv, ep = ngtest.start_receiver(["--pattern", pattern, "-o", "raw:-", "-t", "10",
                                          "--summary", summary], workdir, stdout=out)
        sender = peer(["send", ngtest.port_of(ep), pattern, "frames.npz",
                       os.path.join(workdir, "back.npz")], workdir)
        finish(sender, workdir, "send")
        ngtest.expect_exit(recv, 0, timeout=20)
        got = ngtest.read_raw_frames(out, W, H)
        assert len(got) == N, f"pattern {pattern}: ngrecv wrote {len(got)} of {N}"
        for i, frame in enumerate(got):
            assert np.array_equal(frame, frames[i]), f"pattern {pattern}: frame {i} differs"
        assert ngtest.read_summary(summary)["frames"] == N


def check_vidgear_receiver_returns_frames_to_ngsend(workdir):
    source, frames = image_sequence(workdir, "src", 50, N)
    replies = [ngtest.seeded_image(70 + i, (H, W, 3)) for i in range(N)]
    np.savez(os.path.join(workdir, "replies.npz"), *replies)
    for pattern in (0, 1):
        port = ngtest.free_port()
        got_path = os.path.join(workdir, f"got{pattern}.npz")
        receiver = peer(["receive", port, pattern, N + 1, got_path, "replies.npz"], workdir)
        back_path = os.path.join(workdir, f"back{pattern}.bgr")
        summary = os.path.join(workdir, f"send{pattern}.json")
        send = ngtest.ngsend(
            ["--pattern", pattern, "--bidirectional", "-a", "127.0.0.1", "-p", port, "-s", source,
             "--fps", "0", "-t", "10", "--reply-output", "raw:-", "--summary", summary],
            workdir, stdout=back_path)
        ngtest.expect_exit(send, 0, timeout=40)
        finish(receiver, workdir, "receive")
        assert len(saved_frames(got_path)) == N
        # vidgear answers each frame from its reply queue before the app has seen that
        # frame, so the first answer is empty and frame k brings back the app's reply k-1.
        back = ngtest.read_raw_frames(back_path, W, H)
        assert len(back) == N - 1, f"pattern {pattern}: {len(back)} frames back, expected {N - 1}"
        for i, frame in enumerate(back):
            assert np.array_equal(frame, replies[i]), f"pattern {pattern}: frame back {i} differs"
        counted = ngtest.read_summary(summary)["frames_back"]
        assert counted["frames"] == N - 1 and counted["written"] == N - 1, counted


def check_ngrecv_returns_frames_to_vidgear_sender(workdir):
    reply_source, replies = image_sequence(workdir, "replies", 90, 4)
    frames = [ngtest.seeded_image(110 + i, (H, W, 3)) for i in range(N)]
    np.savez(os.path.join(workdir, "frames.npz"), *frames)
    for pattern in (0, 1):
        summary = os.path.join(workdir, f"recv{pattern}.json")
        recv, ep = ngtest.start_receiver(
            ["--pattern", pattern, "--bidirectional", "--reply-source", reply_source, "-o", "null",
             "-t", "10", "--summary", summary], workdir)
        back_path = os.path.join(workdir, f"back{pattern}.npz")
        sender = peer(["send", ngtest.port_of(ep), pattern, "frames.npz", back_path, "hello"],
                      workdir)
        finish(sender, workdir, "send")
        ngtest.expect_exit(recv, 0, timeout=20)
        back = saved_frames(back_path)
        assert len(back) == N, f"pattern {pattern}: vidgear got {len(back)} frames back of {N}"
        for i, frame in enumerate(back):
            assert any(np.array_equal(frame, r) for r in replies), \
                f"pattern {pattern}: frame back {i} is none of the reply source's"
        answered = ngtest.read_summary(summary)
        assert answered["frames"] == N and answered["frames_back"] == N, answered


def check_vidgear_sender_among_named_senders(workdir):
    # Fan-in: two named ngsend and a vidgear sender, which has no name and is known by its
    # address, each into its own {name} output. REQ/REP: vidgear's PUSH closes without
    # lingering, so frames still queued before its connection completes are lost.
    frames = [ngtest.seeded_image(130 + i, (H, W, 3)) for i in range(N)]
    np.savez(os.path.join(workdir, "frames.npz"), *frames)
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", "1", "-o", "cams/{name}/%03d.png",
                                      "--senders", "3", "-t", "15", "--summary", summary],
                                     workdir, cwd=workdir)
    vidgear = peer(["send", ngtest.port_of(ep), 1, "frames.npz",
                    os.path.join(workdir, "back.npz")], workdir)
    sources = {name: image_sequence(workdir, name, seed, N)
               for name, seed in (("left", 150), ("right", 170))}
    named = [ngtest.ngsend(["--pattern", 1, "--name", name, "-s", path, "--fps", "20", "-t",
                            "10", *ep], workdir)
             for name, (path, _) in sources.items()]
    finish(vidgear, workdir, "send")
    for send in named:
        ngtest.expect_exit(send, 0, timeout=20)
    ngtest.expect_exit(recv, 0, timeout=20)
    s = ngtest.read_summary(summary)
    unnamed = [n for n in s["senders"] if n not in sources]
    assert len(unnamed) == 1 and sorted(s["senders"]) == sorted(["left", "right", *unnamed]), s
    peer_name = unnamed[0]
    mine = s["senders"][peer_name]
    assert re.fullmatch(r"127\.0\.0\.1(:\d+)?", peer_name) and mine["peer"] == peer_name, mine
    expected = {**{name: images for name, (_, images) in sources.items()}, peer_name: frames}
    for name, images in expected.items():
        mine = s["senders"][name]
        assert mine["frames"] == N and mine["dropped"] == 0 and mine["terminated"], f"{name}: {mine}"
        # {name} in a file name: the address's ':' becomes '_'.
        file_name = name.replace(":", "_")
        outs = [o for o in s["outputs"] if o["sender"] == name]
        assert [o["spec"] for o in outs] == [f"cams/{file_name}/%03d.png"], outs
        assert outs[0]["written"] == N, outs
        folder = os.path.join(workdir, "cams", file_name)
        got = [ngtest.read_png(os.path.join(folder, f))[..., ::-1] for f in sorted(os.listdir(folder))]
        assert len(got) == N and all(np.array_equal(g, images[i]) for i, g in enumerate(got)), \
            f"{name}: {len(got)} images in {folder}, or not the frames sent"


if __name__ == "__main__":
    ngtest.main(globals())
