// The YUV4MPEG2 stream header: parsed from its one text line into size, rate and layout.
#pragma once

#include <cstddef>
#include <string>

#include "source/raw_frame.hpp"
#include "source/source.hpp"

namespace ng::source {

// The longest stream or frame header line accepted; real ones are well under 100 bytes,
// so a longer line means the input is not YUV4MPEG2.
inline constexpr std::size_t kMaxY4mHeaderLine = 1024;

struct Y4mHeader {
    int width = 0;
    int height = 0;
    int rateNum = 0;  // F<num>:<den>; 0:0 when absent (rate unknown)
    int rateDen = 0;
    std::string chroma = "420jpeg";  // the C tag; 420jpeg when absent, as the format says
    PixelFormat layout = PixelFormat::Yuv420p;
    YuvRange range = YuvRange::Limited;  // XCOLORRANGE=FULL (ffmpeg) makes it Full

    double fps() const {
        return rateNum > 0 && rateDen > 0 ? static_cast<double>(rateNum) / rateDen : 0;
    }
    std::size_t frameBytes() const { return rawFrameBytes(layout, width, height); }
};

// Parses the stream header `line` (without its '\n'), e.g.
// "YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg". Accepts the C tags 420jpeg, 420mpeg2,
// 420paldv, 420 (all the same samples, differently sited), 422, 444 and mono; throws
// std::runtime_error naming the field and what is supported for anything else (no
// YUV4MPEG2 magic, no or bad W/H, a size over kMaxSide, 10-bit or alpha layouts).
Y4mHeader parseY4mHeader(const std::string& line);

// True when `line` (without '\n') is a frame header: "FRAME", perhaps with parameters.
bool isY4mFrameHeader(const std::string& line);

}  // namespace ng::source
