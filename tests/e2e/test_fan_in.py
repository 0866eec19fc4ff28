"""Many senders into one ngrecv: per-sender {name} outputs, per-sender summary, senders that die or share a name, PAIR's refusal."""
import glob
import os
import signal
import time

import numpy as np

import ngtest

# Patterns that take many senders, with the receiver binding.
PATTERNS = {"3": "PUSH/PULL", "1": "REQ/REP", "2": "PUB/SUB"}
# Four senders, each its own name, size and pictures.
SENDERS = [("north", 48, 32), ("south", 64, 40), ("east", 40, 56), ("west", 72, 24)]
N = 24
FPS = "20"


def make_sources(workdir):
    """One image sequence per sender: known pixels, so every output can be checked exactly."""
    sources = {}
    for k, (name, w, h) in enumerate(SENDERS):
        folder = os.path.join(workdir, "src", name)
        os.makedirs(folder)
        images = [ngtest.seeded_image(100 * k + i, (h, w, 3)) for i in range(N)]
        for i, rgb in enumerate(images):
            ngtest.write_png(os.path.join(folder, f"{i:03d}.png"), rgb)
        sources[name] = (os.path.join(folder, "%03d.png"), images)
    return sources


def read_outputs(workdir, name):
    return [ngtest.read_png(p) for p in sorted(glob.glob(os.path.join(workdir, "cams", name, "*.png")))]


def outputs_match(got, images, where, complete):
    if complete:
        assert len(got) == len(images), f"{where}: {len(got)} images written of {len(images)}"
        for i, png in enumerate(got):
            assert np.array_equal(png, images[i]), f"{where}: image {i} differs from the source"
        return
    # PUB/SUB may drop frames by design: what was written is a subsequence of the source.
    at = 0
    for j, png in enumerate(got):
        while at < len(images) and not (images[at].shape == png.shape and np.array_equal(images[at], png)):
            at += 1
        assert at < len(images), f"{where}: written image {j} is no source image in order"
        at += 1


def start_senders(workdir, pattern, ep, sources, extra=()):
    return {name: ngtest.ngsend(["--pattern", pattern, "--name", name, "-s", path, "--fps", FPS,
                                 "-t", "10", *extra, *ep], workdir)
            for name, (path, _) in sources.items()}


def check_four_senders_each_pattern(workdir):
    sources = make_sources(workdir)
    for pattern, pname in PATTERNS.items():
        where = f"pattern {pattern} ({pname})"
        run = os.path.join(workdir, f"p{pattern}")
        os.makedirs(run)
        summary = os.path.join(run, "recv.json")
        recv, ep = ngtest.start_receiver(["--pattern", pattern, "-o", "cams/{name}/%04d.png",
                                          "-o", "{name}.mkv", "--senders", "4",
                                          "--summary", summary, "-t", "10"], run, cwd=run)
        senders = start_senders(run, pattern, ep, sources)
        for send in senders.values():
            ngtest.expect_exit(send, 0, timeout=30)
        ngtest.expect_exit(recv, 0, timeout=15)
        s = ngtest.read_summary(summary)
        assert s["terminated"] is True, f"{where}: {s}"
        assert sorted(s["senders"]) == sorted(n for n, _, _ in SENDERS), f"{where}: {s['senders']}"
        complete = pattern != "2"
        for name, w, h in SENDERS:
            mine = s["senders"][name]
            assert (mine["width"], mine["height"], mine["channels"]) == (w, h, 3), f"{where} {name}: {mine}"
            assert mine["terminated"] is True, f"{where} {name}: {mine}"
            assert mine["errors"] == 0, f"{where} {name}: {mine}"
            if complete:
                assert mine["frames"] == N and mine["dropped"] == 0, f"{where} {name}: {mine}"
            else:
                assert mine["frames"] + mine["dropped"] == N, f"{where} {name}: {mine}"
            got = read_outputs(run, name)
            assert len(got) == mine["frames"], f"{where} {name}: {len(got)} images, summary {mine}"
            outputs_match(got, sources[name][1], f"{where} {name}", complete)
            video = os.path.join(run, f"{name}.mkv")
            assert ngtest.ffprobe_size(video) == (w, h), f"{where} {name}: {ngtest.ffprobe_size(video)}"
            outs = [o for o in s["outputs"] if o["sender"] == name]
            assert len(outs) == 2 and all(o["written"] == mine["frames"] for o in outs), f"{where}: {outs}"
        assert s["frames"] == sum(v["frames"] for v in s["senders"].values()), f"{where}: {s}"


