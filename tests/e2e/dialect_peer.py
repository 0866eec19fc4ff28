"""Runs imagezmq 1.2.0's ImageSender/ImageHub or vidgear 0.3.5's NetGear, from
../shared/vendor, as a test peer process (for test_wire_dialects.py).

    dialect_peer.py imagezmq send ADDRESS REQREP FRAMES.npz MODE NAME
        ImageSender: sends each frame as send_image (MODE raw) or send_jpg (MODE jpg), with
        the text "NAME|i"; REQREP 1 connects a REQ socket and waits for each reply (saved
        with the frames), 0 binds a PUB socket and sends until STOPFILE appears (cycling).
    dialect_peer.py imagezmq recv ADDRESS REQREP COUNT OUT.npz MODE
        ImageHub: takes COUNT images (recv_image or recv_jpg, decoded) and saves them with
        their texts; REQREP 1 binds a REP socket and answers b'OK', 0 connects a SUB socket.
    dialect_peer.py netgear send PORT PATTERN FRAMES.npz OUT.npz OPTIONS.json
        NetGear server: sends the frames (with the text of option "text" in bidirectional
        mode) and saves what came back; then close() sends its terminate message.
    dialect_peer.py netgear recv PORT PATTERN COUNT OUT.npz OPTIONS.json
        NetGear client: takes COUNT frames (0: up to the sender's terminate), and saves them
        with their texts; with option "reply" it answers each with recv(return_data=reply).

OPTIONS.json holds NetGear's own options (jpeg_compression, bidirectional_mode,
secure_mode, custom_cert_location, ...) plus "text"/"reply". JPEG compression uses a
stand-in for simplejpeg (not in Debian) built on OpenCV. Exit 0 when done, 3 when the
vendor archive is absent (the caller skips), anything else on a failure.
"""
import json
import os
import sys
import tarfile
import tempfile
import time
import types

import numpy as np

