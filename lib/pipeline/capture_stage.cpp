// The capture side of ngsend: source -> pacing -> stamping -> send loop.
#include "pipeline/capture_stage.hpp"

#include <spdlog/spdlog.h>

#include "core/clock.hpp"

namespace ng::pipeline {

namespace {
// How long one next() may block before the loop re-checks stop().
constexpr std::chrono::milliseconds kSourcePoll{200};
}  // namespace

CaptureStage::CaptureStage(source::Source& source, BoundedQueue<Frame>& queue, double fps,
                           long long maxFrames)
    : source_(source),
      queue_(queue),
      maxFrames_(maxFrames > 0 ? static_cast<std::uint64_t>(maxFrames) : 0),
      nominalFps_(fps > 0 ? fps : 0),
      onCallersThread_(fps <= 0 && source.neverWaits()) {
    if (!onCallersThread_) thread_ = std::thread([this, fps] { run(fps); });
}

CaptureStage::~CaptureStage() { join(); }

void CaptureStage::join() {
    stop();
    queue_.close();  // unblocks a push waiting for room
    if (thread_.joinable()) thread_.join();
}

std::optional<Frame> CaptureStage::take(std::chrono::milliseconds wait) {
    if (!onCallersThread_) return queue_.pop(wait);
    if (finished()) return std::nullopt;
    try {
        return captureOne();
    } catch (...) {
        error_ = std::current_exception();
        sourceDone_ = true;
        return std::nullopt;
    }
}

bool CaptureStage::finished() const {
    if (onCallersThread_) return sourceDone_ || stopping_;
    return queue_.closed() && queue_.size() == 0;
}

std::optional<Frame> CaptureStage::captureOne() {
    if (capturedAll()) {
        sourceDone_ = true;
        return std::nullopt;
    }
    std::optional<Frame> frame = source_.next(kSourcePoll);
    if (!frame) {
        if (source_.ended()) {
            spdlog::info("{}: end of source after {} frames", source_.describe(), seq_);
            sourceDone_ = true;
        }
        return std::nullopt;
    }
    frame->seq = seq_++;
    if (frame->captureTimeUs == 0) frame->captureTimeUs = wallClockMicros();
    frame->nominalFps = nominalFps_;
    return frame;
}

void CaptureStage::run(double fps) {
    Pacer pacer(fps);
    try {
        while (!stopping_ && !sourceDone_ && !capturedAll()) {
            pacer.wait(stopping_);
            if (stopping_) break;
            std::optional<Frame> frame = captureOne();
            if (frame && !queue_.push(std::move(*frame))) break;
        }
    } catch (...) {
        error_ = std::current_exception();
    }
    queue_.close();
}

}  // namespace ng::pipeline
