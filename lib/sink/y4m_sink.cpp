// Y4mSink: BGR -> YUV conversion and the YUV4MPEG2 framing.
#include "sink/y4m_sink.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace ng::sink {

namespace {

constexpr char kFrameTag[] = "FRAME\n";

// BGR -> Y'CbCr, BT.601 limited range: the same coefficients OpenCV's COLOR_BGR2YUV_I420
// uses, so even and odd sizes give the same colours. (COLOR_BGR2YCrCb is full range.)
const cv::Matx34f kBgrToYCbCr(0.098f, 0.504f, 0.257f, 16.0f,     //
                              0.439f, -0.291f, -0.148f, 128.0f,  //
                              -0.071f, -0.368f, 0.439f, 128.0f);

}  // namespace

std::pair<std::int64_t, std::int64_t> y4mRate(double fps) {
    if (!std::isfinite(fps) || fps <= 0 || fps > 1e6) return {30, 1};
    // NTSC-style rates (29.97, 59.94, 23.976) are exactly n*1000/1001.
    const double ntsc = fps * 1.001;
    if (std::abs(ntsc - std::round(ntsc)) < 0.005 && std::abs(fps - std::round(fps)) > 0.005) {
        return {static_cast<std::int64_t>(std::round(ntsc)) * 1000, 1001};
    }
    const auto milli = static_cast<std::int64_t>(std::llround(fps * 1000));
    const std::int64_t g = std::gcd(milli, std::int64_t{1000});
    return {milli / g, 1000 / g};
}

void Y4mSink::open(const StreamInfo& info) {
    size_ = cv::Size(info.shape.width, info.shape.height);
    planar444_ = size_.width % 2 != 0 || size_.height % 2 != 0;
    const auto [num, den] = y4mRate(info.fps);
    const std::string header = "YUV4MPEG2 W" + std::to_string(size_.width) + " H" +
                               std::to_string(size_.height) + " F" + std::to_string(num) + ":" +
                               std::to_string(den) + " Ip A1:1 C" +
                               (planar444_ ? "444" : "420jpeg") + "\n";
    if (planar444_) {
        spdlog::info("-o {}: {}x{} is odd-sized, writing 4:4:4 y4m", output_, size_.width,
                     size_.height);
    }
    writer_.writeAll(header.data(), header.size());
    clock_ = ConstantRateClock(static_cast<double>(num) / static_cast<double>(den), info.realTime);
}

bool Y4mSink::write(const Frame& frame) {
    const ConstantRateClock::Placement placement = clock_.place(frame.captureTimeUs);
    if (!placement.write) return true;
    for (std::uint64_t i = 0; i < placement.repeatPrevious; ++i) writePicture();
    const cv::Mat bgr = converter_.convert(frame, size_);
    if (!planar444_) {
        cv::cvtColor(bgr, yuv_, cv::COLOR_BGR2YUV_I420);
    } else {
        cv::transform(bgr, yuv_, kBgrToYCbCr);
        cv::split(yuv_, planes_);
    }
    writePicture();
    return true;
}

void Y4mSink::writePicture() {
    writer_.writeAll(kFrameTag, sizeof kFrameTag - 1);
    if (!planar444_) {
        writer_.writeAll(yuv_.data, yuv_.total() * yuv_.elemSize());
        return;
    }
    for (const cv::Mat& plane : planes_) writer_.writeAll(plane.data, plane.total());
}

void Y4mSink::close() {
    if (closed_) return;
    closed_ = true;
    if (clock_.repeated() + clock_.dropped() == 0) return;
    spdlog::info(
        "-o {}: kept real time at a constant rate: {} frames repeated to fill gaps, {} "
        "dropped (they came faster than the rate)",
        output_, clock_.repeated(), clock_.dropped());
}

}  // namespace ng::sink
