// FrameFeed: where ngsend's send loop takes its frames from (capture, or encoding).
#pragma once

#include <chrono>
#include <optional>

#include "core/frame.hpp"

namespace ng::pipeline {

class FrameFeed {
public:
    virtual ~FrameFeed() = default;
    // The next frame, waiting at most `wait`; nullopt when none came in that time, or when
    // the feed has finished (then finished() is true).
    virtual std::optional<Frame> take(std::chrono::milliseconds wait) = 0;
    // True once every frame has been taken and no more will come.
    virtual bool finished() const = 0;
};

}  // namespace ng::pipeline
