// FrameAccounting: turns received sequence numbers and capture times into drops and latency.
#pragma once

#include <cstdint>

#include "core/frame.hpp"
#include "core/stream_stats.hpp"

namespace ng::pipeline {

// Frames from a vidgear sender carry no sequence or capture time and are only counted.
class FrameAccounting {
public:
    explicit FrameAccounting(StreamStats& stats) : stats_(stats) {}

    // Records one received frame; `receivedUs` is the wall clock at arrival.
    void onFrame(const Frame& frame, std::int64_t receivedUs);

    // Frames missing from the sequence: lost on the way or skipped by the sender.
    std::uint64_t lostInTransit() const { return lostInTransit_; }

private:
    StreamStats& stats_;
    std::uint64_t lostInTransit_ = 0;
    bool haveSeq_ = false;
    std::uint64_t expectedSeq_ = 0;
};

}  // namespace ng::pipeline
