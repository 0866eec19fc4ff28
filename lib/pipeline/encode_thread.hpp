// EncodeThread: compresses captured frames (--compression jpeg) on a thread of its own.
#pragma once

#include <atomic>
#include <exception>
#include <thread>

#include "codec/jpeg.hpp"
#include "core/bounded_queue.hpp"
#include "pipeline/frame_feed.hpp"

namespace ng::pipeline {

// Takes frames from `input` (the capture), encodes each and queues it for the send loop,
// so capture, encoding and sending overlap: a JPEG costs milliseconds, a send far less.
// An unpaced test pattern is captured on this thread (see CaptureThread). With --latest
// the capture queue drops stale frames before they cost an encode; this queue stays
// short and blocking, so nothing encoded is thrown away. Joins in its destructor.
class EncodeThread : public FrameFeed {
public:
    EncodeThread(FrameFeed& input, const codec::JpegSettings& settings);
    ~EncodeThread() override;
    EncodeThread(const EncodeThread&) = delete;
    EncodeThread& operator=(const EncodeThread&) = delete;

    std::optional<Frame> take(std::chrono::milliseconds wait) override;
    bool finished() const override;

    // Stops encoding and waits for the thread (idempotent).
    void join();
    // Why encoding stopped, if a frame could not be encoded (valid once finished()).
    std::exception_ptr error() const { return error_; }

private:
    void run();

    FrameFeed& input_;
    codec::JpegEncoder encoder_;
    BoundedQueue<Frame> queue_;
    std::atomic<bool> stopping_{false};
    std::exception_ptr error_;
    std::thread thread_;
};

}  // namespace ng::pipeline
