#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus (tests/fuzz/corpus/) from the wire fixtures.

Each small fixture is a seed as it is (one message). A "pair" seed is a frame message as
decode_all.hpp splits its input: one byte giving the header's length, the header, then
the ndarray map. A "jpeg" seed is such a pair for a compressed frame: a header with
ng_codec "jpeg" and a 1-D byte array holding jpeg_16x16.jpg (one 16x16 test-pattern frame
as ngsend --compression jpeg sent it). Rerun after changing the fixtures:
/usr/bin/python3 tests/fuzz/make_corpus.py
"""
import os

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "wire")
CORPUS = os.path.join(HERE, "corpus")
MAX_SEED = 2048  # the 200x200x3 frame would only slow every round down

PAIRS = [
    ("header_plain", "ndarray_2x2x3"),
    ("header_ext", "ndarray_3x5"),
    ("header_dict", "ndarray_2x3x4"),
    ("header_bimode", "ndarray_2x2x1"),
    ("header_list", "refuse_object"),
    ("header_text40", "ndarray_1x300"),
    ("terminate", "ndarray_1x1x3"),
]


def fixture(name):
    with open(os.path.join(FIXTURES, name + ".bin"), "rb") as f:
        return f.read()


def main():
    os.makedirs(CORPUS, exist_ok=True)
    for old in os.listdir(CORPUS):
        os.remove(os.path.join(CORPUS, old))
    for name in sorted(os.listdir(FIXTURES)):
        data = fixture(name[:-4])
        if len(data) <= MAX_SEED:
            with open(os.path.join(CORPUS, name), "wb") as f:
                f.write(data)
    with open(os.path.join(HERE, "jpeg_16x16.jpg"), "rb") as f:
        jpeg = f.read()
    head = msgpack.packb(dict(terminate=False, bi_mode=False, data="", ng_seq=0,
                              ng_codec="jpeg"))
    array = msgpack.packb({b"nd": True, b"type": "|u1", b"kind": b"", b"shape": [len(jpeg)],
                           b"data": jpeg})
    with open(os.path.join(CORPUS, "pair_jpeg_16x16.bin"), "wb") as f:
        f.write(bytes([len(head)]) + head + array)
    for header, ndarray in PAIRS:
        head = fixture(header)
        assert len(head) < 256, header
        with open(os.path.join(CORPUS, f"pair_{header}+{ndarray}.bin"), "wb") as f:
            f.write(bytes([len(head)]) + head + fixture(ndarray))


if __name__ == "__main__":
    main()
