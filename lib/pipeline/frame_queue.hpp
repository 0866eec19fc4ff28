// The frame queue between two pipeline stages: its depth, --latest, and the frames it drops.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/bounded_queue.hpp"
#include "core/frame.hpp"
#include "core/stream_stats.hpp"

namespace ng::pipeline {

// How long a pipeline loop waits on one queue, socket or input before it looks again for a
// stop request: short enough that Ctrl+C and a stage's end are seen at once.
inline constexpr std::chrono::milliseconds kPollInterval{100};

// A queue of `depth` frames whose producer waits for room, so nothing is lost; or, with
// --latest, a queue of one frame where a newer frame replaces one still waiting, so a slow
// consumer gets the freshest frame and never slows the producer (see LatestDrops).
inline BoundedQueue<Frame> makeFrameQueue(std::size_t depth, bool latest) {
    return latest ? BoundedQueue<Frame>(1, OverflowPolicy::DropOldest)
                  : BoundedQueue<Frame>(depth, OverflowPolicy::Block);
}

// The frames a --latest queue dropped because a newer one replaced them, folded into
// `stats` as they happen so that --stats shows them live. Without --latest nothing is
// dropped and update() returns at once.
class LatestDrops {
public:
    LatestDrops(const BoundedQueue<Frame>& queue, StreamStats& stats, bool latest)
        : queue_(queue), stats_(stats), latest_(latest) {}

    void update() {
        if (!latest_) return;
        const std::uint64_t dropped = queue_.dropped();
        stats_.addDropped(dropped - counted_);
        counted_ = dropped;
    }

    // The drops folded into the stats so far.
    std::uint64_t counted() const { return counted_; }

private:
    const BoundedQueue<Frame>& queue_;
    StreamStats& stats_;
    const bool latest_;
    std::uint64_t counted_ = 0;
};

}  // namespace ng::pipeline
