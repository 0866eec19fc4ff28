"""Many senders into one ngrecv: per-sender {name} outputs, per-sender summary, senders that die or share a name, PAIR's refusal."""
import glob
import os
import re
import signal

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


def start_senders(workdir, pattern, ep, sources, extra=(), fps=FPS):
    return {name: ngtest.ngsend(["--pattern", pattern, "--name", name, "-s", path, "--fps", fps,
                                 "-t", "10", *extra, *ep], workdir)
            for name, (path, _) in sources.items()}


def each_pattern(workdir):
    """(pattern, description for messages, a folder of its own) for each pattern in turn."""
    for pattern, pname in PATTERNS.items():
        run = os.path.join(workdir, f"p{pattern}")
        os.makedirs(run)
        yield pattern, f"pattern {pattern} ({pname})", run


def start_hub(run, pattern, senders, extra=()):
    """ngrecv writing every sender's images and video under `run`, waiting for `senders`
    ends. Returns (proc, endpoint flags, summary path)."""
    summary = os.path.join(run, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", pattern, "-o", "cams/{name}/%04d.png",
                                      "-o", "{name}.mkv", "--senders", str(senders), *extra,
                                      "--summary", summary, "-t", "10"], run, cwd=run)
    return recv, ep, summary


def verify_sender_outputs(run, name, mine, images, where, complete):
    """A sender's images are its source's (all of them when `complete`) and its video holds
    as many frames as its summary entry counts."""
    got = read_outputs(run, name)
    assert len(got) == mine["frames"], f"{where} {name}: {len(got)} images, summary {mine}"
    outputs_match(got, images, f"{where} {name}", complete)
    frames = ngtest.ffprobe_frame_count(os.path.join(run, f"{name}.mkv"))
    assert frames == mine["frames"], f"{where} {name}.mkv: {frames} frames, {mine}"


def check_four_senders_each_pattern(workdir):
    sources = make_sources(workdir)
    for pattern, where, run in each_pattern(workdir):
        recv, ep, summary = start_hub(run, pattern, 4)
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
            verify_sender_outputs(run, name, mine, sources[name][1], where, complete)
            video = os.path.join(run, f"{name}.mkv")
            assert ngtest.ffprobe_size(video) == (w, h), f"{where} {name}: {ngtest.ffprobe_size(video)}"
            outs = [o for o in s["outputs"] if o["sender"] == name]
            assert len(outs) == 2 and all(o["written"] == mine["frames"] for o in outs), f"{where}: {outs}"
        assert s["frames"] == sum(v["frames"] for v in s["senders"].values()), f"{where}: {s}"


# A --stats line of one sender: "ngrecv NAME: F fps, M MB/s, N frames, D dropped, E errors,
# R refused" (docs/cli.md), beside the stream's own "ngrecv: ..." line.
SENDER_STATS_LINE = re.compile(r"^ngrecv (\S+): [\d.]+ fps, [\d.]+ MB/s, (\d+) frames, "
                               r"(\d+) dropped, (\d+) errors, (\d+) refused$")


def sender_stats(recv):
    """{name: [(frames, dropped, errors), ...]} from the receiver's per-sender --stats lines."""
    lines = {}
    for line in recv.stderr_lines():
        m = SENDER_STATS_LINE.match(line.strip())
        if m:
            lines.setdefault(m.group(1), []).append(tuple(int(g) for g in m.groups()[1:4]))
    return lines


def check_one_sender_killed_others_complete(workdir):
    sources = make_sources(workdir)
    for pattern, where, run in each_pattern(workdir):
        # The victim never ends its stream: --senders 3 waits for the others.
        recv, ep, summary = start_hub(run, pattern, 3, ["--stats"])
        victim = "west"
        # The victim streams on and on; the others send their N frames slowly enough to
        # outlive it by far.
        senders = start_senders(run, pattern, ep, {n: v for n, v in sources.items() if n != victim},
                                ["--stats"], fps="8")
        senders.update(start_senders(run, pattern, ep, {victim: sources[victim]},
                                     ["--stats", "--loop"], fps="8"))
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
            verify_sender_outputs(run, name, mine, sources[name][1], where, pattern != "2")


