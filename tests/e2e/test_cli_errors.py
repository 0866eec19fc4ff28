"""Proves bad command lines exit 2 with one line naming the culprit, and missing peers exit 3 within --timeout."""
import os
import re
import time

import ngtest


def assert_usage_error(tool, args, needle):
    out = ngtest.run([tool, *args], timeout=15)
    cmd = " ".join(map(str, [tool, *args]))
    lines = [l for l in out.stderr.splitlines() if l.strip()]
    assert out.returncode == 2, f"{cmd}: exit {out.returncode}, expected 2\nstderr: {out.stderr}"
    assert len(lines) == 1, f"{cmd}: expected one stderr line, got {len(lines)}:\n{out.stderr}"
    assert needle in lines[0], f"{cmd}: message does not name {needle!r}: {lines[0]}"


def check_bad_flags(workdir):
    S, R = ngtest.NGSEND, ngtest.NGRECV
    # Flags that reach the run (outputs, sources) get a safe endpoint and a short timeout,
    # so a missed check cannot hang or grab a shared port.
    safe = [*ngtest.endpoint(), "-t", "2"]
    cases = [
        (S, ["--port", "70000"], "--port"),
        (R, ["--port", "70000"], "--port"),
        (S, ["--pattern", "9"], "--pattern"),
        (R, ["--pattern", "9"], "--pattern"),
        (S, ["--protocol", "udp"], "--protocol"),
        (S, ["--size", "640"], "--size"),
        (S, ["--timeout", "-1"], "--timeout"),
        (R, ["--timeout", "-1"], "--timeout"),
        (R, ["--bogus"], "--bogus"),
        (S, ["--bogus"], "--bogus"),
        (S, ["--bidirectional", "--pattern", "2"], "--bidirectional"),
        (R, ["--bidirectional", "--pattern", "3"], "--bidirectional"),
        (R, ["--reply", "hi"], "--reply"),
        (R, ["--max-frame-size", "640x480"], "--max-frame-size"),
        (R, ["--max-frame-size", "64x64x2"], "--max-frame-size"),
        (S, ["--max-frame-size", "0x64x3"], "--max-frame-size"),
        (R, ["-o", "foo.xyz", *safe], "foo.xyz"),
        (S, ["-s", "/no/such/file.mp4", *safe], "/no/such/file.mp4"),
    ]
    failures = []
    for tool, args, needle in cases:
        try:
            assert_usage_error(tool, args, needle)
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n\n".join(failures)


def check_sender_times_out_without_receiver(workdir):
    # PAIR and REQ/REP wait for an answer, PUSH for room once its queue is full, PUB for
    # a subscriber: each gives up after --timeout with exit 3, naming the endpoint.
    for pattern in (0, 1, 2, 3):
        ep = ngtest.endpoint()  # nobody listens there
        port = ngtest.port_of(ep)
        started = time.monotonic()
        send = ngtest.ngsend(["--pattern", pattern, *ep, "-t", "1",
                              "-s", "test", "--size", "64x48", "--fps", "0", "-n", "50"],
                             workdir)
        ngtest.expect_exit(send, 3, timeout=10)
        assert time.monotonic() - started < 6, "ngsend took too long to give up"
        last = send.stderr_lines()[-1]
        # The endpoint, and the likely cause: no ngrecv there, or one with another pattern.
        assert f"127.0.0.1:{port}" in last and "ngrecv" in last, (
            f"pattern {pattern}: the message does not name the endpoint and the cause\n"
            + send.describe())


def check_receiver_times_out_without_sender(workdir):
    for pattern in (0, 1, 2, 3):
        summary = os.path.join(workdir, f"timeout-{pattern}.json")
        started = time.monotonic()
        recv = ngtest.ngrecv(["--pattern", pattern, "-a", "127.0.0.1", "-p", "0", "-t", "1",
                              "-o", "null", "--summary", summary], workdir)
        ngtest.expect_exit(recv, 3, timeout=10)
        assert time.monotonic() - started < 6, "ngrecv took too long to give up"
        # The summary is written on a timeout too, and names the port -p 0 became.
        s = ngtest.read_summary(summary)
        assert s["frames"] == 0 and s["terminated"] is False, s
        assert s["endpoint"] in recv.stderr_lines()[-1], (
            "message does not name the endpoint\n" + recv.describe())


def check_timeout_zero_waits_for_a_late_peer(workdir):
    # --timeout 0 waits forever: each tool outwaits a 1 s timeout by far, then streams
    # once its peer turns up.
    for late in ("receiver", "sender"):
        summary = os.path.join(workdir, f"late-{late}.json")
        recv_args = ["-t", "0" if late == "sender" else "10", "-o", "null", "--summary", summary]
        send_args = ["-t", "0" if late == "receiver" else "10", "-s", "test", "--size", "64x48",
                     "--fps", "0", "-n", "20"]
        if late == "sender":
            first, ep = ngtest.start_receiver(recv_args, workdir)
        else:
            # The sender connects first, so the port is chosen before anything binds it.
            ep = ngtest.endpoint()
            first = ngtest.ngsend([*send_args, *ep], workdir)
        # Not a wait for an event: the time that passes with no peer is what is tested.
        time.sleep(3)
        assert first.popen.poll() is None, f"{first.name} -t 0 gave up\n" + first.describe()
        second = ngtest.ngsend([*send_args, *ep], workdir) if late == "sender" else \
            ngtest.ngrecv([*recv_args, *ep], workdir)
        ngtest.expect_exit(first, 0, timeout=15)
        ngtest.expect_exit(second, 0, timeout=15)
        s = ngtest.read_summary(summary)
        assert s["frames"] == 20 and s["terminated"] is True, f"late {late}: {s}"


def check_picam_errors(workdir):
    # No machine has camera 200: exit 1 naming it, or saying that no camera or no libcamera
    # is there (negative would be a signal, i.e. a crash).
    out = ngtest.run([ngtest.NGSEND, "-s", "picam:200", *ngtest.endpoint(), "-t", "2"],
                     env=ngtest.system_libcamera_env())
    assert out.returncode == 1, f"exit {out.returncode}\n{out.stderr}"
    assert re.search(r"picam:200: no such camera|picam: no camera found|built with libcamera",
                     out.stderr), out.stderr
    # Orientation flags belong to the Pi camera.
    out = ngtest.run([ngtest.NGSEND, "-s", "test", "--hflip", *ngtest.endpoint()])
    assert out.returncode == 2 and "-s picam" in out.stderr, out.stderr
    out = ngtest.run([ngtest.NGSEND, "-s", "picam", "--rotation", "90", *ngtest.endpoint()])
    assert out.returncode == 2 and "--rotation" in out.stderr, out.stderr


def check_version_and_help(workdir):
    for tool, flag_of_tool in ((ngtest.NGSEND, "--source"), (ngtest.NGRECV, "--output")):
        v = ngtest.run([tool, "--version"])
        assert v.returncode == 0 and v.stdout.strip(), f"{tool} --version: {v.returncode} {v.stderr}"
        h = ngtest.run([tool, "--help"])
        assert h.returncode == 0, f"{tool} --help exit {h.returncode}"
        for flag in (flag_of_tool, "--pattern", "--timeout", "--summary"):
            assert flag in h.stdout, f"{tool} --help does not list {flag}"


if __name__ == "__main__":
    ngtest.main(globals())
