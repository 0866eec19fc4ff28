// Frame timing: where each received frame falls on a recording's timeline.
#pragma once

#include <cmath>
#include <cstdint>

namespace ng::sink {

// Microseconds from the first frame of a recording to each later one. In real time they
// follow the capture times (the sender's clock, Frame::captureTimeUs), so gaps left by lost
// or skipped frames and a source that runs slow stay on screen for as long as they lasted.
// Otherwise, and for a frame without a capture time, each frame comes 1/fps after the one
// before. The result always increases, so a muxer never sees a timestamp twice.
//
// A capture time over a second before the previous one (the sender's clock was set back)
// or a gap of more than kMaxGapUs (a new sender took over the stream) is not followed: the
// frame comes 1/fps after the previous one and the timeline goes on from there.
class FrameTimeline {
public:
    static constexpr std::int64_t kMaxGapUs = 60'000'000;
    static constexpr std::int64_t kMaxBackStepUs = 1'000'000;

    FrameTimeline(double fps, bool realTime)
        : stepUs_(std::llround(1e6 / fps)), realTime_(realTime) {}

    std::int64_t timeUs(std::int64_t captureTimeUs) {
        if (!started_) {
            started_ = true;
            origin_ = captureTimeUs;
            return last_ = 0;
        }
        std::int64_t t = last_ + stepUs_;
        if (realTime_ && captureTimeUs != 0) {
            const std::int64_t captured = captureTimeUs - origin_;
            if (captured > last_ - kMaxBackStepUs && captured <= last_ + kMaxGapUs) {
                t = captured;
            } else {
                origin_ = captureTimeUs - t;
            }
        }
        if (t <= last_) t = last_ + 1;
        return last_ = t;
    }

private:
    std::int64_t stepUs_;
    bool realTime_;
    bool started_ = false;
    std::int64_t origin_ = 0;
    std::int64_t last_ = 0;
};

// Places frames on the slots of a constant-rate output (y4m, avi) of `fps` frames a second,
// as ffmpeg's -vsync cfr does. In real time each frame goes to the slot nearest its time on
// the FrameTimeline: a gap repeats the previous frame, and a frame whose slot is already
// taken (frames coming faster than fps) is dropped. Otherwise every frame takes the next
// slot. The last frame shows for one slot, so n frames at the sender's pace last n / fps.
class ConstantRateClock {
public:
    ConstantRateClock(double fps, bool realTime)
        : timeline_(fps, realTime), fps_(fps), realTime_(realTime) {}

    struct Placement {
        std::uint64_t repeatPrevious = 0;  // copies of the previous frame to write first
        bool write = true;                 // false: drop this frame
    };

    Placement place(std::int64_t captureTimeUs) {
        if (!realTime_) {
            ++next_;
            return {};
        }
        const double seconds = static_cast<double>(timeline_.timeUs(captureTimeUs)) / 1e6;
        const std::int64_t slot = std::llround(seconds * fps_);
        if (slot < next_) {
            ++dropped_;
            return {0, false};
        }
        const Placement placement{static_cast<std::uint64_t>(slot - next_), true};
        repeated_ += placement.repeatPrevious;
        next_ = slot + 1;
        return placement;
    }

    std::uint64_t repeated() const { return repeated_; }
    std::uint64_t dropped() const { return dropped_; }

private:
    FrameTimeline timeline_;
    double fps_;
    bool realTime_;
    std::int64_t next_ = 0;  // the first free slot
    std::uint64_t repeated_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace ng::sink
