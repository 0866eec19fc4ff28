// The --colorspace names and the conversion itself (OpenCV imgproc).
#include "source/colorspace.hpp"

#include <algorithm>
#include <cctype>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace ng::source {

namespace {

std::string upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

const std::vector<Colorspace>& colorspaces() {
    static const std::vector<Colorspace> all = {
        {"gray", "COLOR_BGR2GRAY", cv::COLOR_BGR2GRAY, 1},
        {"rgb", "COLOR_BGR2RGB", cv::COLOR_BGR2RGB, 3},
        {"rgba", "COLOR_BGR2RGBA", cv::COLOR_BGR2RGBA, 4},
        {"bgra", "COLOR_BGR2BGRA", cv::COLOR_BGR2BGRA, 4},
        {"hsv", "COLOR_BGR2HSV", cv::COLOR_BGR2HSV, 3},
        {"hsv_full", "COLOR_BGR2HSV_FULL", cv::COLOR_BGR2HSV_FULL, 3},
        {"hls", "COLOR_BGR2HLS", cv::COLOR_BGR2HLS, 3},
        {"hls_full", "COLOR_BGR2HLS_FULL", cv::COLOR_BGR2HLS_FULL, 3},
        {"lab", "COLOR_BGR2LAB", cv::COLOR_BGR2Lab, 3},
        {"luv", "COLOR_BGR2LUV", cv::COLOR_BGR2Luv, 3},
        {"xyz", "COLOR_BGR2XYZ", cv::COLOR_BGR2XYZ, 3},
        {"ycrcb", "COLOR_BGR2YCRCB", cv::COLOR_BGR2YCrCb, 3},
        {"yuv", "COLOR_BGR2YUV", cv::COLOR_BGR2YUV, 3},
    };
    return all;
}

std::optional<Colorspace> findColorspace(const std::string& name) {
    const std::string wanted = upper(name);
    for (const Colorspace& c : colorspaces()) {
        if (wanted == upper(c.name) || wanted == c.opencv) return c;
    }
    return std::nullopt;
}

std::string colorspaceChoices() {
    std::string joined;
    for (const Colorspace& c : colorspaces()) joined += (joined.empty() ? "" : "|") + c.name;
    return joined;
}

Frame ColorspaceConverter::convert(const Frame& frame) {
    const FrameShape& in = frame.shape;
    cv::Mat source(in.height, in.width, CV_8UC(in.channels),
                   const_cast<std::uint8_t*>(frame.pixels));
    cv::Mat bgr = source;
    if (in.channels == 1 && colorspace_.code != cv::COLOR_BGR2GRAY) {
        cv::cvtColor(source, bgr, cv::COLOR_GRAY2BGR);
    } else if (in.channels == 4) {
        cv::cvtColor(source, bgr, cv::COLOR_BGRA2BGR);
    }
    std::uint8_t* pixels = nullptr;
    Frame out = pool_.acquire(FrameShape{in.height, in.width, colorspace_.channels}, pixels);
    cv::Mat converted(in.height, in.width, CV_8UC(colorspace_.channels), pixels);
    if (bgr.channels() == 1) {
        bgr.copyTo(converted);  // already gray
    } else {
        cv::cvtColor(bgr, converted, colorspace_.code);
    }
    out.seq = frame.seq;
    out.captureTimeUs = frame.captureTimeUs;
    out.nominalFps = frame.nominalFps;
    out.data = frame.data;
    return out;
}

}  // namespace ng::source
