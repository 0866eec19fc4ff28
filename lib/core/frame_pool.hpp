// FramePool: recycles pixel buffers so steady-state capture allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/frame.hpp"

namespace ng {

// A pixel buffer with kWireHeadroom writable bytes in front of the pixels.
class FrameBuffer {
public:
    // contentTag of a buffer whose pixels are unknown (new, or written by someone else).
    static constexpr std::uint64_t kUnknownContent = UINT64_MAX;

    explicit FrameBuffer(std::size_t pixelBytes);
    std::uint8_t* pixels() { return storage_.get() + kWireHeadroom; }
    std::size_t capacity() const { return capacity_; }

    // What the pixels hold, as the source that wrote them names it (e.g. a frame index),
    // so a recycled buffer can be updated instead of redrawn. Kept across recycling.
    std::uint64_t contentTag = kUnknownContent;

private:
    std::unique_ptr<std::uint8_t[]> storage_;
    std::size_t capacity_;
};

// Hands out buffers of one size; a buffer returns to the pool when the last Frame (or the
// ZeroMQ message sending it) releases it. Thread-safe: buffers are released on ZeroMQ's
// I/O thread. The pool itself may be destroyed while buffers are still out.
class FramePool {
public:
    // Creates an empty frame whose pixels are writable through `writable` until it is
    // handed on. The buffer holds shape.bytes() pixels plus wire headroom; when `content`
    // is given it points at the buffer's contentTag (see FrameBuffer).
    Frame acquire(const FrameShape& shape, std::uint8_t*& writable,
                  std::uint64_t** content = nullptr);
    // The same for a buffer of `bytes` bytes that are not pixels (a JPEG stream, say): the
    // caller sets the frame's shape, codec and size.
    Frame acquireBytes(std::size_t bytes, std::uint8_t*& writable);

private:
    Frame acquireBuffer(std::size_t bytes, std::uint8_t*& writable, std::uint64_t** content);

    struct Shared {
        std::mutex mutex;
        std::vector<std::unique_ptr<FrameBuffer>> idle;
        std::size_t bufferBytes = 0;
    };
    std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

}  // namespace ng