def two_senders(workdir, recv_args, first, second):
    """ngrecv `recv_args` (PUSH/PULL) and two ngsend of test pictures, the second started once
    the first streams. `first`, `second`: (name, frames, size). Returns ngrecv's process and
    its summary, both senders and it having ended."""
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", "3", *recv_args, "--summary", summary,
                                      "-t", "10"], workdir, cwd=workdir)

    def start(name, frames, size):
        return ngtest.ngsend(["--pattern", "3", "--name", name, "-s", "test", "--size", size,
                              "--fps", FPS, "-n", str(frames), "--stats", *ep], workdir)
    one = start(*first)
    ngtest.wait_for_frames(one, 3)
    two = start(*second)
    ngtest.expect_exit(one, 0)
    ngtest.expect_exit(two, 0)
    ngtest.expect_exit(recv, 0, timeout=15)
    return recv, ngtest.read_summary(summary)


def check_same_name_told_apart(workdir):
    recv, s = two_senders(workdir, ["-o", "{name}.mkv", "--senders", "2"],
                          ("cam", 40, "64x48"), ("cam", 30, "96x64"))
    assert sorted(s["senders"]) == ["cam", "cam#2"], s["senders"]
    assert s["senders"]["cam"]["frames"] == 40 and s["senders"]["cam#2"]["frames"] == 30, s["senders"]
    assert (s["senders"]["cam#2"]["width"], s["senders"]["cam#2"]["height"]) == (96, 64), s["senders"]
    assert ngtest.ffprobe_frame_count(os.path.join(workdir, "cam.mkv")) == 40
    assert ngtest.ffprobe_frame_count(os.path.join(workdir, "cam#2.mkv")) == 30
    assert "is called 'cam#2'" in recv.stderr(), recv.describe()


def check_shared_output_refuses_second_sender(workdir):
    # An output without {name} keeps the first sender's stream; the second one's frames are
    # refused for it, counted, and told once. No --senders: the second ends while the first
    # streams on, which ends the stream after.
    out = os.path.join(workdir, "one.mkv")
    recv, s = two_senders(workdir, ["-o", out], ("a", 40, "64x48"), ("b", 20, "64x48"))
    o = s["outputs"][0]
    assert o["written"] == 40 and o["other_senders"] == 20, o
    assert ngtest.ffprobe_frame_count(out) == 40
    warnings = [l for l in recv.stderr_lines() if "{name}" in l]
    assert len(warnings) == 1, recv.describe()


def check_stats_line_per_sender(workdir):
    # "brief" ends while "steady" streams on: once a line shows brief's total, steady is
    # told to end.
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", "3", "-o", "null", "--stats", "--summary",
                                      summary, "-t", "10"], workdir)
    steady = ngtest.ngsend(["--pattern", "3", "--name", "steady", "-s", "test", "--size", "64x48",
                            "--fps", FPS, "--stats", *ep], workdir)
    ngtest.wait_for_frames(steady, 3)
    brief = ngtest.ngsend(["--pattern", "3", "--name", "brief", "-s", "test", "--size", "32x24",
                           "--fps", FPS, "-n", "10", *ep], workdir)
    ngtest.expect_exit(brief, 0)
    ngtest.wait_until(lambda: (sender_stats(recv).get("brief") or [(0,)])[-1][0] == 10, 10,
                      "a --stats line with brief's 10 frames\n" + recv.describe())
    steady.send_signal(signal.SIGINT)
    ngtest.expect_exit(steady, 0)
    ngtest.expect_exit(recv, 0)
    s = ngtest.read_summary(summary)
    lines = sender_stats(recv)
    assert sorted(lines) == ["brief", "steady"], recv.describe()
    assert ngtest.stats_lines(recv), "no line for the whole stream\n" + recv.describe()
    for name, counts in lines.items():
        mine = s["senders"][name]
        frames = [c[0] for c in counts]
        assert frames == sorted(frames) and frames[-1] <= mine["frames"], f"{name}: {counts}, {mine}"
        assert all(c[1:] == (0, 0) for c in counts), f"{name}: drops or errors in {counts}"
    assert s["senders"]["brief"]["frames"] == 10, s["senders"]


