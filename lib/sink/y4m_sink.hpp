// Y4mSink: YUV4MPEG2 on stdout (-o -), the format ffmpeg -i - and ffplay - read from a pipe.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <utility>

#include "sink/bgr_converter.hpp"
#include "sink/fd_writer.hpp"
#include "sink/frame_timing.hpp"
#include "sink/sink.hpp"

namespace ng::sink {

// The stream header is "YUV4MPEG2 W{w} H{h} F{num}:{den} Ip A1:1 C{chroma}\n", then each
// frame is "FRAME\n" and the planes Y, Cb, Cr, 8-bit, BT.601 limited range (what OpenCV's
// BGR->I420 conversion produces and what ffmpeg assumes for y4m without a range tag).
// Chroma: C420jpeg (I420) when width and height are even. I420 cannot hold an odd size, so
// odd sizes use C444 (full-resolution planes) rather than cropping or scaling the picture;
// ffmpeg and ffplay read both. Frames of another size are scaled to the first frame's.
// y4m has one constant rate: in real time (StreamInfo::realTime) frames are repeated or
// dropped to keep it (ConstantRateClock), so the video lasts as long as the stream did.
class Y4mSink : public Sink {
public:
    // Writes to `fd` (borrowed; tests pass a temporary file), default stdout.
    explicit Y4mSink(int fd = STDOUT_FILENO, std::string output = "-")
        : writer_(fd, output), output_(std::move(output)) {}

    void prepare() override { writer_.requireNotTerminal(); }
    void open(const StreamInfo& info) override;
    bool write(const Frame& frame) override;
    void close() override;
    bool usesStdout() const override { return writer_.fd() == STDOUT_FILENO; }
    std::string describe() const override { return "y4m on stdout"; }
    std::uint64_t framesDroppedForRate() const override { return clock_.dropped(); }
    std::uint64_t framesRepeatedForRate() const override { return clock_.repeated(); }

private:
    void writePicture();  // "FRAME" and the planes of the last converted frame

    FdWriter writer_;
    std::string output_;
    cv::Size size_;
    bool planar444_ = false;
    BgrConverter converter_;
    ConstantRateClock clock_{30, false};
    bool closed_ = false;
    cv::Mat yuv_;
    cv::Mat planes_[3];
};

// The y4m frame rate for `fps` as a reduced fraction: 30 -> 30:1, 29.97 -> 30000:1001.
// Rates that are not positive and finite fall back to 30:1.
std::pair<std::int64_t, std::int64_t> y4mRate(double fps);

}  // namespace ng::sink
