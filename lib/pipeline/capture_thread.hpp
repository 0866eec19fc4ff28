// CaptureThread: pulls frames from a Source at the chosen pace into the send queue.
#pragma once

#include <atomic>
#include <exception>
#include <thread>

#include "core/bounded_queue.hpp"
#include "core/frame.hpp"
#include "source/source.hpp"

namespace ng::pipeline {

// Stamps each frame with its sequence number and capture time, then pushes it. The queue
// is closed when the source ends, `maxFrames` (0 = no limit) are captured, stop() is called,
// or the source fails (see error()). Joins in its destructor.
class CaptureThread {
public:
    CaptureThread(source::Source& source, BoundedQueue<Frame>& queue, double fps,
                  long long maxFrames);
    ~CaptureThread();
    CaptureThread(const CaptureThread&) = delete;
    CaptureThread& operator=(const CaptureThread&) = delete;

    void stop() { stopping_ = true; }
    // Stops capture and waits for the thread to finish (idempotent).
    void join();
    // The source's failure, if capture ended because of one (valid after the queue closes).
    std::exception_ptr error() const { return error_; }

private:
    void run(double fps, long long maxFrames);

    source::Source& source_;
    BoundedQueue<Frame>& queue_;
    std::atomic<bool> stopping_{false};
    std::exception_ptr error_;
    std::thread thread_;
};

}  // namespace ng::pipeline
