// Gap and latency accounting of received frames.
#include "pipeline/frame_accounting.hpp"

#include <spdlog/spdlog.h>

namespace ng::pipeline {

void FrameAccounting::onFrame(const Frame& frame, std::int64_t receivedUs) {
    stats_.addFrame(frame.payloadBytes());
    // Only ngsend stamps frames; the capture time is never 0 when it did.
    if (frame.captureTimeUs == 0) return;
    stats_.addLatency(receivedUs - frame.captureTimeUs);
    // A sequence number ahead of the expected one means the frames between were lost;
    // one behind means the sender restarted, so counting starts afresh.
    if (haveSeq_ && frame.seq > expectedSeq_) {
        stats_.addDropped(frame.seq - expectedSeq_);
        lostInTransit_ += frame.seq - expectedSeq_;
    } else if (haveSeq_ && frame.seq < expectedSeq_) {
        spdlog::info("the sender restarted (its frame numbers began again at {})", frame.seq);
    }
    haveSeq_ = true;
    expectedSeq_ = frame.seq + 1;
}

}  // namespace ng::pipeline
