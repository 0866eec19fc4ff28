"""Shared helpers of the end-to-end tests: binaries, ports, processes, images, NetGear_Async messages."""
import atexit
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zlib

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.environ.get("NG_BIN_DIR") or os.path.join(REPO, "build", "bin")
NGSEND = os.path.join(BIN_DIR, "ngsend")
NGRECV = os.path.join(BIN_DIR, "ngrecv")
if not os.environ.get("NG_PLUGIN_DIR"):
    _plugins = os.path.join(REPO, "build", "lib", "ngstream")
    if os.path.isdir(_plugins):
        os.environ["NG_PLUGIN_DIR"] = _plugins

# Generous bounds for one subprocess; the tests use small streams, so these only matter
# when something hangs.
DEFAULT_TIMEOUT = 30


class Skip(Exception):
    """Raised by a check whose prerequisite (a tool, a display server) is absent."""


def skip(reason):
    """Ends the whole script as skipped (CTest SKIP_RETURN_CODE 77)."""
    print(f"SKIPPED: {reason}", file=sys.stderr)
    sys.exit(77)


def require_tool(name):
    path = shutil.which(name)
    if not path:
        raise Skip(f"'{name}' is not installed (scripts/install-deps installs it)")
    return path


def sanitized(binary):
    """True when `binary` was built with ASan or TSan (-DNG_SANITIZE): their shadow memory
    makes resident-size limits meaningless, and they slow everything down."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True)
    return bool(re.search(r"lib(asan|tsan)\.so", out.stdout))


def system_libcamera_env():
    """The environment for a process that loads Debian's libcamera. That libcamera links
    lttng-ust, whose listener threads now and then crash LeakSanitizer's exit-time scan
    (google/sanitizers#1286), so the leak check is off there; ASan's other checks stay on."""
    env = dict(os.environ)
    if env.get("ASAN_OPTIONS"):
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    return env


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp_listening(port):
    """True once some process listens on 127.0.0.1:port, without connecting to it
    (a connection would use up a one-shot server such as ffmpeg's listen=1)."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[1].endswith(wanted) and fields[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def memory_kib(proc, field):
    """A memory figure of a running process from /proc/PID/status, in KiB: "VmRSS" (resident
    now) or "VmHWM" (the peak resident so far)."""
    with open(f"/proc/{proc.popen.pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for {proc.name} (pid {proc.popen.pid})")


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# ---------------------------------------------------------------- processes

_live = []


def _kill_all():
    for p in list(_live):
        p.kill()


def _on_term(signum, _frame):
    # CTest's timeout sends SIGTERM to the script: take the children down with it.
    _kill_all()
    sys.exit(128 + signum)


atexit.register(_kill_all)
signal.signal(signal.SIGTERM, _on_term)


class Proc:
    """A started process whose stdout and stderr go to files, so nothing blocks on a pipe.
    stdout="pipe" gives a pipe instead (popen.stdout), for a reader the test controls."""

    def __init__(self, args, workdir, name=None, env=None, stdin=None, cwd=None, stdout=None,
                 pass_fds=()):
        self.args = [str(a) for a in args]
        self.name = name or os.path.basename(self.args[0])
        os.makedirs(workdir, exist_ok=True)
        tag = f"{self.name}-{time.monotonic_ns()}"
        piped = stdout == "pipe"
        self.out_path = None if piped else (stdout or os.path.join(workdir, tag + ".out"))
        self.err_path = os.path.join(workdir, tag + ".err")
        full_env = dict(os.environ)
        if env:
            for k, v in env.items():
                if v is None:
                    full_env.pop(k, None)
                else:
                    full_env[k] = v
        with open(self.out_path or os.devnull, "wb") as out, open(self.err_path, "wb") as err:
            self.popen = subprocess.Popen(
                self.args, stdout=subprocess.PIPE if piped else out, stderr=err, env=full_env,
                cwd=cwd, pass_fds=pass_fds,
                stdin=subprocess.PIPE if stdin == "pipe" else subprocess.DEVNULL)
        self.started = time.monotonic()
        _live.append(self)

    @property
    def cmd(self):
        return shlex.join(self.args)

    def stdout_bytes(self):
        with open(self.out_path, "rb") as f:
            return f.read()

    def stdout(self):
        return self.stdout_bytes().decode("utf-8", "replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stdout_lines(self):
        return [l for l in self.stdout().splitlines() if l.strip()]

    def stderr_lines(self):
        return [l for l in self.stderr().splitlines() if l.strip()]

    def describe(self):
        return (f"command: {self.cmd}\nexit: {self.popen.returncode}\n"
                f"--- stderr ---\n{self.stderr()[-4000:]}\n--- end ---")

    def wait_for_stderr(self, pattern, timeout=10):
        """Waits until stderr matches the regex; returns the match. Fails if the process
        ends first or the time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.stderr())
            if m:
                return m
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} ended before logging /{pattern}/\n"
                                     + self.describe())
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not log /{pattern}/ within {timeout} s\n"
                                     + self.describe())
            time.sleep(0.05)

    def wait(self, timeout=DEFAULT_TIMEOUT):
        """The exit code; kills the process and fails if it runs past `timeout`."""
        try:
            rc = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} still running after {timeout} s (killed)\n"
                                 + self.describe())
        if self in _live:
            _live.remove(self)
        return rc

    def send_signal(self, sig):
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def write_stdin(self, text):
        self.popen.stdin.write(text.encode())
        self.popen.stdin.flush()

    def kill(self):
        if self.popen.poll() is None:
            self.popen.kill()
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.popen.stdin:
            try:
                self.popen.stdin.close()
            except OSError:
                pass
        if self in _live:
            _live.remove(self)


