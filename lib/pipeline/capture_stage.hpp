// CaptureStage: pulls frames from a Source at the chosen pace for the send loop, on a thread
// of its own or inline.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <thread>

#include "core/bounded_queue.hpp"
#include "core/frame.hpp"
#include "pipeline/frame_feed.hpp"
#include "source/source.hpp"

namespace ng::pipeline {

// Stamps each frame with its sequence number and capture time and hands it to take().
// Capture ends when the source ends, `maxFrames` (0 = no limit) are captured, stop() is
// called, or the source fails (see error()).
//
// Normally a thread of its own captures into `queue`, so that a paced or blocking source
// never waits on the network. An unpaced source that never waits (the test pattern) is
// captured on the caller's thread inside take() instead: handing each frame to another
// thread would cost more than making it. Joins in its destructor.
class CaptureStage : public FrameFeed {
public:
    CaptureStage(source::Source& source, BoundedQueue<Frame>& queue, double fps,
                 long long maxFrames);
    ~CaptureStage() override;
    CaptureStage(const CaptureStage&) = delete;
    CaptureStage& operator=(const CaptureStage&) = delete;

    // The next frame, waiting at most `wait`; nullopt when none came in that time, or
    // when capture has finished (then finished() is true).
    std::optional<Frame> take(std::chrono::milliseconds wait) override;
    // True once every captured frame has been taken and no more will come.
    bool finished() const override;

    void stop() { stopping_ = true; }
    // Stops capture and waits for the thread to finish (idempotent).
    void join();
    // The source's failure, if capture ended because of one (valid once finished()).
    std::exception_ptr error() const { return error_; }

private:
    void run(double fps);
    std::optional<Frame> captureOne();
    bool capturedAll() const { return maxFrames_ != 0 && seq_ >= maxFrames_; }

    source::Source& source_;
    BoundedQueue<Frame>& queue_;
    const std::uint64_t maxFrames_;
    const double nominalFps_;  // the pace, stamped on every frame; 0 = unpaced
    const bool onCallersThread_;
    std::uint64_t seq_ = 0;  // these two: only the capturing thread
    bool sourceDone_ = false;
    std::atomic<bool> stopping_{false};
    std::exception_ptr error_;
    std::thread thread_;
};

}  // namespace ng::pipeline
