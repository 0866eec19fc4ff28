// BgrConverter: brings any received frame (grey, BGR, BGRA, any size) to BGR of one size.
#pragma once

#include <opencv2/core.hpp>

#include "core/frame.hpp"

namespace ng::sink {

// A read-only cv::Mat header over a frame's pixels (no copy). OpenCV has no const Mat, so
// the caller must not write through it.
cv::Mat frameView(const Frame& frame);

// Sinks whose output has one fixed size and colour layout (video files, y4m, raw) pass
// every frame through one of these. Reuses its buffers from frame to frame.
class BgrConverter {
public:
    // `frame` as BGR of `size`: a view of the frame's own pixels when it already is one,
    // else a converted copy. Valid until the next call or until the frame is released.
    cv::Mat convert(const Frame& frame, cv::Size size);

private:
    cv::Mat colour_;
    cv::Mat sized_;
};

}  // namespace ng::sink