def check_one_sender_killed_others_complete(workdir):
    sources = make_sources(workdir)
    for pattern, pname in PATTERNS.items():
        where = f"pattern {pattern} ({pname})"
        run = os.path.join(workdir, f"p{pattern}")
        os.makedirs(run)
        summary = os.path.join(run, "recv.json")
        # The victim never ends its stream: --senders 3 waits for the others.
        recv, ep = ngtest.start_receiver(["--pattern", pattern, "-o", "cams/{name}/%04d.png",
                                          "-o", "{name}.mkv", "--stats", "--senders", "3",
                                          "--summary", summary,
                                          "-t", "10"], run, cwd=run)
        victim = "west"
        senders = {}
        for name, (path, _) in sources.items():
            # The victim streams on and on; the others send their N frames slowly enough
            # to outlive it by far.
            extra = ["--loop"] if name == victim else []
            senders[name] = ngtest.ngsend(["--pattern", pattern, "--name", name, "-s", path,
                                           "--fps", "8", "-t", "10", "--stats", *extra, *ep], run)
        ngtest.wait_for_frames(senders[victim], 6)
        senders[victim].send_signal(signal.SIGKILL)
        senders[victim].wait()
        for name, send in senders.items():
            if name != victim:
                ngtest.expect_exit(send, 0, timeout=30)
        ngtest.expect_exit(recv, 0, timeout=15)
        s = ngtest.read_summary(summary)
        assert s["senders"][victim]["terminated"] is False, f"{where}: {s['senders']}"
        assert s["senders"][victim]["frames"] >= 6, f"{where}: {s['senders']}"
        # The victim's video was finalised all the same.
        got = ngtest.ffprobe_frame_count(os.path.join(run, f"{victim}.mkv"))
        assert got == s["senders"][victim]["frames"], f"{where}: {victim}.mkv has {got} frames"
        for name, w, h in SENDERS:
            if name == victim:
                continue
            mine = s["senders"][name]
            assert mine["terminated"] is True, f"{where} {name}: {mine}"
            if pattern != "2":
                assert mine["frames"] == N and mine["dropped"] == 0, f"{where} {name}: {mine}"
            outputs_match(read_outputs(run, name), sources[name][1], f"{where} {name}",
                                pattern != "2")
            frames = ngtest.ffprobe_frame_count(os.path.join(run, f"{name}.mkv"))
            assert frames == mine["frames"], f"{where} {name}.mkv: {frames} frames, {mine}"


def check_same_name_told_apart(workdir):
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", "3", "-o", "{name}.mkv", "--senders", "2",
                                      "--summary", summary, "-t", "10"], workdir,
                                     cwd=workdir)
    first = ngtest.ngsend(["--pattern", "3", "--name", "cam", "-s", "test", "--size", "64x48",
                           "--fps", FPS, "-n", "40", "--stats", *ep], workdir)
    ngtest.wait_for_frames(first, 3)
    second = ngtest.ngsend(["--pattern", "3", "--name", "cam", "-s", "test", "--size", "96x64",
                            "--fps", FPS, "-n", "30", *ep], workdir)
    ngtest.expect_exit(first, 0)
    ngtest.expect_exit(second, 0)
    ngtest.expect_exit(recv, 0, timeout=15)
    s = ngtest.read_summary(summary)
    assert sorted(s["senders"]) == ["cam", "cam#2"], s["senders"]
    assert s["senders"]["cam"]["frames"] == 40 and s["senders"]["cam#2"]["frames"] == 30, s["senders"]
    assert (s["senders"]["cam#2"]["width"], s["senders"]["cam#2"]["height"]) == (96, 64), s["senders"]
    assert ngtest.ffprobe_frame_count(os.path.join(workdir, "cam.mkv")) == 40
    assert ngtest.ffprobe_frame_count(os.path.join(workdir, "cam#2.mkv")) == 30
    assert "is called 'cam#2'" in recv.stderr(), recv.describe()


def check_shared_output_refuses_second_sender(workdir):
    # An output without {name} keeps the first sender's stream; the second one's frames are
    # refused for it, counted, and told once.
    summary = os.path.join(workdir, "recv.json")
    out = os.path.join(workdir, "one.mkv")
    # No --senders: the second ends while the first streams on, which ends the stream after.
    recv, ep = ngtest.start_receiver(["--pattern", "3", "-o", out,
                                      "--summary", summary, "-t", "10"], workdir)
    first = ngtest.ngsend(["--pattern", "3", "--name", "a", "-s", "test", "--size", "64x48",
                           "--fps", FPS, "-n", "40", "--stats", *ep], workdir)
    ngtest.wait_for_frames(first, 3)
    second = ngtest.ngsend(["--pattern", "3", "--name", "b", "-s", "test", "--size", "64x48",
                            "--fps", FPS, "-n", "20", *ep], workdir)
    ngtest.expect_exit(first, 0)
    ngtest.expect_exit(second, 0)
    ngtest.expect_exit(recv, 0, timeout=15)
    s = ngtest.read_summary(summary)
    o = s["outputs"][0]
    assert o["written"] == 40 and o["other_senders"] == 20, o
    assert ngtest.ffprobe_frame_count(out) == 40
    warnings = [l for l in recv.stderr_lines() if "{name}" in l]
    assert len(warnings) == 1, recv.describe()


def check_pair_refuses_second_sender(workdir):
    recv, ep = ngtest.start_receiver(["--pattern", "0", "-o", "null", "-t", "10"], workdir)
    first = ngtest.ngsend(["--pattern", "0", "--name", "a", "-s", "test", "--size", "64x48",
                           "--fps", FPS, "-t", "10", "--stats", *ep], workdir)
    ngtest.wait_for_frames(first, 3)
    second = ngtest.ngsend(["--pattern", "0", "--name", "b", "-s", "test", "--size", "64x48",
                            "--fps", FPS, "-t", "4", *ep], workdir)
    rc = second.wait(30)
    assert rc != 0, second.describe()
    assert "PAIR" in second.stderr_lines()[-1], second.describe()
    ngtest.wait_until(lambda: "refused a second sender" in recv.stderr(), 10, "the receiver's warning")
    assert first.popen.poll() is None, first.describe()
    first.send_signal(signal.SIGINT)
    ngtest.expect_exit(first, 0)
    ngtest.expect_exit(recv, 0)


if __name__ == "__main__":
    ngtest.main(globals())