def check_latest_finalises_each_sender_at_its_end(workdir):
    # With --latest too, "brief"'s recording is finished when brief ends, while "steady"
    # streams on.
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", "3", "--latest", "-o", "{name}.mkv",
                                      "--summary", summary, "-t", "10"], workdir, cwd=workdir)
    steady = ngtest.ngsend(["--pattern", "3", "--name", "steady", "-s", "test", "--size", "64x48",
                            "--fps", FPS, "--stats", *ep], workdir)
    ngtest.wait_for_frames(steady, 3)
    brief = ngtest.ngsend(["--pattern", "3", "--name", "brief", "-s", "test", "--size", "32x24",
                           "--fps", FPS, "-n", "10", *ep], workdir)
    ngtest.expect_exit(brief, 0)
    video = os.path.join(workdir, "brief.mkv")

    def finished():
        # A Matroska file gets its duration when it is finalised.
        out = ngtest.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                          "csv=p=0", video])
        return out.returncode == 0 and out.stdout.strip() not in ("", "N/A")
    ngtest.wait_until(finished, 10, "brief.mkv to be finished while steady streams")
    assert recv.popen.poll() is None and steady.popen.poll() is None, recv.describe()
    steady.send_signal(signal.SIGINT)
    ngtest.expect_exit(steady, 0)
    ngtest.expect_exit(recv, 0)
    s = ngtest.read_summary(summary)
    written = [o["written"] for o in s["outputs"] if o["sender"] == "brief"]
    assert written and written[0] > 0 and written[0] == ngtest.ffprobe_frame_count(video), s


def check_connect_to_several_publishers(workdir):
    # PUB/SUB the other way round: each ngsend binds its PUB, and one ngrecv --connect
    # subscribes to them all with -a repeated.
    sources = make_sources(workdir)
    summary = os.path.join(workdir, "recv.json")
    ports = {name: ngtest.free_port() for name in sources}
    senders = {name: ngtest.ngsend(["--pattern", "2", "--bind", "--name", name, "-s", path,
                                    "--fps", FPS, "-t", "10", "-a", ngtest.LOOPBACK, "-p",
                                    str(ports[name])], workdir)
               for name, (path, _) in sources.items()}
    for port in ports.values():
        ngtest.wait_until(lambda: ngtest.tcp_listening(port), 10, f"ngsend to bind {port}")
    addresses = [flag for port in ports.values() for flag in ("-a", f"{ngtest.LOOPBACK}:{port}")]
    recv = ngtest.ngrecv(["--pattern", "2", "--connect", "-o", "cams/{name}/%04d.png",
                          "--senders", str(len(sources)), "--summary", summary, "-t", "10",
                          *addresses], workdir, cwd=workdir)
    for send in senders.values():
        ngtest.expect_exit(send, 0, timeout=30)
    ngtest.expect_exit(recv, 0, timeout=15)
    s = ngtest.read_summary(summary)
    assert s["terminated"] is True and sorted(s["senders"]) == sorted(sources), s
    for name, (_, images) in sources.items():
        mine = s["senders"][name]
        # A publisher waits for its subscriber, so only the first frames can be lost to the
        # slow joiner, and they are counted.
        assert mine["terminated"] is True and mine["frames"] + mine["dropped"] == N, f"{name}: {mine}"
        assert mine["frames"] >= N // 2, f"{name}: {mine}"
        got = read_outputs(workdir, name)
        assert len(got) == mine["frames"], f"{name}: {len(got)} images, summary {mine}"
        outputs_match(got, images, name, complete=False)


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


def check_pair_lets_the_waiting_sender_in_when_the_first_dies(workdir):
    """libzmq's PAIR receiver leaves a turned-away connection open but unheard, even after
    the sender it kept is gone; ngrecv binds again once that sender's connection ended and
    nothing came for a second, so the waiting sender gets in."""
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", "0", "-o", os.path.join(workdir, "{name}", "%04d.png"),
                                      "-t", "10", "--summary", summary], workdir)
    first = ngtest.ngsend(["--pattern", "0", "--name", "a", "-s", "test", "--size", "64x48",
                           "--fps", FPS, "-t", "10", "--stats", *ep], workdir)
    ngtest.wait_for_frames(first, 3)
    second = ngtest.ngsend(["--pattern", "0", "--name", "b", "-s", "test", "--size", "64x48",
                            "--fps", FPS, "-n", "20", "-t", "10", *ep], workdir)
    ngtest.wait_until(lambda: "refused a second sender" in recv.stderr(), 10,
                      "the receiver's warning\n" + recv.describe())
    first.send_signal(signal.SIGKILL)
    ngtest.expect_exit(second, 0, timeout=20)
    ngtest.expect_exit(recv, 0)
    assert "binding again" in recv.stderr(), recv.describe()
    s = ngtest.read_summary(summary)
    assert s["senders"]["b"]["frames"] == 20 and s["senders"]["b"]["terminated"], s


if __name__ == "__main__":
    ngtest.main(globals())
