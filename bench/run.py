#!/usr/bin/env python3
"""ngsend -> ngrecv against a bare ZeroMQ ceiling, interleaved in one run (see scripts/bench).

Every combination of pattern, size and protocol runs the ceiling and the tools alternately
(A B A B ...), and reports medians, so that the noise of a shared machine hits both alike.
"""
import argparse
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PATTERNS = {"pair": 0, "reqrep": 1, "pushpull": 3}
SIZES = [(320, 240), (640, 480), (1280, 720), (1920, 1080)]
PROTOCOLS = ["tcp", "ipc"]
# Frames per run: about half a second of traffic at the ceiling's rate on this kind of
# machine. The shared machine's slow spells come and go within seconds and hit a pair's
# two halves alike or not at all, so for the same time more, shorter pairs (--repeat)
# give a steadier median (a single pair's ratio spreads by ±0.1 and more).
FRAMES = {(320, 240): 4000, (640, 480): 1500, (1280, 720): 800, (1920, 1080): 400}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A child whose rusage (CPU time, peak RSS) is collected with wait4."""

    def __init__(self, cmd, workdir, name, stdout_path=None):
        """stdout_path: where a binary stdout goes (e.g. raw:- video); not read back."""
        self.binary_out = stdout_path is not None
        self.out = open(stdout_path or Path(workdir) / f"{name}.out",
                        "wb" if self.binary_out else "w+")
        self.err = open(Path(workdir) / f"{name}.err", "w+")
        self.cmd = cmd
        self.popen = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)

    def finish(self, timeout):
        killer = threading.Timer(timeout, self.popen.kill)
        killer.start()
        _, status, usage = os.wait4(self.popen.pid, 0)
        killer.cancel()
        self.popen.returncode = os.waitstatus_to_exitcode(status)
        self.err.seek(0)
        self.stderr = self.err.read()
        self.stdout = None
        if not self.binary_out:
            self.out.seek(0)
            self.stdout = self.out.read()
        self.out.close()
        self.err.close()
        if self.popen.returncode != 0:
            raise RuntimeError(f"{' '.join(self.cmd)} exited {self.popen.returncode}:\n{self.stderr}")
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        self.peak_rss_mb = usage.ru_maxrss / 1024.0
        return self


def endpoint_args(protocol, workdir):
    if protocol == "tcp":
        return ["-a", "127.0.0.1", "-p", str(free_port())]
    return ["--protocol", "ipc", "-a", str(Path(workdir) / f"bench-{time.monotonic_ns()}.sock")]


def endpoint_url(args):
    if args[0] == "--protocol":
        return "ipc://" + args[3]
    return f"tcp://127.0.0.1:{args[3]}"


def measure(recv, send, frames, frame_bytes, workdir, timeout=120):
    recv_proc = Process(recv, workdir, "recv")
    time.sleep(0.05)  # let the receiver bind; the sender would retry anyway
    send_proc = Process(send, workdir, "send")
    send_proc.finish(timeout)
    recv_proc.finish(timeout)
    return recv_proc, send_proc


def run_ceiling(binary, pattern, protocol, size, frames, workdir):
    frame_bytes = size[0] * size[1] * 3
    url = endpoint_url(endpoint_args(protocol, workdir))
    recv, send = measure([binary, "recv", pattern, url, str(frame_bytes), str(frames)],
                         [binary, "send", pattern, url, str(frame_bytes), str(frames)],
                         frames, frame_bytes, workdir)
    result = json.loads(recv.stdout)
    return figures(result["fps"], frame_bytes, frames, send, recv)


def run_tools(bindir, pattern, protocol, size, frames, workdir, extra_send=(), fps="0"):
    frame_bytes = size[0] * size[1] * 3
    endpoint = endpoint_args(protocol, workdir)
    summary = Path(workdir) / "summary.json"
    common = ["--pattern", str(PATTERNS[pattern]), "-t", "30", "-q"] + endpoint
    recv, send = measure(
        [str(bindir / "ngrecv"), "-o", "null", "--summary", str(summary)] + common,
        [str(bindir / "ngsend"), "-s", "test", "--size", f"{size[0]}x{size[1]}", "--fps", fps,
         "-n", str(frames)] + list(extra_send) + common,
        frames, frame_bytes, workdir)
    result = json.loads(summary.read_text())
    if result["frames"] != frames:
        raise RuntimeError(f"ngrecv got {result['frames']} of {frames} frames")
    row = figures(result["fps"], frame_bytes, frames, send, recv)
    row["latency_ms"] = result.get("latency_ms")
    return row


def figures(fps, frame_bytes, frames, send, recv):
    return {
        "fps": fps,
        "mb_per_s": fps * frame_bytes / 1e6,
        "send_cpu_us_per_frame": send.cpu_seconds / frames * 1e6,
        "recv_cpu_us_per_frame": recv.cpu_seconds / frames * 1e6,
        "send_peak_rss_mb": send.peak_rss_mb,
        "recv_peak_rss_mb": recv.peak_rss_mb,
    }


def median_row(rows):
    keys = [k for k in rows[0] if isinstance(rows[0][k], (int, float))]
    return {k: statistics.median(r[k] for r in rows) for k in keys}


def ratios_to_ceiling(pairs):
    """The median of each adjacent (ceiling, tools) pair's frame-rate ratio, and of each end's
    CPU-per-frame ratio (issue 23's target: at most 1.15). A pair runs within a second or
    two, so a slower spell of the shared machine hits both of its halves."""
    ratio = statistics.median(b["fps"] / a["fps"] for a, b in pairs)
    cpu = {end: statistics.median(b[f"{end}_cpu_us_per_frame"] / a[f"{end}_cpu_us_per_frame"]
                                  for a, b in pairs) for end in ("send", "recv")}
    return ratio, cpu


def frames_per_run(args, size):
    return args.frames or FRAMES.get(size, 1000)


def throughput(args, workdir):
    combos = [(size, protocol, pattern) for size in args.sizes for protocol in args.protocols
              for pattern in args.patterns]
    rounds = {combo: [] for combo in combos}
    # Round after round over every row, one adjacent (ceiling, tools) pair each, rather than
    # all of a row's pairs at once: a slow spell of the shared machine that lasts half a
    # minute then costs every row a pair or two instead of sinking one row whole. The order
    # within a round turns, so that no side always runs first. PAIR rows add bare ZeroMQ
    # with NetGear_Async's answers, and --against another build's tools.
    for round_number in range(1, args.repeat + 1):
        for combo in combos:
            size, protocol, pattern = combo
            frames = frames_per_run(args, size)
            sides = {
                "ceiling": lambda: run_ceiling(args.ceiling, pattern, protocol, size, frames,
                                               workdir),
                "ng": lambda: run_tools(args.bin, pattern, protocol, size, frames, workdir)}
            if pattern == "pair":
                sides["answered"] = lambda: run_ceiling(args.ceiling, "pair-answered", protocol,
                                                        size, frames, workdir)
            if args.fresh:
                # PAIR's with NetGear_Async's answers too, as the tools must.
                fresh = "pair-answered-fresh" if pattern == "pair" else f"{pattern}-fresh"
                sides["fresh"] = lambda: run_ceiling(args.ceiling, fresh, protocol, size, frames,
                                                     workdir)
            if args.against:
                sides["against"] = lambda: run_tools(args.against, pattern, protocol, size,
                                                     frames, workdir)
            names = list(sides)
            turn = round_number % len(names)
            rounds[combo].append({name: sides[name]() for name in names[turn:] + names[:turn]})
        print(f"  round {round_number} of {args.repeat} done", file=sys.stderr)
    return [throughput_row(args, combo, rounds[combo]) for combo in combos]


def throughput_row(args, combo, rounds):
    size, protocol, pattern = combo
    pairs = lambda base, side: [(r[base], r[side]) for r in rounds]
    c, t = median_row([r["ceiling"] for r in rounds]), median_row([r["ng"] for r in rounds])
    ratio, cpu = ratios_to_ceiling(pairs("ceiling", "ng"))
    row = {"pattern": pattern, "protocol": protocol, "size": f"{size[0]}x{size[1]}",
           "frames": frames_per_run(args, size), "repeat": args.repeat,
           "ceiling": c, "ng": t, "ratio": ratio,
           "send_cpu_ratio": cpu["send"], "recv_cpu_ratio": cpu["recv"],
           "pairs_fps": [[a["fps"], b["fps"]] for a, b in pairs("ceiling", "ng")]}
    print(f"  {row['size']:>9} {protocol:>3} {pattern:>8}: ng {t['fps']:8.0f} fps, "
          f"ceiling {c['fps']:8.0f} fps, ratio {ratio:.2f}, CPU/frame vs ceiling "
          f"send {cpu['send']:.2f} recv {cpu['recv']:.2f}", file=sys.stderr)
    if "answered" in rounds[0]:
        # The tools against bare ZeroMQ that answers every frame, as NetGear_Async's PAIR must.
        answered_ratio, answered_cpu = ratios_to_ceiling(pairs("answered", "ng"))
        row["vs_answered"] = {"ceiling": median_row([r["answered"] for r in rounds]),
                              "ratio": answered_ratio, "send_cpu_ratio": answered_cpu["send"],
                              "recv_cpu_ratio": answered_cpu["recv"]}
        print(f"  {'':>22}  vs answered PAIR: ratio {answered_ratio:.2f}, CPU/frame send "
              f"{answered_cpu['send']:.2f} recv {answered_cpu['recv']:.2f}", file=sys.stderr)
    if "fresh" in rounds[0]:
        # Bare ZeroMQ sending a new, freshly written buffer each time against the ceiling,
        # and the tools against it.
        fresh_ratio, fresh_cpu = ratios_to_ceiling(pairs("ceiling", "fresh"))
        ng_ratio, ng_cpu = ratios_to_ceiling(pairs("fresh", "ng"))
        row["fresh"] = {"ceiling": median_row([r["fresh"] for r in rounds]),
                        "ratio": fresh_ratio, "send_cpu_ratio": fresh_cpu["send"],
                        "recv_cpu_ratio": fresh_cpu["recv"],
                        "ng": {"ratio": ng_ratio, "send_cpu_ratio": ng_cpu["send"],
                               "recv_cpu_ratio": ng_cpu["recv"]}}
        print(f"  {'':>22}  fresh buffers: ratio {fresh_ratio:.2f}, CPU/frame vs ceiling send "
              f"{fresh_cpu['send']:.2f} recv {fresh_cpu['recv']:.2f}; the tools against them: "
              f"ratio {ng_ratio:.2f}, send {ng_cpu['send']:.2f} recv {ng_cpu['recv']:.2f}",
              file=sys.stderr)
    if args.against:
        other_ratio, other_cpu = ratios_to_ceiling(pairs("ceiling", "against"))
        row["against"] = {"bin": str(args.against), "ratio": other_ratio,
                          "send_cpu_ratio": other_cpu["send"],
                          "recv_cpu_ratio": other_cpu["recv"]}
        print(f"  {'':>22}  --against: ratio {other_ratio:.2f}, CPU/frame vs ceiling send "
              f"{other_cpu['send']:.2f} recv {other_cpu['recv']:.2f}", file=sys.stderr)
    return row


# ---- JPEG rows: --compression jpeg against a one-thread TurboJPEG loop on the same frame

JPEG_QUALITY = 90
# Repetitions of the JPEG and latency rows (fewer with --smoke): they spread less than the
# throughput ratios, and each repetition takes longer (three runs; ten paced seconds).
OTHER_ROWS_REPEAT = 11
JPEG_FRAMES = {(320, 240): 3000, (640, 480): 1500, (1280, 720): 600, (1920, 1080): 300}
PSNR_FRAMES = 30


def run_jpeg_tools(args, size, frames, workdir, output, stdout_path=os.devnull, extra=()):
    """ngsend --compression jpeg into ngrecv -o OUTPUT over tcp PUSH/PULL; -o raw:- makes
    ngrecv decode every frame, -o null only counts the JPEGs."""
    endpoint = endpoint_args("tcp", workdir)
    summary = Path(workdir) / "jpeg-summary.json"
    common = ["--pattern", "3", "-t", "30", "-q"] + endpoint
    recv = Process([str(args.bin / "ngrecv"), "-o", output, "--summary", str(summary)] + common,
                   workdir, "recv", stdout_path=stdout_path)
    time.sleep(0.05)
    send = Process([str(args.bin / "ngsend"), "-s", "test", "--size", f"{size[0]}x{size[1]}",
                    "--fps", "0", "-n", str(frames), *extra] + common, workdir, "send")
    send.finish(120)
    recv.finish(120)
    result = json.loads(summary.read_text())
    if result["frames"] != frames:
        raise RuntimeError(f"ngrecv got {result['frames']} of {frames} JPEG frames")
    return {"fps": result["fps"], "bytes_per_frame": result["bytes"] / frames}


def mean_psnr(args, size, workdir):
    """PSNR of decoded JPEG frames against the same test-pattern frames sent raw."""
    import numpy as np  # Debian's python3-numpy, for /usr/bin/python3 (scripts/bench)
    frame_bytes = size[0] * size[1] * 3
    paths = {}
    for name, extra in (("raw", []), ("jpeg", ["--compression", "jpeg", "--jpeg-quality",
                                                 str(JPEG_QUALITY)])):
        paths[name] = Path(workdir) / f"psnr-{name}.bgr"
        run_jpeg_tools(args, size, PSNR_FRAMES, workdir, "raw:-", paths[name], extra)
    raw = np.memmap(paths["raw"], dtype=np.uint8).reshape(-1, frame_bytes)
    jpeg = np.memmap(paths["jpeg"], dtype=np.uint8).reshape(-1, frame_bytes)
    values = []
    for a, b in zip(raw, jpeg):
        mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
        values.append(99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse))
    return float(np.mean(values))


def jpeg_rows(args, workdir):
    rows = []
    jpeg = ["--compression", "jpeg", "--jpeg-quality", str(JPEG_QUALITY)]
    for size in args.sizes:
        frames = 30 if args.smoke else JPEG_FRAMES.get(size, 300)
        loops, counted, decoded = [], [], []
        for _ in range(min(args.repeat, OTHER_ROWS_REPEAT)):  # interleaved, as the throughput rows
            out = subprocess.run([str(args.bin / "jpeg_loop"), str(size[0]), str(size[1]),
                                  str(JPEG_QUALITY), str(max(frames // 3, 10))],
                                 check=True, capture_output=True, text=True).stdout
            loops.append(json.loads(out))
            counted.append(run_jpeg_tools(args, size, frames, workdir, "null", extra=jpeg))
            decoded.append(run_jpeg_tools(args, size, frames, workdir, "raw:-", extra=jpeg))
        med = lambda values: statistics.median(values)
        loop = {lib: {k: med(l[lib][k] for l in loops) for k in loops[0][lib]}
                for lib in ("turbojpeg", "opencv")}
        slower = min(loop["turbojpeg"]["encode_fps"], loop["turbojpeg"]["decode_fps"])
        # As for the throughput rows: the median of each adjacent pair's ratio.
        pair_ratios = [d["fps"] / min(l["turbojpeg"]["encode_fps"], l["turbojpeg"]["decode_fps"])
                       for l, d in zip(loops, decoded)]
        row = {"size": f"{size[0]}x{size[1]}", "quality": JPEG_QUALITY, "frames": frames,
               "raw_bytes": size[0] * size[1] * 3,
               "jpeg_bytes": med(r["bytes_per_frame"] for r in counted),
               "ng_fps_counted": med(r["fps"] for r in counted),
               "ng_fps_decoded": med(r["fps"] for r in decoded),
               "loop": loop, "psnr_db": mean_psnr(args, size, workdir)}
        row["ratio_decoded"] = statistics.median(pair_ratios)
        print(f"  {row['size']:>9} jpeg q{JPEG_QUALITY}: ng {row['ng_fps_decoded']:6.0f} fps "
              f"decoded, loop {slower:6.0f} fps, ratio {row['ratio_decoded']:.2f}, "
              f"{row['psnr_db']:.1f} dB", file=sys.stderr)
        rows.append(row)
    return rows


def jpeg_table(rows):
    lines = [f"JPEG at quality {JPEG_QUALITY} (4:2:0), PUSH/PULL over tcp, ngsend encoding with "
             "its default --jpeg-threads (one per CPU). \"ng decoded\" is "
             "ngrecv -o raw:- (every frame decoded on its sink thread), \"ng counted\" is "
             "-o null (no decode needed); the loop is bench/jpeg_loop, one thread encoding "
             "or decoding one test-pattern frame, in the same run:",
             "",
             "| size | raw B/frame | JPEG B/frame | bytes vs raw | ng fps decoded | ng fps counted "
             "| TurboJPEG loop encode / decode fps | ng decoded / slower loop | OpenCV loop "
             "encode / decode fps | PSNR dB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        tj, cv = r["loop"]["turbojpeg"], r["loop"]["opencv"]
        lines.append(
            f"| {r['size']} | {r['raw_bytes']} | {r['jpeg_bytes']:.0f} | "
            f"{r['jpeg_bytes'] / r['raw_bytes']:.3f} | {r['ng_fps_decoded']:.0f} | "
            f"{r['ng_fps_counted']:.0f} | {tj['encode_fps']:.0f} / {tj['decode_fps']:.0f} | "
            f"{r['ratio_decoded']:.2f} | {cv['encode_fps']:.0f} / {cv['decode_fps']:.0f} | "
            f"{r['psnr_db']:.1f} |")
    return "\n".join(lines)


def latency(args, workdir):
    frames = 30 if args.smoke else 300
    rows = [run_tools(args.bin, "pair", "tcp", (640, 480), frames, workdir, fps="30")
            for _ in range(min(args.repeat, OTHER_ROWS_REPEAT))]
    p50 = statistics.median(r["latency_ms"]["p50"] for r in rows)
    p99 = statistics.median(r["latency_ms"]["p99"] for r in rows)
    return {"pattern": "pair", "protocol": "tcp", "size": "640x480", "fps": 30,
            "frames": frames, "p50_ms": p50, "p99_ms": p99}


def startup(args, workdir):
    out = {}
    for tool in ("ngsend", "ngrecv"):
        times = []
        for _ in range(5 if args.smoke else 30):
            t0 = time.perf_counter()
            subprocess.run([str(args.bin / tool), "--version"], check=True, capture_output=True)
            times.append((time.perf_counter() - t0) * 1000)
        out[f"{tool}_version_ms"] = statistics.median(times)
    # What a plain `ngrecv -o null` / `ngsend -s test` maps: never videoio or highgui.
    for tool, cmd in (("ngrecv", ["-o", "null"]), ("ngsend", ["-s", "test"])):
        proc = subprocess.Popen([str(args.bin / tool), *cmd, "-t", "2", "-q", "-a", "127.0.0.1",
                                 "-p", str(free_port())],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        maps = Path(f"/proc/{proc.pid}/maps").read_text()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        proc.kill()
        proc.wait()
        libraries = {line.split()[-1] for line in maps.splitlines() if ".so" in line}
        out[f"{tool}_shared_libraries"] = len(libraries)
        out[f"{tool}_loads_videoio_or_highgui"] = any(
            "videoio" in lib or "highgui" in lib for lib in libraries)
        rss = [l for l in status.splitlines() if l.startswith("VmRSS")][0].split()[1]
        out[f"{tool}_idle_rss_mb"] = int(rss) / 1024.0
    return out


def callgrind_total(cmd, workdir, name):
    """Instructions (user space only: valgrind does not see the kernel) of one run."""
    out = Path(workdir) / f"{name}.callgrind"
    proc = Process(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + cmd,
                   workdir, name)
    return proc, out


def read_total(path):
    for line in path.read_text().splitlines():
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def instructions_per_frame(args, workdir, size=(640, 480), pattern="pushpull"):
    """Instructions per frame of ngsend and ngrecv at `size`: the difference between a long
    and a short run divided by the frames between them, so start-up cancels out."""
    counts = (100, 400) if not args.smoke else (10, 40)
    totals = {"ngsend": [], "ngrecv": []}
    for frames in counts:
        for tool in ("ngsend", "ngrecv"):
            endpoint = endpoint_args("tcp", workdir)
            common = ["--pattern", str(PATTERNS[pattern]), "-t", "60", "-q"] + endpoint
            recv = [str(args.bin / "ngrecv"), "-o", "null"] + common
            send = [str(args.bin / "ngsend"), "-s", "test", "--size", f"{size[0]}x{size[1]}",
                    "--fps", "0", "-n", str(frames)] + common
            # The receiver starts first either way; under valgrind it needs a moment.
            if tool == "ngrecv":
                receiver, out = callgrind_total(recv, workdir, "recv")
                time.sleep(1.0)
                sender = Process(send, workdir, "send")
            else:
                receiver = Process(recv, workdir, "recv")
                time.sleep(0.1)
                sender, out = callgrind_total(send, workdir, "send")
            sender.finish(300)
            receiver.finish(300)
            totals[tool].append(read_total(out))
    span = counts[1] - counts[0]
    return {"size": f"{size[0]}x{size[1]}", "pattern": pattern,
            "ngsend": (totals["ngsend"][1] - totals["ngsend"][0]) / span,
            "ngrecv": (totals["ngrecv"][1] - totals["ngrecv"][0]) / span}


# ---- Fan-in row: N senders of JPEG 320x240 at 15 fps each, all on this machine, into one
# ngrecv writing one mkv per sender. N grows until a run loses or refuses a frame.

FAN_IN_SIZE = (320, 240)
FAN_IN_FPS = 15
FAN_IN_SECONDS = 10
FAN_IN_STEPS = [8, 16, 24, 32, 40, 48, 64, 80, 96]
# A receiver that falls behind real time loses nothing over PUSH/PULL (the senders wait), so
# a clean run must also keep up: frames reach ngrecv within this long of their capture.
FAN_IN_MAX_LAG_MS = 1000


def run_fan_in(args, n, seconds, workdir):
    frames = FAN_IN_FPS * seconds
    run_dir = Path(workdir) / f"fanin-{n}"
    run_dir.mkdir()
    summary = run_dir / "summary.json"
    endpoint = endpoint_args("tcp", run_dir)
    common = ["--pattern", "3", "-t", "30", "-q"] + endpoint
    recv = Process([str(args.bin / "ngrecv"), "-o", str(run_dir / "{name}.mkv"), "--senders",
                    str(n), "--summary", str(summary)] + common, run_dir, "recv")
    time.sleep(0.2)
    senders = [Process([str(args.bin / "ngsend"), "--name", f"cam{i:03d}", "-s", "test", "--size",
                        f"{FAN_IN_SIZE[0]}x{FAN_IN_SIZE[1]}", "--fps", str(FAN_IN_FPS), "-n",
                        str(frames), "--compression", "jpeg", "--jpeg-threads", "1"] + common,
                       run_dir, f"send{i}") for i in range(n)]
    row = {"senders": n, "frames_per_sender": frames, "ok": False}
    try:
        for s in senders:
            s.finish(seconds * 6 + 60)
        recv.finish(60)
    except RuntimeError as e:
        row["error"] = str(e).splitlines()[0]
        return row
    result = json.loads(summary.read_text())
    per = result.get("senders", {})
    short = {k: v["frames"] for k, v in per.items() if v["frames"] != frames}
    row.update({
        "frames": result["frames"], "dropped": result["dropped"], "errors": result["errors"],
        "recv_cpu_us_per_frame": recv.cpu_seconds / max(result["frames"], 1) * 1e6,
        "recv_cpu_share": recv.cpu_seconds / max(result["seconds"], 1e-9),
        "recv_peak_rss_mb": recv.peak_rss_mb,
        "send_cpu_us_per_frame": statistics.mean(s.cpu_seconds for s in senders) / frames * 1e6,
        "latency_p99_ms": (result.get("latency_ms") or {}).get("p99"),
    })
    lag = row["latency_p99_ms"]
    row["ok"] = (result["dropped"] == 0 and result["errors"] == 0 and len(per) == n
                 and not short and result["frames"] == n * frames
                 and lag is not None and lag <= FAN_IN_MAX_LAG_MS)
    if short:
        row["short_senders"] = len(short)
    return row


def fan_in(args, workdir):
    steps, seconds = (([2], 2) if args.smoke else (FAN_IN_STEPS, FAN_IN_SECONDS))
    # Counts asked for by name are each measured; the climb stops at its first failure.
    chosen = getattr(args, "fan_in_senders", None)
    steps = chosen or steps
    rows = []
    for n in steps:
        rows.append(run_fan_in(args, n, seconds, workdir))
        print(f"fan-in {n} senders: {rows[-1]}", file=sys.stderr)
        if not rows[-1]["ok"] and not chosen:
            break
    ok = [r for r in rows if r["ok"]]
    return {"size": f"{FAN_IN_SIZE[0]}x{FAN_IN_SIZE[1]}", "fps": FAN_IN_FPS, "seconds": seconds,
            "rows": rows, "largest_ok": ok[-1] if ok else None,
            "first_failed": next((r for r in rows if not r["ok"]), None)}


def fan_in_line(f):
    best, bad = f["largest_ok"], f["first_failed"]
    if not best:
        return f"Fan-in ({f['size']} JPEG at {f['fps']} fps per sender, one mkv each): no run was clean"
    line = (f"Fan-in, {f['size']} JPEG at {f['fps']} fps per sender into one ngrecv writing one mkv "
            f"each (PUSH/PULL, all on this machine): largest clean N {best['senders']}; ngrecv "
            f"{best['recv_cpu_us_per_frame']:.0f} µs CPU per frame ({best['recv_cpu_share']:.2f} "
            f"cores), peak RSS {best['recv_peak_rss_mb']:.0f} MB; each ngsend "
            f"{best['send_cpu_us_per_frame']:.0f} µs per frame")
    if bad:
        why = bad.get("error") or (f"{bad.get('dropped')} dropped, {bad.get('errors')} errors, "
                                   f"{bad.get('short_senders', 0)} senders short, p99 latency "
                                   f"{bad.get('latency_p99_ms')} ms (limit {FAN_IN_MAX_LAG_MS})")
        line += f"; at N {bad['senders']}: {why}"
    return line
# ---- CURVE rows: the same stream with CURVE off and on, interleaved (off on off on ...)

# (label, size, ngsend flags, frames, paced fps): raw as fast as possible, and JPEG at a
# camera's rate, where the question is the CPU CURVE adds, not the top speed.
CURVE_ROWS = [("raw", (640, 480), [], 600, "0"),
              ("raw", (1920, 1080), [], 150, "0"),
              ("jpeg", (1280, 720), ["--compression", "jpeg", "--jpeg-quality", str(JPEG_QUALITY)],
               300, "30")]


def curve_keys(args, workdir):
    """A receiver and a sender key pair made with --keygen; the flags of each end."""
    keys = Path(workdir) / "curve-keys"
    keys.mkdir(exist_ok=True)
    for tool, name in (("ngrecv", "server"), ("ngsend", "client")):
        if not (keys / f"{name}.key").exists():
            subprocess.run([str(args.bin / tool), "--keygen", name, "--keys-dir", str(keys)],
                           check=True, capture_output=True)
    recv = ["--secret-key", str(keys / "server.key_secret"), "--allow-keys", str(keys / "client.key")]
    send = ["--secret-key", str(keys / "client.key_secret"), "--server-key", str(keys / "server.key")]
    return recv, send


def run_curve_pair(args, size, extra, frames, fps, workdir, curve):
    recv_keys, send_keys = curve_keys(args, workdir) if curve else ([], [])
    endpoint = endpoint_args("tcp", workdir)
    summary = Path(workdir) / "curve-summary.json"
    common = ["--pattern", "3", "-t", "30", "-q"] + endpoint
    recv, send = measure(
        [str(args.bin / "ngrecv"), "-o", "null", "--summary", str(summary), *recv_keys] + common,
        [str(args.bin / "ngsend"), "-s", "test", "--size", f"{size[0]}x{size[1]}", "--fps", fps,
         "-n", str(frames), *extra, *send_keys] + common,
        frames, size[0] * size[1] * 3, workdir)
    result = json.loads(summary.read_text())
    if result["frames"] != frames:
        raise RuntimeError(f"ngrecv got {result['frames']} of {frames} frames (curve={curve})")
    return {"fps": result["fps"], "mb_per_s": result["bytes"] / max(result["seconds"], 1e-9) / 1e6,
            "cpu_us_per_frame": (send.cpu_seconds + recv.cpu_seconds) / frames * 1e6}


def curve_rows(args, workdir):
    rows = []
    for label, size, extra, frames, fps in CURVE_ROWS:
        frames = 10 if args.smoke else frames
        off, on = [], []
        for i in range(args.repeat):
            # Each round's order the reverse of the last's, so a trend hits both alike.
            for curve in ((False, True) if i % 2 == 0 else (True, False)):
                (on if curve else off).append(
                    run_curve_pair(args, size, extra, frames, fps, workdir, curve))
        med = lambda runs, key: statistics.median(r[key] for r in runs)
        cpu_ratios = [b["cpu_us_per_frame"] / a["cpu_us_per_frame"] for a, b in zip(off, on)]
        row = {"size": f"{size[0]}x{size[1]}", "kind": label, "paced_fps": fps, "frames": frames,
               "off": {k: med(off, k) for k in off[0]}, "on": {k: med(on, k) for k in on[0]},
               "cpu_ratio": statistics.median(cpu_ratios)}
        print(f"  {row['size']:>9} {label} CURVE off/on: {row['off']['fps']:.0f}/"
              f"{row['on']['fps']:.0f} fps, CPU x{row['cpu_ratio']:.3f}", file=sys.stderr)
        rows.append(row)
    return rows


def curve_table(rows):
    lines = ["CURVE off and on, PUSH/PULL over tcp, interleaved; CPU is ngsend + ngrecv "
             "user+system per frame; the ratio is the median of the pairs' ratios.",
             "",
             "| size | kind | paced fps | fps off | fps on | MB/s off | MB/s on | CPU µs/frame off "
             "| CPU µs/frame on | CPU on/off |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['size']} | {r['kind']} | {r['paced_fps']} | {r['off']['fps']:.0f} | "
                     f"{r['on']['fps']:.0f} | {r['off']['mb_per_s']:.0f} | "
                     f"{r['on']['mb_per_s']:.0f} | {r['off']['cpu_us_per_frame']:.0f} | "
                     f"{r['on']['cpu_us_per_frame']:.0f} | {r['cpu_ratio']:.3f} |")
    return "\n".join(lines)


# ---- Recording rows (issue 24): ngrecv's CPU per frame and peak RSS writing a video file
# with each codec, from the same JPEG stream; "null" is the stream alone, for reference.

RECORDING_CODECS = ["null", "copy", "mjpeg", "h264", "ffv1"]
RECORDING_SIZES = [(640, 480), (1280, 720)]
RECORDING_FRAMES = 300


def run_recording(args, size, codec, frames, workdir):
    run_dir = Path(workdir) / f"rec-{codec}-{size[0]}x{size[1]}-{time.monotonic_ns()}"
    run_dir.mkdir()
    summary = run_dir / "summary.json"
    common = ["--pattern", "3", "-t", "30", "-q"] + endpoint_args("tcp", run_dir)
    output = ["-o", "null"] if codec == "null" else ["-o", str(run_dir / "rec.mkv"),
                                                      "--video-codec", codec]
    recv, send = measure(
        [str(args.bin / "ngrecv"), *output, "--summary", str(summary)] + common,
        [str(args.bin / "ngsend"), "-s", "test", "--size", f"{size[0]}x{size[1]}", "--fps", "0",
         "--compression", "jpeg", "-n", str(frames)] + common,
        frames, 0, run_dir)
    result = json.loads(summary.read_text())
    if result["frames_written"] != frames:
        raise RuntimeError(f"{codec}: ngrecv wrote {result['frames_written']} of {frames} frames")
    return {"size": f"{size[0]}x{size[1]}", "codec": codec, "frames": frames,
            "recv_cpu_us_per_frame": recv.cpu_seconds / frames * 1e6,
            "recv_peak_rss_mb": recv.peak_rss_mb,
            "file_kb_per_frame": (run_dir / "rec.mkv").stat().st_size / frames / 1024
            if codec != "null" else 0.0}


def recording_rows(args, workdir):
    sizes = [s for s in RECORDING_SIZES if f"{s[0]}x{s[1]}" in args.only] or RECORDING_SIZES
    codecs = [c for c in RECORDING_CODECS if c in args.only] or RECORDING_CODECS
    frames = 10 if args.smoke else (args.frames or RECORDING_FRAMES)
    repeat = 1 if args.smoke else min(args.repeat, 3)
    rows = []
    for size in sizes:
        for codec in codecs:
            runs = [run_recording(args, size, codec, frames, workdir) for _ in range(repeat)]
            row = dict(runs[0])
            for key in ("recv_cpu_us_per_frame", "recv_peak_rss_mb", "file_kb_per_frame"):
                row[key] = statistics.median(r[key] for r in runs)
            rows.append(row)
            print(f"recording {row}", file=sys.stderr)
    return rows


def recording_table(rows):
    lines = ["| size | codec | ngrecv CPU µs/frame | ngrecv peak RSS MB | file KB/frame |",
             "|---|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['size']} | {r['codec']} | {r['recv_cpu_us_per_frame']:.0f} | "
                     f"{r['recv_peak_rss_mb']:.1f} | {r['file_kb_per_frame']:.1f} |")
    return "\n".join(lines)


# ---- HTTP output rows (-o http://, issue 21): ngrecv's CPU per frame with 0, 1 and 8
# viewers of /stream.mjpg, for a JPEG stream (served as received) and a raw one (encoded
# once per frame for all viewers), at a camera's rate.
HTTP_SIZE = (1280, 720)
HTTP_FPS = "30"
HTTP_FRAMES = 150
HTTP_CLIENTS = [0, 1, 8]
HTTP_KINDS = {"jpeg": ["--compression", "jpeg", "--jpeg-quality", str(JPEG_QUALITY)], "raw": []}
HTTP_ROWS_REPEAT = 5


class MjpegViewer(threading.Thread):
    """Reads /stream.mjpg to its end, counting parts."""

    def __init__(self, port):
        super().__init__(daemon=True)
        import http.client
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", "/stream.mjpg")
        self.res = self.conn.getresponse()
        self.parts = 0
        self.start()

    def run(self):
        try:
            while True:
                line = self.res.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    self.res.readline()
                    self.res.read(int(line.split(b":")[1]))
                    self.parts += 1
        except OSError:
            return


def wait_http_port(proc, timeout=10):
    import re
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.err.seek(0)
        m = re.search(r"http output on http://127\.0\.0\.1:(\d+)", proc.err.read())
        if m:
            return int(m.group(1))
        time.sleep(0.02)
    raise RuntimeError("ngrecv did not start its HTTP output")


def run_http(args, kind, clients, frames, workdir):
    endpoint = endpoint_args("tcp", workdir)
    summary = Path(workdir) / "http-summary.json"
    common = ["--pattern", "3", "-t", "30"] + endpoint
    recv = Process([str(args.bin / "ngrecv"), "-o", "http://127.0.0.1:0", "--summary",
                    str(summary)] + common, workdir, "recv")
    viewers = [MjpegViewer(wait_http_port(recv)) for _ in range(clients)]
    send = Process([str(args.bin / "ngsend"), "-s", "test", "--size",
                    f"{HTTP_SIZE[0]}x{HTTP_SIZE[1]}", "--fps", HTTP_FPS, "-n", str(frames),
                    "-q", *HTTP_KINDS[kind]] + common, workdir, "send")
    send.finish(120)
    recv.finish(120)
    for viewer in viewers:
        viewer.join(10)
    result = json.loads(summary.read_text())
    if result["frames"] != frames:
        raise RuntimeError(f"ngrecv got {result['frames']} of {frames} frames (http {kind})")
    parts = [v.parts for v in viewers]
    return {"recv_cpu_us_per_frame": recv.cpu_seconds / frames * 1e6,
            "viewer_frames_min": min(parts) if parts else 0}


def http_rows(args, workdir):
    kinds = [k for k in HTTP_KINDS if k in args.only] or list(HTTP_KINDS)
    counts = [n for n in HTTP_CLIENTS if f"{n}clients" in args.only] or HTTP_CLIENTS
    frames = 10 if args.smoke else HTTP_FRAMES
    rows = []
    for kind in kinds:
        for clients in counts:
            runs = [run_http(args, kind, clients, frames, workdir)
                    for _ in range(min(args.repeat, HTTP_ROWS_REPEAT))]
            row = {"size": f"{HTTP_SIZE[0]}x{HTTP_SIZE[1]}", "kind": kind, "clients": clients,
                   "fps": HTTP_FPS, "frames": frames,
                   "recv_cpu_us_per_frame": statistics.median(
                       r["recv_cpu_us_per_frame"] for r in runs),
                   "viewer_frames_min": min(r["viewer_frames_min"] for r in runs)}
            print(f"  http {kind} {clients} viewers: {row['recv_cpu_us_per_frame']:.0f} µs/frame",
                  file=sys.stderr)
            rows.append(row)
    return rows


def http_table(rows):
    lines = ["ngrecv -o http:// at 30 fps, ngrecv's user+system CPU per frame (median of runs); "
             "viewers read /stream.mjpg; the fewest frames a viewer got of each run's.",
             "",
             "| size | stream | viewers | recv CPU µs/frame | fewest frames a viewer got |",
             "|---|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['size']} | {r['kind']} | {r['clients']} | "
                     f"{r['recv_cpu_us_per_frame']:.0f} | "
                     f"{r['viewer_frames_min'] if r['clients'] else '-'} of {r['frames']} |")
    return "\n".join(lines)


def machine():
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"cores": os.cpu_count(), "cpu": model, "kernel": platform.release()}


def table(results):
    lines = ["| size | proto | pattern | ng fps | ceiling fps | ratio | ng MB/s | send CPU µs/frame | "
             "recv CPU µs/frame | send peak RSS MB | recv peak RSS MB |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        t, c = r["ng"], r["ceiling"]
        lines.append(
            f"| {r['size']} | {r['protocol']} | {r['pattern']} | {t['fps']:.0f} | {c['fps']:.0f} | "
            f"{r['ratio']:.2f} | {t['mb_per_s']:.0f} | {t['send_cpu_us_per_frame']:.0f} "
            f"(ceiling {c['send_cpu_us_per_frame']:.0f}) | {t['recv_cpu_us_per_frame']:.0f} "
            f"(ceiling {c['recv_cpu_us_per_frame']:.0f}) | {t['send_peak_rss_mb']:.1f} | "
            f"{t['recv_peak_rss_mb']:.1f} (ceiling {c['recv_peak_rss_mb']:.1f}) |")
    return "\n".join(lines)


def ratio_table(results):
    """Each row's ratios to the ceiling (medians of the pairs' ratios); for PAIR also to bare
    ZeroMQ answering every frame as NetGear_Async's PAIR does, and with --fresh to bare
    ZeroMQ sending a new buffer each time (PAIR's with the answers)."""
    def cells(ratios):
        if not ratios:
            return "| |"
        return (f"{ratios['ratio']:.2f} | {ratios['send_cpu_ratio']:.2f} | "
                f"{ratios['recv_cpu_ratio']:.2f}")
    fresh = any("fresh" in r for r in results)
    lines = ["| size | proto | pattern | fps ratio | send CPU ratio | recv CPU ratio | "
             "vs answered PAIR: fps | send CPU | recv CPU |"
             + (" vs fresh buffers: fps | send CPU | recv CPU |" if fresh else ""),
             "|---|---|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if fresh else "")]
    for r in results:
        line = (f"| {r['size']} | {r['protocol']} | {r['pattern']} | {cells(r)} | "
                f"{cells(r.get('vs_answered'))} |")
        if fresh:
            line += f" {cells(r.get('fresh', {}).get('ng'))} |"
        lines.append(line)
    return "\n".join(lines)


def report(data):
    lat, start = data["latency"], data["startup"]
    return "\n".join([
        table(data["throughput"]),
        "",
        ratio_table(data["throughput"]),
        "",
        jpeg_table(data["jpeg"]),
        "",
        curve_table(data["curve"]),
        "",
        http_table(data["http"]),
        "",
        f"Latency, capture to receive, {lat['size']} {lat['pattern']}/{lat['protocol']} paced at "
        f"{lat['fps']} fps: p50 {lat['p50_ms']:.3f} ms, p99 {lat['p99_ms']:.3f} ms",
        f"Start-up: ngsend --version {start['ngsend_version_ms']:.1f} ms, ngrecv --version "
        f"{start['ngrecv_version_ms']:.1f} ms; idle RSS ngsend -s test "
        f"{start['ngsend_idle_rss_mb']:.1f} MB ({start['ngsend_shared_libraries']} libraries), "
        f"ngrecv -o null {start['ngrecv_idle_rss_mb']:.1f} MB "
        f"({start['ngrecv_shared_libraries']} libraries); videoio/highgui loaded: "
        f"ngsend {start['ngsend_loads_videoio_or_highgui']}, "
        f"ngrecv {start['ngrecv_loads_videoio_or_highgui']}",
        "",
        fan_in_line(data["fan_in"]),
    ])


BEGIN_MARK = "<!-- scripts/bench writes from here -->"
END_MARK = "<!-- scripts/bench writes up to here -->"


def write_markdown(data, path):
    """Replaces the generated section of docs/benchmarks.md; the rest is hand-written."""
    m = data["machine"]
    generated = (
        "The ceiling is `bench/zmq_ceiling`, a "
        "bare cppzmq sender and receiver moving one frame's bytes zero-copy from one buffer. Each "
        "row is the median of adjacent pairs of runs (ceiling and tools, taken in rounds over every "
        "row, each round's order the reverse of the last's), and its ratio the median of the pairs' "
        "ratios; the tools are "
        "`ngsend -s test --fps 0` into `ngrecv -o null`. CPU is user+system seconds per frame; RSS "
        "is the peak resident set.\n\n"
        f"Run on {data['date']}: {m['cores']} cores, {m['cpu']}, Linux {m['kernel']}.\n\n"
        + report(data) + "\n")
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN_MARK}\n{END_MARK}\n"
    head, rest = text.split(BEGIN_MARK, 1)
    tail = rest.split(END_MARK, 1)[1]
    path.write_text(f"{head}{BEGIN_MARK}\n{generated}{END_MARK}{tail}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", type=Path, required=True, help="folder with ngsend and ngrecv")
    parser.add_argument("--smoke", action="store_true", help="tiny counts; keeps the harness working")
    parser.add_argument("--repeat", type=int, default=31,
                        help="runs of each side per row; the ratio is the median of the pairs")
    parser.add_argument("--frames", type=int, default=0, help="frames per run (0 = by size)")
    parser.add_argument("--json", type=Path, help="where to write the JSON results")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--callgrind", action="store_true",
                        help="only count instructions per frame of ngsend and ngrecv (valgrind)")
    parser.add_argument("--fan-in", action="store_true",
                        help="only the fan-in row: N JPEG senders into one ngrecv, N growing")
    parser.add_argument("--fan-in-senders", type=int, nargs="+", metavar="N",
                        help="with --fan-in: measure these sender counts (e.g. 32 48) rather "
                             f"than climbing {FAN_IN_STEPS}")
    parser.add_argument("--curve", action="store_true",
                        help="only the CURVE off/on rows; implies --no-docs")
    parser.add_argument("--throughput-only", action="store_true",
                        help="only the throughput rows (with --only, the rows named); implies "
                             "--no-docs")
    parser.add_argument("--recording", action="store_true",
                        help="only the recording rows: ngrecv writing mkv per codec (copy, "
                             "mjpeg, h264, ffv1) from a JPEG stream; --only picks sizes and "
                             "codecs, e.g. --recording --only 1280x720 h264")
    parser.add_argument("--http", action="store_true",
                        help="only the HTTP output rows (--only jpeg|raw, 0clients|1clients|"
                             "8clients narrows them); implies --no-docs")
    parser.add_argument("--against", type=Path, metavar="BIN",
                        help="with --throughput-only: another build's bin folder, whose tools "
                             "run in the same rounds, for an A/B of two builds in one run")
    parser.add_argument("--fresh", action="store_true",
                        help="with --throughput-only: also run bare ZeroMQ sending a new, "
                             "freshly written buffer each time (zmq_ceiling PATTERN-fresh; "
                             "PAIR's answered as NetGear_Async's)")
    parser.add_argument("--only", nargs="+", default=[], metavar="WORD",
                        help="throughput rows limited to these sizes (640x480), protocols and "
                             "patterns, e.g. --only 1280x720 ipc pushpull; implies --no-docs")
    args = parser.parse_args()
    args.bin = args.bin.resolve()
    args.ceiling = str(args.bin / "zmq_ceiling")
    if args.against:
        args.against = args.against.resolve()
    args.sizes, args.protocols, args.patterns = SIZES, PROTOCOLS, list(PATTERNS)
    if args.only:
        pick = lambda values, name: [v for v in values if name(v) in args.only] or values
        args.sizes = pick(SIZES, lambda s: f"{s[0]}x{s[1]}")
        args.protocols = pick(PROTOCOLS, str)
        args.patterns = pick(list(PATTERNS), str)
        args.no_docs = True
    if args.smoke:
        args.sizes, args.repeat, args.frames = [(320, 240)], 1, 30
        args.no_docs = True
    if args.fan_in:
        with tempfile.TemporaryDirectory(prefix="ngbench-") as workdir:
            result = fan_in(args, workdir)
        print(fan_in_line(result))
        print(json.dumps(result, indent=2))
        return
    if args.callgrind:
        # PUSH/PULL for the data path alone; REQ/REP adds an answer to every frame.
        for pattern in ("pushpull", "reqrep"):
            with tempfile.TemporaryDirectory(prefix="ngbench-") as workdir:
                result = instructions_per_frame(args, workdir, pattern=pattern)
            print(f"instructions per frame at {result['size']} {result['pattern']}: "
                  f"ngsend {result['ngsend']:.0f}, ngrecv {result['ngrecv']:.0f}")
        return
    if args.recording:
        with tempfile.TemporaryDirectory(prefix="ngbench-") as workdir:
            rows = recording_rows(args, workdir)
        print(recording_table(rows))
        return
    if args.curve:
        with tempfile.TemporaryDirectory(prefix="ngbench-") as workdir:
            rows = curve_rows(args, workdir)
        print(curve_table(rows))
        return
    if args.throughput_only:
        with tempfile.TemporaryDirectory(prefix="ngbench-") as workdir:
            rows = throughput(args, workdir)
        print(table(rows))
        print()
        print(ratio_table(rows))
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2) + "\n")
        return
    if args.http:
        with tempfile.TemporaryDirectory(prefix="ngbench-") as workdir:
            rows = http_rows(args, workdir)
        print(http_table(rows))
        return
    with tempfile.TemporaryDirectory(prefix="ngbench-") as workdir:
        data = {"date": datetime.date.today().isoformat(), "machine": machine(),
                "throughput": throughput(args, workdir), "jpeg": jpeg_rows(args, workdir),
                "curve": curve_rows(args, workdir), "http": http_rows(args, workdir),
                "latency": latency(args, workdir),
                "startup": startup(args, workdir), "fan_in": fan_in(args, workdir)}
    print(report(data))
    json_path = args.json or args.bin.parent / "bench.json"
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nJSON: {json_path}", file=sys.stderr)
    if not args.no_docs:
        write_markdown(data, REPO / "docs" / "benchmarks.md")
        print("docs/benchmarks.md updated", file=sys.stderr)


if __name__ == "__main__":
    main()