def launch(args, workdir, **kw):
    return Proc(args, workdir, **kw)


def ngsend(args, workdir, **kw):
    return Proc([NGSEND] + list(args), workdir, name="ngsend", **kw)


def ngrecv(args, workdir, **kw):
    return Proc([NGRECV] + list(args), workdir, name="ngrecv", **kw)


def run(args, timeout=DEFAULT_TIMEOUT, text=True, **kw):
    """Runs to completion; returns the CompletedProcess (text stdout/stderr unless text=False)."""
    try:
        return subprocess.run([str(a) for a in args], capture_output=True, text=text,
                              timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"timed out after {timeout} s: {shlex.join(map(str, args))}\n"
                             f"stderr: {e.stderr!r}")


def expect_exit(proc, code, timeout=DEFAULT_TIMEOUT):
    """Waits for `proc` and asserts its exit code, showing its stderr otherwise."""
    rc = proc.wait(timeout)
    if rc != code:
        raise AssertionError(f"{proc.name} exited {rc}, expected {code}\n" + proc.describe())
    return rc


# ---------------------------------------------------------------- endpoints

LOOPBACK = "127.0.0.1"


def endpoint(port=None):
    """The -a/-p flags of both tools for 127.0.0.1:`port`, a port that was free a moment ago
    when none is given. Where the receiver binds, start_receiver() is better: it binds port 0,
    so no other process can take the port between choosing and binding it."""
    return ["-a", LOOPBACK, "-p", str(free_port() if port is None else port)]


def endpoint_flags(url):
    """The flags that reach an endpoint URL as the tools report it: tcp://HOST:PORT gives
    -a HOST -p PORT, ipc://PATH gives --protocol ipc -a PATH."""
    if url.startswith("ipc://"):
        return ["--protocol", "ipc", "-a", url[len("ipc://"):]]
    m = re.fullmatch(r"tcp://(.+):(\d+)", url)
    assert m, f"not a tcp:// or ipc:// endpoint: {url!r}"
    return ["-a", m.group(1), "-p", m.group(2)]


def port_of(flags_or_url):
    """The TCP port in endpoint flags (endpoint(), endpoint_flags()) or in an endpoint URL."""
    if isinstance(flags_or_url, str):
        return int(flags_or_url.rsplit(":", 1)[1])
    return int(flags_or_url[flags_or_url.index("-p") + 1])


def bound_endpoint(proc, timeout=10):
    """The endpoint a running tool bound or connected, with the real port when it bound
    port 0: ngrecv's 'listening on URL' and ngsend's 'streaming SOURCE to URL' start-up
    lines. Both tools also write it to their --summary as "endpoint", but only at exit;
    while they run, this line is the one place that tells the port, and the only log
    wording the tests rely on to find it."""
    return proc.wait_for_stderr(r"(?:listening on|streaming .+? to) (\S+)", timeout).group(1)


def wait_listening(recv_proc, timeout=10):
    """Waits until ngrecv listens; returns the endpoint it bound (see bound_endpoint)."""
    return bound_endpoint(recv_proc, timeout)


def start_receiver(args, workdir, ipc_path=None, timeout=10, **kw):
    """Starts ngrecv `args` bound to 127.0.0.1 on a port the kernel picks (or to the ipc
    socket `ipc_path`) and waits until it listens. Returns (proc, flags): the flags that
    reach it (-a 127.0.0.1 -p PORT), for ngsend or for a second ngrecv on the same port.
    `args` must not hold -a/-p/--protocol."""
    where = ["--protocol", "ipc", "-a", ipc_path] if ipc_path else ["-a", LOOPBACK, "-p", "0"]
    proc = ngrecv([*args, *where], workdir, **kw)
    return proc, endpoint_flags(wait_listening(proc, timeout))