# ../shared/vendor beside the repository; NG_VENDOR_DIR points elsewhere (a worktree).
VENDOR = os.path.normpath(os.environ.get("NG_VENDOR_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "vendor"))
NO_VENDOR = 3
STOPFILE = "stop-publishing"


def unpack(archive, folder):
    path = os.path.join(VENDOR, archive)
    if not os.path.isfile(path):
        print(f"skipped: {path} is absent (../shared/vendor holds the Python peers)")
        sys.exit(NO_VENDOR)
    root = tempfile.mkdtemp(prefix="ng-dialect-")
    with tarfile.open(path) as tar:
        tar.extractall(root, filter="data") if hasattr(tarfile, "data_filter") \
            else tar.extractall(root)
    sys.path.insert(0, os.path.join(root, folder))
    return os.path.join(root, folder)


def simplejpeg_standin():
    """simplejpeg's two functions as NetGear calls them, over OpenCV's codec."""
    import cv2
    module = types.ModuleType("simplejpeg")
    module.__version__ = "1.7.6"

    def encode_jpeg(image, quality=85, colorspace="RGB", colorsubsampling="444",
                    fastdct=False):
        image = np.ascontiguousarray(image)
        if colorspace == "RGB":
            image = image[..., ::-1]
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[..., 0]
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        assert ok
        return data.tobytes()

    def decode_jpeg(data, colorspace="RGB", fastdct=False, fastupsample=False):
        flag = cv2.IMREAD_GRAYSCALE if colorspace == "GRAY" else cv2.IMREAD_COLOR
        image = cv2.imdecode(np.frombuffer(bytes(data), np.uint8), flag)
        if image is not None and colorspace == "RGB":
            image = image[..., ::-1]
        if image is not None and colorspace == "GRAY":
            image = image[..., np.newaxis]
        return image

    module.encode_jpeg = encode_jpeg
    module.decode_jpeg = decode_jpeg
    return module


def load_netgear():
    root = unpack("vidgear-0.3.5.tar.gz", "vidgear-0.3.5")
    # vidgear.gears' __init__ imports every gear (and their dependencies): only NetGear here.
    import vidgear  # noqa: F401
    bare = types.ModuleType("vidgear.gears")
    bare.__path__ = [os.path.join(root, "vidgear", "gears")]
    sys.modules["vidgear.gears"] = bare
    sys.modules.setdefault("simplejpeg", simplejpeg_standin())
    from vidgear.gears.netgear import NetGear
    return NetGear


def load_imagezmq():
    unpack("imagezmq-1.2.0.tar.gz", "imagezmq-1.2.0")
    import imagezmq
    return imagezmq


def imagezmq_send(address, reqrep, frames_path, mode, name):
    import cv2
    imagezmq = load_imagezmq()
    frames = list(np.load(frames_path).values())
    sender = imagezmq.ImageSender(connect_to=address, REQ_REP=reqrep)
    replies = []
    i = 0
    started = time.monotonic()
    while True:
        frame = frames[i % len(frames)]
        text = f"{name}|{i % len(frames)}"
        if mode == "jpg":
            ok, jpg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
            reply = sender.send_jpg(text, jpg.tobytes())
        else:
            reply = sender.send_image(text, frame)
        replies.append(reply if reply is not None else b"")
        i += 1
        if reqrep and i == len(frames):
            break
        if not reqrep:
            if os.path.exists(STOPFILE) or time.monotonic() - started > 30:
                break
            time.sleep(0.02)
    sender.close()
    with open("imagezmq-replies.json", "w") as f:
        json.dump([r.decode("utf-8", "replace") for r in replies], f)


def imagezmq_recv(address, reqrep, count, out, mode):
    import cv2
    imagezmq = load_imagezmq()
    hub = imagezmq.ImageHub(open_port=address, REQ_REP=reqrep)
    frames, texts = [], []
    while len(frames) < count:
        if mode == "jpg":
            text, jpg = hub.recv_jpg()
            frame = cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_UNCHANGED)
        else:
            text, frame = hub.recv_image()
        frames.append(np.copy(frame))
        texts.append(text)
        if reqrep:
            hub.send_reply(b"OK")
    np.savez(out, *frames, texts=np.array(texts))
    hub.close()


def netgear_options(path):
    with open(path) as f:
        options = json.load(f)
    extra = {k: options.pop(k) for k in ("text", "reply") if k in options}
    return options, extra


def netgear_send(port, pattern, frames_path, out, options_path):
    NetGear = load_netgear()
    options, extra = netgear_options(options_path)
    frames = list(np.load(frames_path).values())
    server = NetGear(address="127.0.0.1", port=str(port), pattern=pattern, logging=True,
                     **options)
    back = []
    for frame in frames:
        answer = server.send(frame, message=extra.get("text"))
        if options.get("bidirectional_mode"):
            back.append("" if answer is None else str(answer))
    server.close()
    np.savez(out, texts=np.array(back))


def netgear_recv(port, pattern, count, out, options_path):
    NetGear = load_netgear()
    options, extra = netgear_options(options_path)
    client = NetGear(address="127.0.0.1", port=str(port), pattern=pattern, receive_mode=True,
                     logging=True, **options)
    frames, texts = [], []
    bidirectional = options.get("bidirectional_mode", False)
    while count == 0 or len(frames) < count:
        item = client.recv(return_data=extra.get("reply"))
        if item is None:
            break
        text, frame = item if bidirectional else (None, item)
        frames.append(np.copy(frame))
        texts.append("" if text is None else str(text))
    np.savez(out, *frames, texts=np.array(texts))
    if pattern == 2:
        # NetGear's close() in PUB/SUB closes the socket under its receive thread, and
        # libzmq can abort on that; what was received is saved already.
        os._exit(0)
    client.close()


def main(argv):
    dialect, role = argv[1], argv[2]
    if dialect == "imagezmq" and role == "send":
        imagezmq_send(argv[3], argv[4] == "1", argv[5], argv[6], argv[7])
    elif dialect == "imagezmq" and role == "recv":
        imagezmq_recv(argv[3], argv[4] == "1", int(argv[5]), argv[6], argv[7])
    elif dialect == "netgear" and role == "send":
        netgear_send(int(argv[3]), int(argv[4]), argv[5], argv[6], argv[7])
    elif dialect == "netgear" and role == "recv":
        netgear_recv(int(argv[3]), int(argv[4]), int(argv[5]), argv[6], argv[7])
    else:
        sys.exit(f"usage: see {__file__}")


if __name__ == "__main__":
    main(sys.argv)
