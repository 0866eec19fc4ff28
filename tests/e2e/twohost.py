"""Two hosts on one machine for the end-to-end tests: a pair of network namespaces joined by
a veth cable, with addresses on a private /24, an optional rate cap (tbf), and a cable that
can be cut and restored. Needs root and iproute2; where namespaces cannot be made, the check
is skipped with the reason (ngtest.Skip).

    with TwoHosts(rate="6mbit") as hosts:
        recv = hosts.ngrecv(["-a", hosts.receiver_addr, "-p", "5555", ...], workdir)
        send = hosts.ngsend(["-a", hosts.receiver_addr, "-p", "5555", ...], workdir)
        hosts.cut(); time.sleep(8); hosts.restore()

The namespaces are removed on leaving the block, at interpreter exit, and on SIGTERM (CTest's
timeout), whatever happened inside. Namespaces left behind by a killed test run are removed
the next time a TwoHosts is made."""
import atexit
import itertools
import os
import re
import shutil
import subprocess
import threading

import ngtest

_PREFIX = "ngt"
_counter = itertools.count()
_probes = itertools.count()
_open = []


def _ip(*args, check=True):
    out = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and out.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {out.stderr.strip()}")
    return out


def _remove_stale():
    """Deletes namespaces of earlier test processes that no longer run (a SIGKILLed test)."""
    listed = _ip("netns", "list", check=False).stdout
    for name in re.findall(rf"^({_PREFIX}(\d+)x\d+[sr])\b", listed, re.M):
        ns, pid = name[0], int(name[1])
        if pid != os.getpid() and not os.path.exists(f"/proc/{pid}"):
            _ip("netns", "del", ns, check=False)


def require_netns():
    """Raises ngtest.Skip unless this process can make network namespaces."""
    if os.geteuid() != 0:
        raise ngtest.Skip("network namespaces need root (CI runs as root)")
    if not shutil.which("ip") or not shutil.which("tc"):
        raise ngtest.Skip("'ip' or 'tc' is missing (package iproute2)")
    # Unique per call: tests make several TwoHosts at once, on threads.
    probe = f"{_PREFIX}{os.getpid()}x{next(_probes)}p"
    out = _ip("netns", "add", probe, check=False)
    if out.returncode != 0:
        raise ngtest.Skip(f"cannot make a network namespace: {out.stderr.strip()}")
    _ip("netns", "del", probe, check=False)


class TwoHosts:
    """A sender host and a receiver host (namespaces) joined by one veth cable.

    sender_addr / receiver_addr are their IPv4 addresses; `rate` (a tc rate such as
    "20mbit") caps both directions of the cable with a tbf qdisc."""

    def __init__(self, rate=None, burst="64kb", latency="100ms"):
        require_netns()
        _remove_stale()
        n = next(_counter)
        tag = f"{_PREFIX}{os.getpid()}x{n}"
        self.sender_ns, self.receiver_ns = tag + "s", tag + "r"
        # veth names live briefly in the root namespace and are limited to 15 characters.
        self.sender_dev, self.receiver_dev = f"ngv{os.getpid() % 100000}{n}s", \
            f"ngv{os.getpid() % 100000}{n}r"
        subnet = f"10.{200 + n % 50}.{os.getpid() % 250}"
        self.sender_addr, self.receiver_addr = subnet + ".1", subnet + ".2"
        self._procs = []
        _open.append(self)
        try:
            _ip("netns", "add", self.sender_ns)
            _ip("netns", "add", self.receiver_ns)
            _ip("link", "add", self.sender_dev, "type", "veth", "peer", "name",
                self.receiver_dev)
            for ns, dev, addr in ((self.sender_ns, self.sender_dev, self.sender_addr),
                                  (self.receiver_ns, self.receiver_dev, self.receiver_addr)):
                _ip("link", "set", dev, "netns", ns)
                self.exec(ns, ["ip", "addr", "add", addr + "/24", "dev", dev])
                self.exec(ns, ["ip", "link", "set", dev, "up"])
                self.exec(ns, ["ip", "link", "set", "lo", "up"])
            if rate:
                self.set_rate(rate, burst, latency)
        except Exception:
            self.close()
            raise

    # ------------------------------------------------------------ commands in a host

    def exec(self, ns, args, check=True):
        """Runs `args` to completion inside namespace `ns`; returns the CompletedProcess."""
        out = subprocess.run(["ip", "netns", "exec", ns, *map(str, args)],
                             capture_output=True, text=True)
        if check and out.returncode != 0:
            raise RuntimeError(f"in {ns}: {' '.join(map(str, args))}: {out.stderr.strip()}")
        return out

    def launch(self, ns, args, workdir, **kw):
        """Starts `args` inside namespace `ns` as an ngtest.Proc (same pid: `ip netns exec`
        execs the command, so signals and /proc figures reach the program itself)."""
        kw.setdefault("name", os.path.basename(str(args[0])))
        proc = ngtest.Proc(["ip", "netns", "exec", ns, *args], workdir, **kw)
        self._procs.append(proc)
        return proc

    def ngsend(self, args, workdir, **kw):
        return self.launch(self.sender_ns, [ngtest.NGSEND, *args], workdir, name="ngsend", **kw)

    def ngrecv(self, args, workdir, **kw):
        return self.launch(self.receiver_ns, [ngtest.NGRECV, *args], workdir, name="ngrecv",
                           **kw)

    # ------------------------------------------------------------ the cable

    def cut(self):
        """Pulls the cable: both ends lose carrier; packets in flight are lost."""
        self.exec(self.sender_ns, ["ip", "link", "set", self.sender_dev, "down"])
        self.exec(self.receiver_ns, ["ip", "link", "set", self.receiver_dev, "down"])

    def restore(self):
        """Plugs the cable back in (addresses and the rate cap survive a cut)."""
        self.exec(self.sender_ns, ["ip", "link", "set", self.sender_dev, "up"])
        self.exec(self.receiver_ns, ["ip", "link", "set", self.receiver_dev, "up"])

    def set_rate(self, rate, burst="64kb", latency="100ms"):
        """Caps each direction of the cable at `rate` with a token bucket (tbf)."""
        for ns, dev in ((self.sender_ns, self.sender_dev), (self.receiver_ns, self.receiver_dev)):
            self.exec(ns, ["tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", rate,
                           "burst", burst, "latency", latency])

    def tx_bytes(self, which="sender"):
        """Bytes sent so far by the sender's (or the receiver's) end of the cable."""
        ns, dev = ((self.sender_ns, self.sender_dev) if which == "sender"
                   else (self.receiver_ns, self.receiver_dev))
        return int(self.exec(ns, ["cat", f"/sys/class/net/{dev}/statistics/tx_bytes"]).stdout)

    # ------------------------------------------------------------ clean-up

    def close(self):
        for proc in self._procs:
            proc.kill()
        self._procs.clear()
        for ns in (self.sender_ns, self.receiver_ns):
            _ip("netns", "del", ns, check=False)  # takes its end of the veth pair with it
        _ip("link", "del", self.sender_dev, check=False)  # if it never left the root namespace
        if self in _open:
            _open.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def in_parallel(jobs):
    """Runs each callable on its own thread; re-raises the first failure."""
    errors = []

    def guarded(job):
        try:
            job()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _close_all():
    for hosts in list(_open):
        hosts.close()


# ngtest's SIGTERM handler exits through sys.exit, which runs atexit: namespaces go too.
atexit.register(_close_all)
