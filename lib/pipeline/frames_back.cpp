// ngsend's frames back: counted, refused by size, written to the --reply-output outputs.
#include "pipeline/frames_back.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "core/clock.hpp"
#include "pipeline/frame_queue.hpp"
#include "sink/sink.hpp"

namespace ng::pipeline {

namespace {

// Frames waiting for the outputs, as on ngrecv: full means the outputs are slower than the
// answers, and the sender then waits for them (unless --latest).
constexpr std::size_t kBackQueueDepth = 8;

}  // namespace

FramesBack::FramesBack(const std::vector<std::string>& outputs, double fps, bool latest,
                       const std::atomic<bool>& stopSignal)
    : queue_(makeFrameQueue(kBackQueueDepth, latest)), fps_(fps) {
    if (outputs.empty()) return;
    std::vector<sink::Output> made = sink::makeOutputs(outputs);
    usesStdout_ = std::any_of(made.begin(), made.end(),
                              [](const sink::Output& o) { return o.sink->usesStdout(); });
    // 0: each output keeps the sender's pace, in real time, as ngrecv's do by default.
    sinks_ = std::make_unique<SinkStage>(std::move(made), std::vector<std::string>{}, queue_, 0,
                                         stats_, stopSignal);
}

FramesBack::~FramesBack() { finish(); }

void FramesBack::setPeer(const std::string& peer) {
    // Frames back come from one peer, the receiver: sender 0 of these outputs.
    if (sinks_) sinks_->addSender(0, "receiver", peer);
}

void FramesBack::take(wire::Reply& reply) {
    if (reply.kind != wire::Reply::Kind::Ndarray) return;
    if (!reply.refusedFrame.empty()) {
        stats_.addError();
        if (refused_++ == 0) {
            firstRefusal_ = reply.refusedFrame;
            spdlog::warn("refused a frame sent back: {}", reply.refusedFrame);
        }
        return;
    }
    if (reply.frame.empty()) return;
    Frame frame = std::move(reply.frame);
    // The receiver sends no numbers or times with it: they are this end's.
    frame.seq = received_++;
    frame.captureTimeUs = wallClockMicros();
    frame.nominalFps = fps_;
    stats_.addFrame(frame.payloadBytes());
    if (sinks_ && delivering_ && !sinks_->failed()) delivering_ = sinks_->deliver(std::move(frame));
}

void FramesBack::finish() {
    if (!sinks_ || !reports_.empty()) return;
    sinks_->join();
    reports_ = sinks_->reports();
    written_ = sinks_->framesWritten();
}

std::string FramesBack::summaryJson() const {
    return fmt::format(
        "{{\"frames\": {}, \"refused\": {}, \"written\": {}, \"dropped_latest\": {}, "
        "\"errors\": {}, \"outputs\": {}}}",
        received_, refused_, written_, queue_.dropped(), stats_.snapshot().errors,
        outputsJson(reports_));
}

std::string FramesBack::failure() const {
    std::string failed;
    std::size_t count = 0;
    for (const OutputReport& r : reports_) {
        if (r.failed) failed += (count++ ? "; " : "") + r.spec + ": " + r.error;
    }
    if (count != 0) {
        return fmt::format("{} of {} --reply-output outputs failed: {}", count, reports_.size(),
                           failed);
    }
    if (refused_ != 0) {
        return fmt::format(
            "{} frame(s) sent back refused for exceeding --max-frame-size; the "
            "first: {}",
            refused_, firstRefusal_);
    }
    return "";
}

}  // namespace ng::pipeline
