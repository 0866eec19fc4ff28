"""Proves bad command lines exit 2 with one line naming the culprit, and missing peers exit 3 within --timeout."""
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
    port = str(ngtest.free_port())
    # Flags that reach the run (outputs, sources) get a safe endpoint and a short timeout,
    # so a missed check cannot hang or grab a shared port.
    safe = ["-a", "127.0.0.1", "-p", port, "-t", "2"]
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
    for pattern in (0, 1):
        port = ngtest.free_port()
        started = time.monotonic()
        send = ngtest.ngsend(["--pattern", pattern, "-a", "127.0.0.1", "-p", port, "-t", "1",
                              "-s", "test", "--size", "64x48", "-n", "5"], workdir)
        ngtest.expect_exit(send, 3, timeout=10)
        assert time.monotonic() - started < 6, "ngsend took too long to give up"
        assert f"127.0.0.1:{port}" in send.stderr(), "message does not name the endpoint\n" + send.describe()


def check_receiver_times_out_without_sender(workdir):
    for pattern in (0, 1, 2, 3):
        port = ngtest.free_port()
        started = time.monotonic()
        recv = ngtest.ngrecv(["--pattern", pattern, "-a", "127.0.0.1", "-p", port, "-t", "1",
                              "-o", "null"], workdir)
        ngtest.expect_exit(recv, 3, timeout=10)
        assert time.monotonic() - started < 6, "ngrecv took too long to give up"
        assert str(port) in recv.stderr(), "message does not name the endpoint\n" + recv.describe()


def check_picam_not_available(workdir):
    port = ngtest.free_port()
    out = ngtest.run([ngtest.NGSEND, "-s", "picam", "-a", "127.0.0.1", "-p", port, "-t", "2"])
    # Exit 1 or 2 (negative would be a signal, i.e. a crash).
    assert out.returncode in (1, 2), f"exit {out.returncode}\n{out.stderr}"
    assert "not available" in out.stderr, out.stderr


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
