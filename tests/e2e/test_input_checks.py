"""Inputs that were lost or ignored in silence (issue 14, items 7, 8 and 10): strict --config
files, a --jpeg-fast that changes the bytes, image sequences with gaps, binding to a host
name, per-frame text on one line, --size on a file, and files shorter than they declare."""
import glob
import os

import ngtest

SIZE = "96x64"


def endpoint(port=None):
    return ["-a", "127.0.0.1", "-p", port or ngtest.free_port()]


def stream(workdir, name, send_args, recv_args=(), recv_address=None):
    """ngsend into ngrecv over PUSH/PULL; returns (send, recv, recv summary)."""
    port = ngtest.free_port()
    summary = os.path.join(workdir, f"{name}.json")
    recv = ngtest.ngrecv(["--pattern", 3, "-t", "10", "--summary", summary,
                          "-a", recv_address or "127.0.0.1", "-p", port, *recv_args], workdir)
    ngtest.wait_listening(recv)
    send = ngtest.ngsend(["--pattern", 3, "-t", "10", "--fps", "0", *send_args,
                          *endpoint(port)], workdir)
    ngtest.expect_exit(send, 0)
    ngtest.expect_exit(recv, 0)
    return send, recv, ngtest.read_summary(summary)


def write_config(workdir, name, text):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def check_config_file_typos_are_usage_errors(workdir):
    # Each line was skipped without a word: `adress` left ngsend on its default address.
    cases = [
        (ngtest.NGSEND, "port = 6000\nadress = 127.0.0.1\n", "line 2", "address"),
        (ngtest.NGRECV, "; listen here\n[ngrecv]\naddress = 127.0.0.1\n", "line 2", "[ngrecv]"),
        (ngtest.NGSEND, "pattern = 3\nthis line means nothing\n", "line 2", "nearest"),
        (ngtest.NGSEND, "output = clip.mp4\n", "line 1", "'output'"),  # an ngrecv flag
        (ngtest.NGRECV, "source = test\n", "line 1", "'source'"),      # an ngsend flag
    ]
    failures = []
    for i, (tool, text, line, needle) in enumerate(cases):
        path = write_config(workdir, f"c{i}.ini", text)
        # A safe endpoint and short run, so the old code's silent run ends quickly.
        out = ngtest.run([tool, "--config", path, "-t", "1", "-n", "1", "-o" if
                          tool == ngtest.NGRECV else "-s", "null" if tool == ngtest.NGRECV
                          else "test", *endpoint()], timeout=15)
        lines = [l for l in out.stderr.splitlines() if l.strip()]
        if out.returncode != 2 or len(lines) != 1 or not all(
                s in lines[0] for s in (path, line, needle)):
            failures.append(f"{os.path.basename(tool)} with {text!r}: exit {out.returncode}, "
                            f"wanted 2 and one line naming {path}, {line} and {needle}:\n"
                            f"{out.stderr}")
    assert not failures, "\n\n".join(failures)


def check_shipped_config_examples_are_valid(workdir):
    # Each example runs with the flags that would reach a camera, a display or a fixed port
    # overridden (the command line wins; PAIR waits for an answer): with no peer it must give up with exit 3, which
    # it reaches only once every line of the file was accepted.
    summary = os.path.join(workdir, "summary.json")
    for tool, name, overrides in (
            (ngtest.NGSEND, "ngsend",
             ["-s", "test", "-n", "1", "--pattern", "pair", "--summary", summary]),
            (ngtest.NGRECV, "ngrecv", ["-o", "null"])):
        path = os.path.join(ngtest.REPO, "config", f"{name}.example.ini")
        out = ngtest.run([tool, "--config", path, *overrides, "-t", "1", *endpoint()],
                         timeout=15)
        assert out.returncode == 3, f"{path}: exit {out.returncode}, expected 3\n{out.stderr}"


