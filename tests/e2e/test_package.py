"""The Debian package, installed on this machine: cpack -G DEB builds
ngstream_VERSION_ARCH.deb from the build under test, dpkg -i installs it, the installed
/usr/bin/ngsend streams to /usr/bin/ngrecv (which find their plugins in /usr/lib/ngstream
with no environment variable), and dpkg -r / --purge take everything away again.

What this changes on the machine while it runs: it installs the package ngstream (files
under /usr/bin, /usr/lib/ngstream, /usr/lib/systemd/system, /usr/share/doc/ngstream), whose
postinst adds the system user and group ngstream (and the user to group video), then
removes and purges it, which deletes them again. It skips when not root, when dpkg or
cpack is missing, or when an ngstream package is installed already (it would replace it).
The other tests run the build's binaries (NG_BIN_DIR), never these."""
import glob
import os
import shutil
import subprocess

import ngtest

PACKAGE = "ngstream"
BUILD_DIR = os.path.dirname(ngtest.BIN_DIR)


def installed():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], capture_output=True,
                         text=True)
    return out.returncode == 0 and "installed" in out.stdout.split()[-1:]


def dpkg(*args):
    out = ngtest.run(["dpkg", *args], timeout=120)
    assert out.returncode == 0, f"dpkg {' '.join(args)}: exit {out.returncode}\n{out.stdout}{out.stderr}"
    return out.stdout


def user_exists(name):
    return subprocess.run(["getent", "passwd", name], capture_output=True).returncode == 0


def build_package(workdir):
    config = os.path.join(BUILD_DIR, "CPackConfig.cmake")
    assert os.path.exists(config), f"{config} is missing (configure the build first)"
    out = ngtest.run([ngtest.require_tool("cpack"), "-G", "DEB", "--config", config,
                      "-B", workdir], timeout=300)
    assert out.returncode == 0, f"cpack: exit {out.returncode}\n{out.stdout}{out.stderr}"
    arch = ngtest.run(["dpkg", "--print-architecture"]).stdout.strip()
    debs = glob.glob(os.path.join(workdir, f"{PACKAGE}_*_{arch}.deb"))
    assert len(debs) == 1, f"expected one {PACKAGE}_VERSION_{arch}.deb, got {os.listdir(workdir)}"
    return debs[0], arch


def check_package_installs_streams_and_goes(workdir):
    if os.geteuid() != 0:
        raise ngtest.Skip("installs a package: needs root (CI runs as root)")
    for tool in ("dpkg", "dpkg-deb", "cpack"):
        ngtest.require_tool(tool)
    if ngtest.sanitized(ngtest.NGSEND):
        raise ngtest.Skip("a sanitizer build is not packaged (the normal build's run tests this)")
    if installed():
        raise ngtest.Skip(f"a {PACKAGE} package is installed already; this test would replace it")
    had_user = user_exists("ngstream")

    deb, arch = build_package(workdir)
    fields = dpkg("-f", deb)
    assert f"Architecture: {arch}" in fields, fields
    depends = next(l for l in fields.splitlines() if l.startswith("Depends:"))
    for dep in ("adduser", "libc6", "libzmq5", "libopencv-core", "libspdlog", "libturbojpeg0"):
        assert dep in depends, f"Depends lacks {dep} (SHLIBDEPS): {depends}"
    files = [line.split()[-1].lstrip(".") for line in dpkg("-c", deb).splitlines()
             if not line.startswith("d")]
    for path in ("/usr/bin/ngsend", "/usr/bin/ngrecv", "/usr/lib/ngstream/libng_video_file.so",
                 "/usr/lib/systemd/system/ngsend@.service",
                 "/usr/lib/systemd/system/ngrecv@.service",
                 "/usr/share/doc/ngstream/examples/porch.ini",
                 "/usr/share/doc/ngstream/examples/hub.ini"):
        assert path in files, f"{path} not in the package: {files}"
    assert not any("test_probe" in f for f in files), files

    try:
        dpkg("-i", deb)
        assert user_exists("ngstream"), "postinst made no ngstream user"
        groups = ngtest.run(["id", "-nG", "ngstream"]).stdout.split()
        if subprocess.run(["getent", "group", "video"], capture_output=True).returncode == 0:
            assert "video" in groups, f"ngstream is not in group video: {groups}"
        with open("/usr/lib/systemd/system/ngsend@.service") as f:
            assert "ExecStart=/usr/bin/ngsend --config /etc/ngstream/%i.ini" in f.read()
        if shutil.which("systemd-analyze"):
            out = ngtest.run(["systemd-analyze", "verify", "ngsend@porch.service",
                              "ngrecv@hub.service"], timeout=60)
            assert out.returncode == 0 and not out.stderr.strip(), out

        # The installed tools, with no NG_PLUGIN_DIR: the AVI recording needs the video
        # plugin, found as ../lib/ngstream from /usr/bin.
        env = {"NG_PLUGIN_DIR": None}
        video = os.path.join(workdir, "out.avi")
        summary = os.path.join(workdir, "recv.json")
        recv = ngtest.launch(["/usr/bin/ngrecv", "-a", "127.0.0.1", "-p", "0", "--pattern", "3",
                              "-o", video, "--summary", summary, "-t", "20"], workdir,
                             name="ngrecv", env=env)
        ep = ngtest.endpoint_flags(ngtest.wait_listening(recv))
        send = ngtest.launch(["/usr/bin/ngsend", "-s", "test", "--pattern", "3", "-n", "30",
                              "--fps", "0", "-t", "20", *ep], workdir, name="ngsend", env=env)
        ngtest.expect_exit(send, 0)
        ngtest.expect_exit(recv, 0)
        stats = ngtest.read_summary(summary)
        assert stats["frames"] == 30 and stats["dropped"] == 0, stats
        assert os.path.getsize(video) > 0

        dpkg("-r", PACKAGE)
        left = [p for p in files if os.path.lexists(p)]
        assert not left, f"dpkg -r left {left}"
        for folder in ("/usr/lib/ngstream", "/usr/share/doc/ngstream"):
            assert not os.path.exists(folder), f"dpkg -r left {folder}"
        dpkg("--purge", PACKAGE)
        if not had_user:
            assert not user_exists("ngstream"), "purge left the ngstream user"
    finally:
        # Whatever failed above, leave no trace of the package (dpkg -s: in any state).
        if subprocess.run(["dpkg", "-s", PACKAGE], capture_output=True).returncode == 0:
            subprocess.run(["dpkg", "--purge", PACKAGE], capture_output=True)


if __name__ == "__main__":
    ngtest.main(globals())