def wait_stdin_drained(proc, timeout=10):
    """Waits until `proc` has read everything written to its stdin pipe (stdin="pipe")."""
    import fcntl
    import termios

    def unread():
        buf = bytearray(4)
        fcntl.ioctl(proc.popen.stdin.fileno(), termios.FIONREAD, buf)
        return int.from_bytes(buf, sys.byteorder)
    wait_until(lambda: unread() == 0 or proc.popen.poll() is not None, timeout,
               f"{proc.name} to read its stdin")


# ---------------------------------------------------------------- --stats and --summary

# One --stats line, as docs/cli.md states it: "TOOL: F fps, M MB/s, N frames, D dropped,
# E errors, R refused", the last four totals so far.
STATS_LINE = re.compile(r"^(\w+): ([\d.]+) fps, ([\d.]+) MB/s, (\d+) frames, (\d+) dropped, "
                        r"(\d+) errors, (\d+) refused$")


def stats_lines(proc):
    """Every --stats line `proc` printed so far, as dicts with the line's numbers."""
    out = []
    for line in proc.stderr_lines():
        m = STATS_LINE.match(line.strip())
        if m:
            out.append(dict(tool=m.group(1), fps=float(m.group(2)), mb_per_s=float(m.group(3)),
                            frames=int(m.group(4)), dropped=int(m.group(5)),
                            errors=int(m.group(6)), refused=int(m.group(7))))
    return out


def frames_so_far(proc):
    """The frame total of the newest --stats line of `proc` (0 before the first)."""
    lines = stats_lines(proc)
    return lines[-1]["frames"] if lines else 0


def wait_for_frames(proc, count, timeout=10):
    """Waits until `proc`, run with --stats, reports at least `count` frames."""
    wait_until(lambda: frames_so_far(proc) >= count or proc.popen.poll() is not None, timeout,
               f"{proc.name} to count {count} frames\n" + proc.describe())
    assert frames_so_far(proc) >= count, (f"{proc.name} ended before counting {count} frames\n"
                                          + proc.describe())


def read_summary(path):
    with open(path) as f:
        return json.load(f)


def summary_from_stderr(text):
    """The --summary - JSON object among the log lines on stderr."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            return json.loads(line)
    raise AssertionError("no JSON summary line on stderr:\n" + text)


SUMMARY_KEYS = {"frames", "bytes", "seconds", "fps", "dropped", "errors", "refused"}


def check_summary_keys(summary):
    missing = SUMMARY_KEYS - set(summary)
    assert not missing, f"summary lacks {sorted(missing)}: {summary}"


# ---------------------------------------------------------------- media helpers

def ffprobe_frame_count(path):
    require_tool("ffprobe")
    out = run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
               "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path], timeout=60)
    assert out.returncode == 0, f"ffprobe failed on {path}: {out.stderr}"
    return int(out.stdout.strip().split(",")[0])


def ffprobe_size(path):
    require_tool("ffprobe")
    out = run(["ffprobe", "-v", "error", "-select_streams", "v:0",
               "-show_entries", "stream=width,height", "-of", "csv=p=0", path], timeout=60)
    assert out.returncode == 0, f"ffprobe failed on {path}: {out.stderr}"
    w, h = out.stdout.strip().split(",")[:2]
    return int(w), int(h)


def seeded_image(seed, shape):
    """Random uint8 pixels, reproducible from the seed."""
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def png_sequence(workdir, name, seed, count, shape):
    """`count` seeded RGB frames of `shape` (H, W, 3) written as workdir/name/000.png ...
    for `ngsend -s` or `--reply-source`; returns (the printf pattern of their paths, the
    frames in BGR as OpenCV reads them)."""
    folder = os.path.join(workdir, name)
    os.makedirs(folder)
    frames = []
    for i in range(count):
        rgb = seeded_image(seed + i, shape)
        write_png(os.path.join(folder, f"{i:03d}.png"), rgb)
        frames.append(np.ascontiguousarray(rgb[..., ::-1]))
    return os.path.join(folder, "%03d.png"), frames


def _png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def raw_frames(data, width, height):
    """Raw BGR bytes (-o raw) as an array of width x height frames; whole frames only."""
    size = width * height * 3
    assert len(data) % size == 0, f"{len(data)} raw bytes are not whole {width}x{height} frames"
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, height, width, 3)


def read_raw_frames(path, width, height):
    """The frames of a raw BGR file (-o raw), as raw_frames()."""
    with open(path, "rb") as f:
        return raw_frames(f.read(), width, height)


def write_png(path, pixels):
    """Writes an 8-bit PNG: HxW grey, HxWx3 RGB or HxWx4 RGBA (channel order as given)."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    colour_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = pixels.reshape(h, w * channels)
    raw = b"".join(b"\x00" + rows[y].tobytes() for y in range(h))  # filter type 0 (None)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(_png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)))
        f.write(_png_chunk(b"IDAT", zlib.compress(raw)))
        f.write(_png_chunk(b"IEND", b""))


