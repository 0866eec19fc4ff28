// FrameAccounting: turns received sequence numbers and capture times into drops and latency.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/frame.hpp"
#include "core/stream_stats.hpp"

namespace ng::pipeline {

// Frames from a vidgear sender carry no sequence or capture time and are only counted.
// One per sender: sequence numbers are each sender's own. Every count goes to `stats` (the
// stream's totals) and, when given, to `own` (this sender's).
class FrameAccounting {
public:
    explicit FrameAccounting(StreamStats& stats, StreamStats* own = nullptr)
        : stats_(stats), own_(own) {}

    // Whether `frame`, from the sender process `instance` (its ng_instance), is one already
    // taken: a sender sends a frame again when its answer was lost (lazy pirate), and the
    // copy is counted as a duplicate, answered, and not passed on. Call it before onFrame();
    // a frame that is no repeat is then recorded by onFrame().
    bool isRepeat(const Frame& frame, const std::string& instance);
    // Records one received frame; `receivedUs` is the wall clock at arrival.
    void onFrame(const Frame& frame, std::int64_t receivedUs);
    // Records a frame that arrived but was refused (over --max-frame-size): it is dropped,
    // and not lost in transit. `frame` holds only its seq and capture time.
    void onRefused(const Frame& frame);
    // The sender ended the stream; `lastSeq` is the number of the last frame it sent, when
    // it said (ngsend does). Frames after the last one seen were lost in transit.
    void onStreamEnd(std::optional<std::uint64_t> lastSeq);

    // Frames missing from the sequence: lost on the way or skipped by the sender.
    std::uint64_t lostInTransit() const { return lostInTransit_; }
    // Frames received again and dropped (isRepeat()).
    std::uint64_t duplicates() const { return duplicates_; }
    // Frames refused for their size.
    std::uint64_t refused() const { return refused_; }

private:
    // Moves past frame `seq`, counting the frames missing before it.
    void advanceTo(std::uint64_t seq);

    void addDropped(std::uint64_t count);

    StreamStats& stats_;
    StreamStats* own_;
    std::uint64_t lostInTransit_ = 0;
    std::uint64_t refused_ = 0;
    std::uint64_t duplicates_ = 0;
    std::string instance_;  // the process whose frame numbers expectedSeq_ follows
    bool haveSeq_ = false;
    std::uint64_t expectedSeq_ = 0;
};

}  // namespace ng::pipeline