def jpeg_bytes(workdir, name, extra):
    folder = os.path.join(workdir, name)
    os.makedirs(folder)
    _, _, summary = stream(workdir, name,
                           ["-s", "test", "--size", "320x240", "-n", "3", "--compression", "jpeg",
                            "--jpeg-threads", "1", *extra],
                           ["-o", os.path.join(folder, "f_%04d.jpg")])
    assert summary["frames"] == 3 and summary["errors"] == 0, summary
    files = sorted(glob.glob(os.path.join(folder, "f_*.jpg")))
    assert len(files) == 3, files
    return [open(f, "rb").read() for f in files]


def check_jpeg_fast_changes_the_bytes(workdir):
    # The .jpg output keeps the received JPEG streams byte for byte.
    default = jpeg_bytes(workdir, "default", [])
    fast = jpeg_bytes(workdir, "fast", ["--jpeg-fast"])
    again = jpeg_bytes(workdir, "again", [])
    assert default == again, "the default encoding is not reproducible"
    assert all(a != b for a, b in zip(default, fast)), \
        "--jpeg-fast gave the same bytes as the default"


def check_image_sequence_goes_on_past_a_gap(workdir):
    folder = os.path.join(workdir, "seq")
    os.makedirs(folder)
    for i in (1, 2, 3, 5, 6, 9):  # 4, 7 and 8 are missing
        ngtest.write_png(os.path.join(folder, f"f_{i:04d}.png"),
                         ngtest.seeded_image(i, (64, 96, 3)))
    send, _, summary = stream(workdir, "seq", ["-s", os.path.join(folder, "f_%04d.png")],
                              ["-o", "null"])
    assert summary["frames"] == 6, f"received {summary['frames']} of 6 images\n" + send.describe()
    err = send.stderr()
    assert "f_0004.png" in err and "f_0007.png" in err, \
        "the missing files are not named\n" + send.describe()


def check_receiver_binds_to_a_host_name(workdir):
    _, recv, summary = stream(workdir, "localhost", ["-s", "test", "--size", SIZE, "-n", "5"],
                              ["-o", "null"], recv_address="localhost")
    assert summary["frames"] == 5, summary


def check_message_with_newlines_stays_on_one_line(workdir):
    message = "line one\nline two\r\\end"
    _, recv, summary = stream(workdir, "message",
                              ["-s", "test", "--size", SIZE, "-n", "4", "--message", message],
                              ["-o", "null"])
    assert summary["frames"] == 4, summary
    assert recv.stdout_lines() == ["line one\\nline two\\r\\\\end"] * 4, (
        f"stdout {recv.stdout_lines()!r}\n" + recv.describe())


def record_clip(workdir, frames):
    path = os.path.join(workdir, "clip.avi")
    stream(workdir, "record", ["-s", "test", "--size", SIZE, "-n", frames], ["-o", path])
    return path


def check_size_without_resize_on_a_file_warns(workdir):
    clip = record_clip(workdir, 10)
    send, _, summary = stream(workdir, "sized", ["-s", clip, "--size", "320x240"], ["-o", "null"])
    assert summary["frames"] == 10, summary
    assert "--resize" in send.stderr(), "no warning that --size needs --resize\n" + send.describe()
    # With --resize the flag is used, and nothing to warn about.
    send, _, _ = stream(workdir, "resized", ["-s", clip, "--size", "320x240", "--resize"],
                        ["-o", "null"])
    assert "[warning]" not in send.stderr(), send.describe()


def check_file_shorter_than_declared_warns(workdir):
    clip = record_clip(workdir, 30)
    send, _, summary = stream(workdir, "whole", ["-s", clip], ["-o", "null"])
    assert summary["frames"] == 30 and "[warning]" not in send.stderr(), send.describe()
    # Half the file: the header still declares 30 frames.
    short = os.path.join(workdir, "short.avi")
    with open(clip, "rb") as f:
        data = f.read()
    with open(short, "wb") as f:
        f.write(data[:len(data) // 2])
    send, _, summary = stream(workdir, "short", ["-s", short], ["-o", "null"])
    got = summary["frames"]
    assert 0 < got < 30, summary
    assert f"{got} of the 30 frames" in send.stderr(), (
        "no warning naming both counts\n" + send.describe())


if __name__ == "__main__":
    ngtest.main(globals())