def read_png(path):
    """Decodes an 8-bit, non-interlaced grey/RGB/RGBA PNG into a numpy array (PNG channel
    order: RGB(A)). Independent of OpenCV, so it checks what the tools wrote."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    w, h, depth, colour_type, _, _, interlace = ihdr
    assert depth == 8 and interlace == 0, f"{path}: unsupported PNG depth {depth} / interlace"
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    stride = w * channels
    raw = zlib.decompress(idat)
    out = np.zeros((h, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    bpp = channels
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride,
                             offset=y * (stride + 1) + 1).astype(np.int32)
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) & 0xFF
        else:
            # Sub, Average and Paeth depend on the pixel to the left: go byte by byte.
            cur = np.zeros(stride, dtype=np.int32)
            lv, pv = line.tolist(), prev.tolist()
            cv = [0] * stride
            for i in range(stride):
                a = cv[i - bpp] if i >= bpp else 0
                b = pv[i]
                c = pv[i - bpp] if i >= bpp else 0
                if ftype == 1:
                    pred = a
                elif ftype == 3:
                    pred = (a + b) // 2
                elif ftype == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                else:
                    raise AssertionError(f"{path}: bad PNG filter {ftype}")
                cv[i] = (lv[i] + pred) & 0xFF
            cur = np.array(cv, dtype=np.int32)
        out[y] = cur
        prev = cur
    img = out.astype(np.uint8)
    return img.reshape(h, w) if channels == 1 else img.reshape(h, w, channels)


# ---------------------------------------------------------------- NetGear_Async messages
# The format stated in docs/protocol.md, as vidgear's Python peers produce it.

def vg_header(bi_mode=False, data=""):
    import msgpack
    return msgpack.packb(dict(terminate=False, bi_mode=bi_mode, data=data))


def vg_frame(frame):
    import msgpack
    import msgpack_numpy
    return msgpack.packb(frame, default=msgpack_numpy.encode)


def vg_decode_frame(payload):
    import msgpack
    import msgpack_numpy
    return msgpack.unpackb(payload, object_hook=msgpack_numpy.decode)


def vg_terminate():
    import msgpack
    return msgpack.packb(dict(terminate=True))


PLAIN_ACK = re.compile(r"^Data received on client: ([A-Z0-9]+) !$")
TERMINATE_ACK = re.compile(r"^Client-`([A-Z0-9]+)` successfully terminated!$")


# ---------------------------------------------------------------- runner

def main(namespace):
    """Runs every check_* function of the calling script (or those named on the command
    line), each in its own temp folder. Exit: 1 if one failed, else 77 if one skipped, else 0."""
    checks = [(n, f) for n, f in namespace.items() if n.startswith("check_") and callable(f)]
    wanted = sys.argv[1:]
    if wanted:
        checks = [(n, f) for n, f in checks if n in wanted]
    for tool in (NGSEND, NGRECV):
        if not os.access(tool, os.X_OK):
            print(f"FAIL: {tool} is missing (build first, or set NG_BIN_DIR)", file=sys.stderr)
            sys.exit(1)
    failed, skipped = [], []
    t_all = time.monotonic()
    for name, fn in checks:
        t0 = time.monotonic()
        workdir = tempfile.mkdtemp(prefix=f"ng-e2e-{name}-")
        try:
            fn(workdir)
            print(f"PASS {name} ({time.monotonic() - t0:.1f} s)", flush=True)
            shutil.rmtree(workdir, ignore_errors=True)
        except Skip as e:
            skipped.append(name)
            print(f"SKIP {name}: {e}", flush=True)
            shutil.rmtree(workdir, ignore_errors=True)
        except Exception:
            failed.append(name)
            print(f"FAIL {name} ({time.monotonic() - t0:.1f} s); files kept in {workdir}",
                  flush=True)
            traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
        finally:
            _kill_all()
    print(f"{len(checks) - len(failed) - len(skipped)} passed, {len(failed)} failed, "
          f"{len(skipped)} skipped in {time.monotonic() - t_all:.1f} s", flush=True)
    if failed:
        sys.exit(1)
    if skipped:
        sys.exit(77)
    sys.exit(0)
