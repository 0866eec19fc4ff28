// Frame: pixels plus the accounting that travels with them (sequence, capture time, data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ng {

// Shape of an 8-bit frame in row-major C order. channels == 1 is grayscale (wire shape HxW),
// 3 is BGR and 4 is BGRA (wire shape HxWxC), as OpenCV and NetGear_Async use them.
struct FrameShape {
    int height = 0;
    int width = 0;
    int channels = 3;

    std::size_t bytes() const {
        return static_cast<std::size_t>(height) * static_cast<std::size_t>(width) *
               static_cast<std::size_t>(channels);
    }
    std::size_t rowBytes() const {
        return static_cast<std::size_t>(width) * static_cast<std::size_t>(channels);
    }
    bool operator==(const FrameShape& o) const {
        return height == o.height && width == o.width && channels == o.channels;
    }
    bool operator!=(const FrameShape& o) const { return !(*this == o); }
};

// Bytes a frame buffer reserves in front of its pixels, so the wire encoder can write the
// msgpack ndarray prefix there and send prefix + pixels as one ZeroMQ part without a copy.
inline constexpr std::size_t kWireHeadroom = 64;

// How a frame's bytes are coded. Raw is NetGear_Async's own form; Jpeg is our extension
// (--compression jpeg, docs/protocol.md).
enum class Codec { Raw, Jpeg };

// One video frame. Copying a Frame shares its pixels (they are immutable once captured);
// `owner` keeps them alive, whether they live in a pooled capture buffer or in the
// received ZeroMQ message they were decoded from.
struct Frame {
    FrameShape shape;  // of the picture, also when it travels compressed
    // Raw: shape.bytes() pixels. Jpeg: a JPEG stream of `codedBytes` bytes that decodes to
    // `shape` (codec/jpeg.hpp); consumers that need pixels decode it first.
    const std::uint8_t* pixels = nullptr;
    Codec codec = Codec::Raw;
    std::size_t codedBytes = 0;  // Jpeg only
    // Writable bytes directly before `pixels` that belong to this frame's buffer and that
    // the sender may overwrite with a wire prefix; 0 when the buffer has none.
    std::size_t headroom = 0;
    std::shared_ptr<const void> owner;

    std::uint64_t seq = 0;            // index assigned by the sender, from 0
    std::int64_t captureTimeUs = 0;   // wall clock (µs since the Unix epoch) at capture
    std::string data;                 // NetGear_Async header "data" as text ("" when none)
    double nominalFps = 0;            // the sender's pace, stream-wide; 0 = unpaced or unknown
    // ngrecv: which of its senders the frame came from (an index it assigns, from 0).
    std::uint32_t sender = 0;

    std::size_t bytes() const { return shape.bytes(); }
    // The bytes at `pixels`: what travels on the wire.
    std::size_t payloadBytes() const { return codec == Codec::Raw ? shape.bytes() : codedBytes; }
    bool empty() const { return pixels == nullptr; }
};

}  // namespace ng
