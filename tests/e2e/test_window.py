"""Proves -o window shows the received frame 1:1 on an X display (Xvfb), one window per sender (closing one closes it alone), and that without a display ngrecv only counts."""
import ctypes
import os
import re
import signal
import time

import numpy as np

import ngtest

SCREEN_W, SCREEN_H = 1280, 720
IMG_W, IMG_H = 160, 120


def start_xvfb(workdir):
    """Starts Xvfb on a free display number; returns (proc, ':N')."""
    ngtest.require_tool("Xvfb")
    # Numbers well above the usual :0/:99 of desktops and xvfb-run; a number in use makes
    # Xvfb exit at once, and then the next one is tried.
    first = 200 + os.getpid() % 500
    xvfb = None
    for number in range(first, first + 20):
        if os.path.exists(f"/tmp/.X{number}-lock") or os.path.exists(f"/tmp/.X11-unix/X{number}"):
            continue
        xvfb = ngtest.launch(["Xvfb", f":{number}", "-screen", "0", f"{SCREEN_W}x{SCREEN_H}x24",
                              "-nolisten", "tcp"], workdir)
        socket_path = f"/tmp/.X11-unix/X{number}"
        ngtest.wait_until(lambda: os.path.exists(socket_path) or xvfb.popen.poll() is not None,
                          15, "Xvfb to start")
        if xvfb.popen.poll() is None:
            return xvfb, f":{number}"
    raise AssertionError("Xvfb did not start on any display number\n"
                         + (xvfb.describe() if xvfb else "every number was taken"))


def stop_xvfb(xvfb):
    # SIGTERM lets Xvfb remove its socket and lock file.
    xvfb.send_signal(signal.SIGTERM)
    xvfb.wait(timeout=10)


def distinctive_image(seed=77):
    """8x8-pixel blocks of seeded random colours (BGR): unlike anything a toolkit draws."""
    blocks = ngtest.seeded_image(seed, (IMG_H // 8, IMG_W // 8, 3))
    return np.repeat(np.repeat(blocks, 8, axis=0), 8, axis=1)


def screenshot(display):
    """The whole screen as BGR pixels, through ffmpeg's x11grab."""
    out = ngtest.run(["ffmpeg", "-v", "error", "-f", "x11grab", "-video_size",
                      f"{SCREEN_W}x{SCREEN_H}", "-i", display, "-frames:v", "1", "-f", "rawvideo",
                      "-pix_fmt", "bgr24", "-"], text=False)
    assert out.returncode == 0, f"x11grab failed: {out.stderr.decode(errors='replace')}"
    return np.frombuffer(out.stdout, dtype=np.uint8).reshape(SCREEN_H, SCREEN_W, 3)


def locate(screen, image):
    """(mean abs diff, y, x) of the best place of `image` in `screen`, or None."""
    h, w = image.shape[:2]
    sh, sw = screen.shape[:2]
    s = screen.astype(np.int16)
    ok = np.ones((sh - h + 1, sw - w + 1), dtype=bool)
    # Candidates: offsets where the centres of a few blocks match within a tolerance.
    for by, bx in ((4, 4), (4, w - 4), (h - 4, 4), (h // 2 + 4, w // 2 + 4), (h - 4, w - 4)):
        want = image[by, bx].astype(np.int16)
        region = s[by:by + sh - h + 1, bx:bx + sw - w + 1]
        ok &= (np.abs(region - want).max(axis=2) <= 6)
    best = None
    for y, x in zip(*np.nonzero(ok)):
        diff = np.abs(s[y:y + h, x:x + w] - image.astype(np.int16)).mean()
        if best is None or diff < best[0]:
            best = (diff, int(y), int(x))
    return best


def on_screen_display(workdir, body):
    """Runs body(display) with an Xvfb display that ffmpeg can take screenshots of."""
    ngtest.require_tool("ffmpeg")
    if b"x11grab" not in ngtest.run(["ffmpeg", "-hide_banner", "-devices"], text=False).stdout:
        raise ngtest.Skip("ffmpeg has no x11grab device")
    xvfb, display = start_xvfb(workdir)
    try:
        body(display)
    finally:
        stop_xvfb(xvfb)


def stream_still(workdir, display, outputs):
    """Starts ngrecv showing `outputs` on `display` and ngsend looping a distinctive still.
    Returns (recv, send, image, summary path)."""
    image = distinctive_image()
    img_path = os.path.join(workdir, "still.png")
    ngtest.write_png(img_path, image[..., ::-1])
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver([*outputs, "-t", "10", "--summary", summary],
                                     workdir, env={"DISPLAY": display})
    send = ngtest.ngsend(["-s", img_path, "--loop", "--fps", "10", *ep, "-t", "5"], workdir)
    return recv, send, image, summary


def find_on_screen(display, image, recv):
    """Looks until `image` is on screen 1:1 (the window needs a moment to appear and paint);
    returns (mean abs diff, y, x) of where it is."""
    found = None

    def on_screen():
        nonlocal found
        assert recv.popen.poll() is None, "ngrecv ended early\n" + recv.describe()
        found = locate(screenshot(display), image)
        return found is not None and found[0] < 3
    try:
        ngtest.wait_until(on_screen, 12, "the frame on screen")
    except AssertionError:
        raise AssertionError(f"frame not found 1:1 on screen (best match: {found})\n"
                             + recv.describe())
    return found


def check_window_shows_frame(workdir):
    on_screen_display(workdir, lambda display: show_and_find(workdir, display))


def show_and_find(workdir, display):
    recv, send, image, summary = stream_still(workdir, display, ["-o", "window"])
    find_on_screen(display, image, recv)

    # SIGINT makes ngsend send the terminate message; both end cleanly.
    send.send_signal(signal.SIGINT)
    ngtest.expect_exit(send, 0, timeout=10)
    ngtest.expect_exit(recv, 0, timeout=10)
    s = ngtest.read_summary(summary)
    assert s["frames"] > 0 and s["terminated"] is True, s
    assert (s["width"], s["height"]) == (IMG_W, IMG_H), s


def press_key(display, key, x, y):
    """Moves the pointer to (x, y) and types `key` there, through the XTEST extension."""
    try:
        x11 = ctypes.CDLL("libX11.so.6")
        xtst = ctypes.CDLL("libXtst.so.6")
    except OSError as e:
        raise ngtest.Skip(f"no libX11/libXtst to type a key: {e}")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XStringToKeysym.restype = ctypes.c_ulong
    x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
    x11.XKeysymToKeycode.restype = ctypes.c_ubyte
    x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x11.XSetInputFocus.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_ulong]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                          ctypes.c_int, ctypes.c_ulong]
    xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                       ctypes.c_ulong]
    dpy = x11.XOpenDisplay(display.encode())
    assert dpy, f"cannot open display {display}"
    try:
        xtst.XTestFakeMotionEvent(dpy, -1, x, y, 0)
        x11.XSetInputFocus(dpy, 1, 1, 0)  # PointerRoot: the window under the pointer types
        code = x11.XKeysymToKeycode(dpy, x11.XStringToKeysym(key.encode()))
        xtst.XTestFakeKeyEvent(dpy, code, 1, 0)
        xtst.XTestFakeKeyEvent(dpy, code, 0, 0)
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)


