"""Runs vidgear 0.3.5's own NetGear_Async, from ../shared/vendor, as a test peer process.

    vidgear_peer.py receive PORT PATTERN COUNT OUT.npz [REPLY.npz]
        binds a receiver on 127.0.0.1:PORT, takes COUNT frames (or up to the sender's
        terminate) and saves them with their text; with REPLY.npz it answers each frame with
        the next of those frames through transceive_data(), as a vidgear app does.
    vidgear_peer.py send PORT PATTERN FRAMES.npz OUT.npz [TEXT]
        connects a sender to 127.0.0.1:PORT, sends the frames (with TEXT in bidirectional
        mode) and saves the frames that came back.

Bidirectional mode is on whenever a reply or text is given. Exit 0 when done, 3 when the
vendor archive is absent (the caller skips), anything else on a failure, with vidgear's log.
"""
import asyncio
import os
import sys
import tarfile
import tempfile
import types

import numpy as np

VENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                      "vendor", "vidgear-0.3.5.tar.gz")
NO_VENDOR = 3


def vendor_archive():
    """The vendored vidgear archive, or None where ../shared/vendor is absent."""
    path = os.path.normpath(os.environ.get("NG_VIDGEAR_ARCHIVE", VENDOR))
    return path if os.path.isfile(path) else None


def load_netgear_async(archive):
    """Imports NetGear_Async from the archive, unpacked into a temp folder. Its package's
    __init__ imports the web gears, whose dependencies Debian lacks, so the asyncio package
    is registered bare and only netgear_async is imported from it."""
    root = tempfile.mkdtemp(prefix="ng-vidgear-")
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data") if hasattr(tarfile, "data_filter") \
            else tar.extractall(root)
    package_root = os.path.join(root, "vidgear-0.3.5")
    sys.path.insert(0, package_root)
    bare = types.ModuleType("vidgear.gears.asyncio")
    bare.__path__ = [os.path.join(package_root, "vidgear", "gears", "asyncio")]
    sys.modules["vidgear.gears.asyncio"] = bare
    from vidgear.gears.asyncio.netgear_async import NetGear_Async
    return NetGear_Async


def receive(NetGear_Async, port, pattern, count, out, reply_path=None):
    replies = list(np.load(reply_path).values()) if reply_path else None
    options = {"bidirectional_mode": True} if replies is not None else {}
    client = NetGear_Async(address="127.0.0.1", port=str(port), pattern=pattern,
                           receive_mode=True, timeout=10.0, logging=True, **options).launch()
    frames, texts = [], []

    async def take():
        async for item in client.recv_generator():
            text, frame = item if replies is not None else (None, item)
            frames.append(np.copy(frame))
            texts.append(text)
            if replies is not None:
                await client.transceive_data(data=replies[(len(frames) - 1) % len(replies)])
            if len(frames) >= count:
                break
            await asyncio.sleep(0)

    try:
        client.loop.run_until_complete(take())
    finally:
        client.close()
    np.savez(out, *frames, texts=np.array([t or "" for t in texts]))


def send(NetGear_Async, port, pattern, frames_path, out, text=None):
    frames = list(np.load(frames_path).values())
    bidirectional = text is not None
    options = {"bidirectional_mode": True} if bidirectional else {}
    server = NetGear_Async(source=None, address="127.0.0.1", port=str(port), pattern=pattern,
                           timeout=10.0, logging=True, **options)
    back = []

    async def generate():
        for frame in frames:
            if bidirectional:
                answer = await server.transceive_data()
                if isinstance(answer, np.ndarray):
                    back.append(np.copy(answer))
                yield (text, frame)
            else:
                yield frame
            await asyncio.sleep(0)
        # vidgear queues the answer to the last frame before it asks the generator for more.
        if bidirectional:
            answer = await server.transceive_data()
            if isinstance(answer, np.ndarray):
                back.append(np.copy(answer))

    server.config["generator"] = generate()
    server.launch()
    try:
        server.loop.run_until_complete(server.task)
    finally:
        server.close()
    np.savez(out, *back)


def main(argv):
    archive = vendor_archive()
    if archive is None:
        print(f"vidgear archive not found at {os.path.normpath(VENDOR)}", file=sys.stderr)
        return NO_VENDOR
    NetGear_Async = load_netgear_async(archive)
    mode, port, pattern = argv[1], int(argv[2]), int(argv[3])
    if mode == "receive":
        receive(NetGear_Async, port, pattern, int(argv[4]), argv[5], *argv[6:7])
    elif mode == "send":
        send(NetGear_Async, port, pattern, argv[4], argv[5], *argv[6:7])
    else:
        raise SystemExit(f"unknown mode {mode!r}: receive or send")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
