// RawSink: writes each frame's BGR bytes, straight from the received buffer when possible.
#include "sink/raw_sink.hpp"

namespace ng::sink {

bool RawSink::write(const Frame& frame) {
    const cv::Mat bgr = converter_.convert(frame, size_);
    // A view of the frame or a freshly converted Mat: both are continuous.
    writer_.writeAll(bgr.data, bgr.total() * bgr.elemSize());
    return true;
}

}  // namespace ng::sink