def check_q_in_window_ends_the_stream(workdir):
    on_screen_display(workdir, lambda display: quit_with_q(workdir, display))


def quit_with_q(workdir, display):
    video = os.path.join(workdir, "out.mkv")
    recv, send, image, summary = stream_still(workdir, display, ["-o", "window", "-o", video])
    _, y, x = find_on_screen(display, image, recv)
    press_key(display, "q", x + IMG_W // 2, y + IMG_H // 2)
    # q is an explicit request: the stream ends, the video is finished, exit 0.
    ngtest.expect_exit(recv, 0, timeout=10)
    send.kill()
    assert "q pressed in the window" in recv.stderr(), recv.describe()
    s = ngtest.read_summary(summary)
    window, mkv = s["outputs"]
    assert window["spec"] == "window" and not window["failed"] and window["written"] > 0, s
    assert window["written"] + window["refused"] == s["frames_written"] == s["frames"], s
    assert mkv["written"] == s["frames"] and not mkv["failed"], s
    assert ngtest.ffprobe_frame_count(video) == s["frames"], s


def all_on_screen(display, images, recv):
    """Looks until every one of `images` ({name: pixels}) is on screen 1:1 at once; returns
    that screenshot."""
    screen, missing = None, list(images)

    def shown():
        nonlocal screen, missing
        assert recv.popen.poll() is None, "ngrecv ended early\n" + recv.describe()
        screen = screenshot(display)
        missing = [n for n, image in images.items()
                   if (locate(screen, image) or (99,))[0] >= 3]
        return not missing
    try:
        ngtest.wait_until(shown, 12, "the frames on screen")
    except AssertionError:
        raise AssertionError(f"not on screen 1:1: {missing}\n" + recv.describe())
    return screen


def window_titles(display):
    """{title: X window id} of the named windows on `display`."""
    for _ in range(5):
        out = ngtest.run(["xwininfo", "-root", "-tree"], env={**os.environ, "DISPLAY": display})
        # A window destroyed while xwininfo walks the tree fails the walk; walk it again.
        if out.returncode == 0 or "Bad Window" not in out.stderr:
            break
        time.sleep(0.1)
    assert out.returncode == 0, f"xwininfo failed: {out.stderr}"
    return {m.group(2): int(m.group(1), 16)
            for m in re.finditer(r'^\s*(0x[0-9a-f]+) "([^"]+)"', out.stdout, re.M)}


def close_window(display, window):
    """Asks `window` to close as a window manager's close button does (WM_DELETE_WINDOW)."""
    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                    ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                    ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]

    class Event(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
    try:
        x11 = ctypes.CDLL("libX11.so.6")
    except OSError as e:
        raise ngtest.Skip(f"no libX11 to close a window: {e}")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.POINTER(Event)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    assert dpy, f"cannot open display {display}"
    try:
        event = Event()
        event.xclient.type = 33  # ClientMessage
        event.xclient.window = window
        event.xclient.message_type = x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
        event.xclient.format = 32
        event.xclient.data[0] = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        x11.XSendEvent(dpy, window, 0, 0, ctypes.byref(event))
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)


