// Gap and latency accounting of received frames.
#include "pipeline/frame_accounting.hpp"

#include <spdlog/spdlog.h>

namespace ng::pipeline {

bool FrameAccounting::isRepeat(const Frame& frame, const std::string& instance) {
    // vidgear stamps no frame; a frame numbered below the next one expected from the same
    // process was taken already, while another process's low number is a restart.
    const bool repeat = frame.captureTimeUs != 0 && haveSeq_ && frame.seq < expectedSeq_ &&
                        instance == instance_;
    if (repeat) {
        ++duplicates_;
        stats_.addDuplicate();
        if (own_) own_->addDuplicate();
    } else if (frame.captureTimeUs != 0) {
        instance_ = instance;
    }
    return repeat;
}

void FrameAccounting::onFrame(const Frame& frame, std::int64_t receivedUs) {
    stats_.addFrame(frame.payloadBytes());
    if (own_) own_->addFrame(frame.payloadBytes());
    // Only ngsend stamps frames; the capture time is never 0 when it did.
    if (frame.captureTimeUs == 0) return;
    stats_.addLatency(receivedUs - frame.captureTimeUs);
    if (own_) own_->addLatency(receivedUs - frame.captureTimeUs);
    advanceTo(frame.seq);
}

void FrameAccounting::onRefused(const Frame& frame) {
    ++refused_;
    addDropped(1);
    if (frame.captureTimeUs != 0) advanceTo(frame.seq);
}

void FrameAccounting::onStreamEnd(std::optional<std::uint64_t> lastSeq) {
    if (!lastSeq) return;
    // Nothing seen from this sender: every frame it sent, 0 to lastSeq, was lost.
    const std::uint64_t next = haveSeq_ ? expectedSeq_ : 0;
    if (*lastSeq < next) return;  // a restarted sender's frames were counted as they came
    const std::uint64_t tail = *lastSeq - next + 1;
    addDropped(tail);
    lostInTransit_ += tail;
    haveSeq_ = true;
    expectedSeq_ = *lastSeq + 1;
}

void FrameAccounting::addDropped(std::uint64_t count) {
    stats_.addDropped(count);
    if (own_) own_->addDropped(count);
}

void FrameAccounting::advanceTo(std::uint64_t seq) {
    // A sequence number ahead of the expected one means the frames between were lost;
    // one behind means the sender restarted, so counting starts afresh.
    if (haveSeq_ && seq > expectedSeq_) {
        addDropped(seq - expectedSeq_);
        lostInTransit_ += seq - expectedSeq_;
    } else if (haveSeq_ && seq < expectedSeq_) {
        spdlog::info("the sender restarted (its frame numbers began again at {})", seq);
    }
    haveSeq_ = true;
    expectedSeq_ = seq + 1;
}

}  // namespace ng::pipeline
