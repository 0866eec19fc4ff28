// The fuzzing harness body: every wire decoder over one input, shared by the libFuzzer
// target and the unit test that replays the corpus and past findings.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "codec/jpeg.hpp"
#include "core/errors.hpp"
#include "wire/dialect.hpp"
#include "wire/messages.hpp"

namespace ng::fuzz {

// Big enough for every shape in the corpus. A decoder that allocated what a hostile shape
// claims beyond it (a 40000x40000x3 claim is 4.8 GB) would trip -malloc_limit_mb.
inline constexpr std::size_t kFuzzMaxFrameBytes = std::size_t{64} << 20;

// A result that breaks the decoder's own contract is a finding as much as a crash is:
// abort() so libFuzzer keeps the input and a unit test fails loudly.
inline void expect(bool condition) {
    if (!condition) std::abort();
}

// An accepted ndarray must lie wholly inside its input; reading every pixel lets ASan
// prove it, and the sum keeps the reads from being optimised away.
inline unsigned touchPixels(const wire::NdarrayView& view, ByteView input, std::size_t maxBytes) {
    const std::size_t bytes = view.shape.bytes();
    expect(view.shape.height > 0 && view.shape.width > 0);
    expect(view.shape.channels == 1 || view.shape.channels == 3 || view.shape.channels == 4);
    expect(bytes <= maxBytes);
    expect(view.pixels >= input.begin() &&
           bytes <= static_cast<std::size_t>(input.end() - view.pixels));
    unsigned sum = 0;
    for (std::size_t i = 0; i < bytes; ++i) sum += view.pixels[i];
    return sum;
}

// The bytes of a compressed frame must lie wholly inside the input too.
inline unsigned touchBytes(ByteView bytes, ByteView input, std::size_t maxBytes) {
    expect(bytes.size > 0 && bytes.size <= maxBytes);
    expect(bytes.data >= input.begin() &&
           bytes.size <= static_cast<std::size_t>(input.end() - bytes.data));
    unsigned sum = 0;
    for (std::size_t i = 0; i < bytes.size; ++i) sum += bytes.data[i];
    return sum;
}

// Runs `decode`, accepting a value, ProtocolError or (for JPEG headers) JpegError.
// Anything else thrown escapes, and libFuzzer reports the uncaught exception as a crash.
template <typename F>
inline void decodedOrRefused(F&& decode) {
    try {
        decode();
    } catch (const ProtocolError&) {
    } catch (const codec::JpegError&) {
    }
}

// The whole input as each kind of single message; then, split in two at the point its
// first byte names, as the two parts of a frame message (header, ndarray).
inline unsigned decodeAll(const std::uint8_t* data, std::size_t size) {
    const ByteView whole(data, size);
    unsigned sink = 0;
    decodedOrRefused([&] {
        const wire::Header header = wire::decodeHeader(whole);
        sink += static_cast<unsigned>(header.data.text.size() + header.data.pythonType.size());
    });
    decodedOrRefused([&] {
        sink +=
            touchPixels(wire::decodeNdarray(whole, kFuzzMaxFrameBytes), whole, kFuzzMaxFrameBytes);
    });
    decodedOrRefused([&] {
        sink += touchBytes(wire::decodeByteArray(whole, kFuzzMaxFrameBytes), whole,
                           kFuzzMaxFrameBytes);
    });
    decodedOrRefused([&] {
        const wire::Reply reply = wire::decodeReply(whole);
        sink += static_cast<unsigned>(reply.plainText.size() + reply.data.text.size() +
                                      reply.notice.stop.size() + reply.notice.refused.size());
    });
    decodedOrRefused(
        [&] { sink += static_cast<unsigned>(wire::decodeTerminateAck(whole).size()); });
    decodedOrRefused(
        [&] { sink += static_cast<unsigned>(wire::decodeTerminateLastSeq(whole).value_or(0)); });
    // The other dialects' decoders (--wire imagezmq, netgear), and the sniffing of a
    // foreign dialect, over the same input.
    sink += static_cast<unsigned>(wire::sniffDialect(whole).has_value());
    for (wire::DialectKind kind : {wire::DialectKind::ImageZmq, wire::DialectKind::NetGear}) {
        const wire::Dialect& dialect = wire::dialectFor(kind);
        decodedOrRefused([&] {
            const wire::SenderMessage message = dialect.decodeMessage(whole);
            expect(message.barePayload);
            if (!message.header.terminate && message.header.codec == Codec::Raw) {
                expect(message.shape.bytes() > 0);
            }
            sink += static_cast<unsigned>(message.header.data.text.size() + message.shape.bytes());
        });
        decodedOrRefused([&] {
            const wire::Reply reply = dialect.decodeReply(whole);
            sink += static_cast<unsigned>(reply.plainText.size() + reply.data.text.size());
        });
        decodedOrRefused([&] { sink += static_cast<unsigned>(dialect.decodeEndAck(whole).size()); });
    }

    if (size == 0) return sink;
    const std::size_t headerSize = std::min<std::size_t>(data[0], size - 1);
    const ByteView headerPart(data + 1, headerSize);
    const ByteView ndarrayPart(data + 1 + headerSize, size - 1 - headerSize);
    // As the receiver does: the header first; only a frame header makes it read part 2.
    decodedOrRefused([&] {
        const wire::Header header = wire::decodeHeader(headerPart);
        if (header.terminate) return;
        if (header.codec == Codec::Jpeg) {
            // What ngrecv reads of a JPEG frame on receipt: the array, then the JPEG header.
            const ByteView jpeg = wire::decodeByteArray(ndarrayPart, kFuzzMaxFrameBytes);
            sink += touchBytes(jpeg, ndarrayPart, kFuzzMaxFrameBytes);
            static codec::JpegDecoder headers;
            sink += static_cast<unsigned>(headers.readShape(jpeg).width);
            return;
        }
        sink += touchPixels(wire::decodeNdarray(ndarrayPart, kFuzzMaxFrameBytes), ndarrayPart,
                            kFuzzMaxFrameBytes);
    });
    // A smaller limit than the shape exercises the refusal from the shape alone.
    constexpr std::size_t kSmallLimit = 64;
    decodedOrRefused([&] {
        sink +=
            touchPixels(wire::decodeNdarray(ndarrayPart, kSmallLimit), ndarrayPart, kSmallLimit);
    });
    return sink;
}

}  // namespace ng::fuzz