WINDOW_SENDERS = ("alpha", "beta", "gamma")


def check_one_window_per_sender(workdir):
    ngtest.require_tool("xwininfo")
    on_screen_display(workdir, lambda display: windows_per_sender(workdir, display))


def windows_per_sender(workdir, display):
    summary = os.path.join(workdir, "recv.json")
    recv, ep = ngtest.start_receiver(["--pattern", "3", "-o", "window", "-t", "10", "--summary",
                                      summary], workdir, env={"DISPLAY": display})
    images, senders = {}, {}
    for k, name in enumerate(WINDOW_SENDERS):
        images[name] = distinctive_image(seed=200 + k)
        path = os.path.join(workdir, f"{name}.png")
        ngtest.write_png(path, images[name][..., ::-1])
        senders[name] = ngtest.ngsend(["--pattern", "3", "--name", name, "-s", path, "--loop",
                                       "--fps", "10", "-t", "5", *ep], workdir)
    # A window each, titled with the sender's name, each showing that sender's pictures.
    windows = {}

    def titled():
        titles = window_titles(display)
        for name in WINDOW_SENDERS:
            windows[name] = next((w for t, w in titles.items() if t.startswith("ngrecv")
                                  and name in t), None)
        return all(windows.values())
    ngtest.wait_until(titled, 12, f"windows titled {WINDOW_SENDERS}")
    all_on_screen(display, images, recv)

    # Closing one window closes it alone: the others go on showing their senders.
    close_window(display, windows["alpha"])
    ngtest.wait_until(lambda: not any("alpha" in t for t in window_titles(display)), 10,
                      "alpha's window to close")
    screen = all_on_screen(display, {n: images[n] for n in ("beta", "gamma")}, recv)
    found = locate(screen, images["alpha"])
    assert found is None or found[0] > 3, f"alpha's picture still on screen at {found}"
    # Closing the last open window ends the stream, as a normal end.
    close_window(display, windows["beta"])
    close_window(display, windows["gamma"])
    ngtest.expect_exit(recv, 0, timeout=10)
    for send in senders.values():
        send.kill()
    s = ngtest.read_summary(summary)
    outputs = {o["sender"]: o for o in s["outputs"]}
    assert sorted(outputs) == sorted(WINDOW_SENDERS), s["outputs"]
    for name in WINDOW_SENDERS:
        o = outputs[name]
        assert o["kind"] == "window" and o["closed_by_user"] is True and not o["failed"], o
        assert o["written"] > 0, o
    # alpha's frames after its window closed were refused for it, and counted.
    alpha = outputs["alpha"]
    assert alpha["refused"] > 0, alpha
    assert alpha["written"] + alpha["refused"] == s["senders"]["alpha"]["frames"], s


def check_default_output_without_display(workdir):
    # No DISPLAY: the default output is null, which writes nothing and counts frames.
    cwd = os.path.join(workdir, "cwd")
    os.makedirs(cwd)
    summary = os.path.join(workdir, "recv.json")
    no_display = {"DISPLAY": None, "WAYLAND_DISPLAY": None}
    recv, ep = ngtest.start_receiver(["-t", "10", "--summary", summary], workdir,
                                     env=no_display, cwd=cwd)
    send = ngtest.ngsend(["-s", "test", "--size", "96x64", "--fps", "0", "-n", "25", *ep,
                          "-t", "5"], workdir, env=no_display)
    ngtest.expect_exit(send, 0)
    ngtest.expect_exit(recv, 0)
    s = ngtest.read_summary(summary)
    assert s["frames"] == 25, s
    assert [o["spec"] for o in s["outputs"]] == ["null"], s
    assert os.listdir(cwd) == [], f"ngrecv wrote files: {os.listdir(cwd)}"
    assert recv.stdout() == "", f"ngrecv wrote to stdout: {recv.stdout()[:200]!r}"


if __name__ == "__main__":
    ngtest.main(globals())
