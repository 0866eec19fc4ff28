// The capture side of ngsend: source -> pacing -> stamping -> queue.
#include "pipeline/capture_thread.hpp"

#include <spdlog/spdlog.h>

#include "core/clock.hpp"

namespace ng::pipeline {

namespace {
// How long one next() may block before the loop re-checks stop().
constexpr std::chrono::milliseconds kSourcePoll{200};
}  // namespace

CaptureThread::CaptureThread(source::Source& source, BoundedQueue<Frame>& queue, double fps,
                             long long maxFrames)
    : source_(source), queue_(queue) {
    thread_ = std::thread([this, fps, maxFrames] { run(fps, maxFrames); });
}

CaptureThread::~CaptureThread() { join(); }

void CaptureThread::join() {
    stop();
    queue_.close();  // unblocks a push waiting for room
    if (thread_.joinable()) thread_.join();
}

void CaptureThread::run(double fps, long long maxFrames) {
    Pacer pacer(fps);
    std::uint64_t seq = 0;
    try {
        while (!stopping_ && (maxFrames == 0 || seq < static_cast<std::uint64_t>(maxFrames))) {
            pacer.wait(stopping_);
            if (stopping_) break;
            std::optional<Frame> frame = source_.next(kSourcePoll);
            if (!frame) {
                if (source_.ended()) {
                    spdlog::info("{}: end of source after {} frames", source_.describe(), seq);
                    break;
                }
                continue;
            }
            frame->seq = seq++;
            if (frame->captureTimeUs == 0) frame->captureTimeUs = wallClockMicros();
            if (!queue_.push(std::move(*frame))) break;
        }
    } catch (...) {
        error_ = std::current_exception();
    }
    queue_.close();
}

}  // namespace ng::pipeline
