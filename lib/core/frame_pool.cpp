// FramePool: buffers go back to an idle list instead of being freed.
#include "core/frame_pool.hpp"

namespace ng {

namespace {
// Keep a few idle buffers: enough for capture, queue and in-flight sends to overlap.
constexpr std::size_t kMaxIdle = 16;
}  // namespace

FrameBuffer::FrameBuffer(std::size_t pixelBytes)
    : storage_(new std::uint8_t[pixelBytes + kWireHeadroom]), capacity_(pixelBytes) {}

Frame FramePool::acquire(const FrameShape& shape, std::uint8_t*& writable,
                         std::uint64_t** content) {
    Frame frame = acquireBuffer(shape.bytes(), writable, content);
    frame.shape = shape;
    return frame;
}

Frame FramePool::acquireBytes(std::size_t bytes, std::uint8_t*& writable) {
    return acquireBuffer(bytes, writable, nullptr);
}

Frame FramePool::acquireBuffer(std::size_t bytes, std::uint8_t*& writable,
                               std::uint64_t** content) {
    std::unique_ptr<FrameBuffer> buffer;
    {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        if (shared_->bufferBytes != bytes) {
            shared_->idle.clear();  // the size changed: old buffers are of no use
            shared_->bufferBytes = bytes;
        }
        if (!shared_->idle.empty()) {
            buffer = std::move(shared_->idle.back());
            shared_->idle.pop_back();
        }
    }
    if (!buffer) buffer = std::make_unique<FrameBuffer>(bytes);

    Frame frame;
    writable = buffer->pixels();
    if (content) *content = &buffer->contentTag;
    frame.pixels = writable;
    frame.headroom = kWireHeadroom;
    // The deleter shares the pool state, so a buffer released after the pool is gone is
    // still handled safely (and freed with the last reference).
    std::shared_ptr<Shared> pool = shared_;
    frame.owner = std::shared_ptr<FrameBuffer>(buffer.release(), [pool](FrameBuffer* b) {
        std::unique_ptr<FrameBuffer> owned(b);
        std::lock_guard<std::mutex> lock(pool->mutex);
        if (owned->capacity() == pool->bufferBytes && pool->idle.size() < kMaxIdle) {
            pool->idle.push_back(std::move(owned));
        }
    });
    return frame;
}

}  // namespace ng
