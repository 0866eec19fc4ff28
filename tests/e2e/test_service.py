"""The systemd units and example configs of config/: systemd-analyze verify passes on both
units, every example ini names only flags that exist (--check-config), and log lines suit
the journal (no colour codes off a terminal, syslog priority prefixes under systemd)."""
import os
import re
import subprocess

import ngtest

CONFIG = os.path.join(ngtest.REPO, "config")
# The hardening the units promise (docs: README "Headless Pi").
HARDENING = ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes"]


def unit_text(name):
    with open(os.path.join(CONFIG, name)) as f:
        return f.read()


def verify(workdir, template, text):
    """systemd-analyze verify of an instance of `template` (its text given), with ExecStart
    pointed at the tools under test; returns (exit code, messages)."""
    systemd_analyze = ngtest.require_tool("systemd-analyze")
    text = text.replace("/usr/bin/ngsend", ngtest.NGSEND).replace("/usr/bin/ngrecv", ngtest.NGRECV)
    with open(os.path.join(workdir, template), "w") as f:
        f.write(text)
    instance = template.replace("@.service", "@example.service")
    out = ngtest.run([systemd_analyze, "verify", os.path.join(workdir, instance)],
                     cwd=workdir, timeout=60)
    return out.returncode, (out.stdout + out.stderr).strip()


def check_units_verify(workdir):
    for unit, tool in (("ngsend@.service", "ngsend"), ("ngrecv@.service", "ngrecv")):
        text = unit_text(unit)
        rc, messages = verify(workdir, unit, text)
        assert rc == 0 and not messages, f"systemd-analyze verify {unit}: exit {rc}\n{messages}"
        assert f"ExecStart=/usr/bin/{tool} --config /etc/ngstream/%i.ini\n" in text, unit
        for line in HARDENING + ["User=ngstream", "Restart=on-failure"]:
            assert re.search(rf"^{re.escape(line)}$", text, re.M), f"{unit} lacks {line}"
        assert re.search(r"^RestartSec=([1-9][0-9]*)$", text, re.M), f"{unit}: no restart delay"
    send = unit_text("ngsend@.service")
    assert re.search(r"^SupplementaryGroups=video$", send, re.M)
    assert re.search(r"^DevicePolicy=closed$", send, re.M)
    assert set(re.findall(r"^DeviceAllow=(\S+)", send, re.M)) <= {
        "char-video4linux", "char-media", "char-dma_heap"}, "ngsend may open non-video devices"
    assert re.search(r"^ReadWritePaths=/var/lib/ngstream$", unit_text("ngrecv@.service"), re.M)


def check_verify_can_fail(workdir):
    # A misspelt key is only a warning for systemd, so the check above must read them.
    text = unit_text("ngsend@.service").replace("ProtectHome=yes", "ProtectHomes=yes")
    rc, messages = verify(workdir, "broken@.service", text)
    assert "ProtectHomes" in messages, f"exit {rc}, messages: {messages!r}"


def check_example_configs_parse(workdir):
    examples = [(ngtest.NGSEND, "porch.ini"), (ngtest.NGRECV, "hub.ini"),
                (ngtest.NGSEND, "ngsend.example.ini"), (ngtest.NGRECV, "ngrecv.example.ini")]
    for tool, name in examples:
        # hub.ini binds *:5555 and porch.ini opens a Pi camera: --check-config does neither.
        out = ngtest.run([tool, "--config", os.path.join(CONFIG, name), "--check-config"],
                         timeout=20)
        assert out.returncode == 0 and not out.stderr, \
            f"{os.path.basename(tool)} --config {name}: exit {out.returncode}\n{out.stderr}"


def check_check_config_refuses_unknown_keys(workdir):
    bad = os.path.join(workdir, "bad.ini")
    with open(bad, "w") as f:
        f.write(unit_text("porch.ini").replace("latest = true", "lastest = true"))
    out = ngtest.run([ngtest.NGSEND, "--config", bad, "--check-config"])
    assert out.returncode == 2, out
    assert "lastest" in out.stderr and "latest" in out.stderr, out.stderr
    # The flag is for the command line, not for a config file to switch a service off.
    with open(bad, "w") as f:
        f.write("check-config = true\n")
    assert ngtest.run([ngtest.NGSEND, "--config", bad, "--check-config"]).returncode == 2


def receiver_log(workdir, env_extra):
    """stderr of an ngrecv that waits half a second for a sender, gives up (exit 3) and
    logs on the way; stderr is a file, as under systemd."""
    log_path = os.path.join(workdir, "stderr.log")
    with open(log_path, "wb") as log:
        env = dict(os.environ, **env_extra(log))
        env.pop("SPDLOG_LEVEL", None)
        rc = subprocess.run([ngtest.NGRECV, "-a", "127.0.0.1", "-p", "0", "-o", "null",
                             "-t", "0.5", "-v"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=log, env=env,
                            timeout=30).returncode
    assert rc == 3, f"ngrecv exited {rc}, expected 3 (timed out)"
    with open(log_path) as f:
        return f.read().splitlines()


def check_logs_plain_off_terminal(workdir):
    lines = receiver_log(workdir, lambda log: {"TERM": "xterm-256color"})
    assert lines, "ngrecv logged nothing"
    assert not any("\x1b" in line for line in lines), f"colour codes in a file: {lines!r}"
    assert all(line.startswith("ngrecv: [") for line in lines), lines


def check_logs_for_the_journal(workdir):
    def journal(log):
        st = os.fstat(log.fileno())
        return {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}

    lines = receiver_log(workdir, journal)
    assert lines and all(re.match(r"<[0-7]>", line) for line in lines), lines
    priorities = {line[1] for line in lines}
    assert "7" in priorities and "6" in priorities, f"debug and info lines expected: {lines!r}"
    assert any(p in priorities for p in "234"), f"the time-out should be a warning or error: {lines!r}"
    assert not any("\x1b" in line or line[3:].startswith("ngrecv:") for line in lines), lines

    # A JOURNAL_STREAM naming another stream (inherited by a redirected child): plain lines.
    lines = receiver_log(workdir, lambda log: {"JOURNAL_STREAM": "1:1"})
    assert all(line.startswith("ngrecv: [") for line in lines), lines


if __name__ == "__main__":
    ngtest.main(globals())
