"""Soak on a flaky cable (issue 19): a minute of JPEG frames over two network namespaces with
five 2 s cuts at random moments, for PAIR, REQ/REP and PUSH/PULL at once (three host pairs,
so the check costs one minute, not three). Nothing is lost, nothing is passed on twice, and
neither end's memory grows. Reads --summary."""
import os
import random
import time

import ngtest
from twohost import TwoHosts, in_parallel

PATTERNS = {0: "PAIR", 1: "REQ/REP", 3: "PUSH/PULL"}
PORT = 5555
FPS, SECONDS, CUTS, CUT_SECONDS = 30, 60, 5, 2


def soak(workdir, pattern, seed, results):
    frames = FPS * SECONDS
    wd = os.path.join(workdir, str(pattern))
    where = f"soak, pattern {pattern} ({PATTERNS[pattern]})"
    rng = random.Random(seed)
    with TwoHosts() as hosts:
        # Default heartbeats (5 s): a 2 s cut is ridden out by TCP, with no connection dropped.
        flags = ["-a", hosts.receiver_addr, "-p", PORT, "--pattern", pattern, "-t", 30]
        recv_json, send_json = os.path.join(wd, "recv.json"), os.path.join(wd, "send.json")
        recv = hosts.ngrecv([*flags, "-o", "null", "--stats", "--summary", recv_json], wd)
        send = hosts.ngsend([*flags, "-s", "test", "--size", "320x240", "--fps", FPS, "-n",
                             frames, "--compression", "jpeg", "--summary", send_json], wd)
        ngtest.wait_for_frames(recv, 30, timeout=15)
        start = time.monotonic()
        # Five cuts at random moments, each in its own stretch of the minute.
        stretch = (SECONDS - 8) / CUTS
        rss = {"ngsend": [], "ngrecv": []}
        for i in range(CUTS):
            at = start + i * stretch + rng.uniform(0, stretch - CUT_SECONDS - 1)
            time.sleep(max(0, at - time.monotonic()))
            hosts.cut()
            time.sleep(CUT_SECONDS)
            hosts.restore()
            for proc in (send, recv):
                if proc.popen.poll() is None:
                    rss[proc.name].append(ngtest.memory_kib(proc, "VmRSS"))
        ngtest.expect_exit(send, 0, timeout=SECONDS + 30)
        ngtest.expect_exit(recv, 0, timeout=10)
        r, s = ngtest.read_summary(recv_json), ngtest.read_summary(send_json)
        results[pattern] = (r, s, rss)
        assert s["frames"] == frames and s["dropped"] == 0, f"{where}: sender {s}"
        assert r["frames"] == frames, f"{where}: receiver got {r['frames']}: {r}"
        assert r["dropped_in_transit"] == 0 and r["frames_written"] == frames, f"{where}: {r}"
        for name, samples in rss.items():
            # Resident memory after the last cut is within a bound of that after the first:
            # nothing kept per cut.
            assert samples[-1] <= samples[0] * 1.5 + 16 * 1024, f"{where}: {name} RSS {samples}"


def check_soak_with_cuts(workdir):
    results = {}
    try:
        in_parallel([lambda p=p: soak(workdir, p, 19 + p, results) for p in PATTERNS])
    finally:
        for pattern, (r, s, rss) in sorted(results.items()):
            print(f"  {PATTERNS[pattern]}: {r['frames']} frames, {r['dropped_in_transit']} lost, "
                  f"{r['duplicates']} duplicates, {s['sent_again']} sent again; RSS KiB send "
                  f"{rss['ngsend']}, recv {rss['ngrecv']}")


if __name__ == "__main__":
    ngtest.main(globals())
