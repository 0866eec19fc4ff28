// QueuedBytes: bounds the bytes of zero-copy frames libzmq holds for a sending socket.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include "transport/zmq_socket.hpp"

namespace ng::transport::detail {

// How many frames of `frameBytes` fit in `budget`: at least 1, at most `maxFrames`.
std::size_t framesWithin(std::size_t budget, std::size_t frameBytes, std::size_t maxFrames);

// ZeroMQ's high-water mark counts messages, not bytes: 8 queued 1080p frames are 50 MB,
// more than the CPU's last-level cache, so each frame the kernel copies out comes from
// memory. This keeps at most `budget` bytes and `maxFrames` frames queued, counting a
// frame from its send until libzmq releases its buffer; one frame always fits. Fewer frames
// queued means fewer buffers in turn, so each is likelier still in cache when the kernel
// copies it out.
class QueuedBytes {
public:
    QueuedBytes(std::size_t budget, std::size_t maxFrames);

    // How many frames of `bytes` may be queued at once (at least one).
    std::size_t framesThatFit(std::size_t bytes) const;

    // Waits until a frame of `bytes` fits, the deadline passes or *stop is raised. A frame
    // that fits at once goes without waiting; one that has to wait, where four frames or
    // more may be queued, waits until half of them are let go, so that the sender sleeps
    // once per burst of frames rather than once per frame.
    WaitResult waitForRoom(std::size_t bytes, const Deadline& deadline,
                           const std::atomic<bool>* stop);

    // Counts a frame as queued until libzmq calls release(data, hint) with the returned
    // hint; `owner` keeps the frame's buffer alive until then.
    void* hold(std::shared_ptr<const void> owner, std::size_t bytes);
    // A zmq_free_fn: called on libzmq's I/O thread, possibly after this object is gone.
    static void release(void* data, void* hint);

private:
    // Shared with release() on libzmq's I/O thread; every field under `mutex`. The waiter
    // (only ever the sender's thread, so one at a time) says what it waits for (waiting,
    // waitBytes, waitFrames), and release() notifies only once that holds, so a burst costs
    // the I/O thread one wake-up, not one per frame.
    struct State {
        explicit State(std::size_t byteBudget) : budget(byteBudget) {}
        // Whether a frame of `bytes` may join while fewer than `frameLimit` are queued.
        bool roomFor(std::size_t bytes, std::size_t frameLimit) const {
            return frames == 0 || (queued + bytes <= budget && frames < frameLimit);
        }

        const std::size_t budget;
        std::mutex mutex;
        std::condition_variable released;
        std::size_t queued = 0;  // bytes
        std::size_t frames = 0;
        bool waiting = false;
        std::size_t waitBytes = 0;
        std::size_t waitFrames = 0;
    };
    std::size_t budget_;
    std::size_t maxFrames_;
    std::shared_ptr<State> state_;
};

}  // namespace ng::transport::detail
