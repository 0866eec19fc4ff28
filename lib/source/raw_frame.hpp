// Bare frame layouts (bgr24, gray, yuv420p, nv12, ...): their byte sizes and conversion to BGR.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "source/source.hpp"

namespace ng::source {

// The --pix-fmt spelling of `format` ("bgr24", "yuv420p", ...).
std::string pixelFormatName(PixelFormat format);

// Bytes of one width x height frame in `format`; chroma planes of odd sizes round up
// (a 5x3 yuv420p frame has 3x2 chroma planes), as ffmpeg and YUV4MPEG2 lay them out.
std::size_t rawFrameBytes(PixelFormat format, int width, int height);

// Channels of the frames a `format` input becomes: 1 for gray, else 3 (BGR).
int convertedChannels(PixelFormat format);

// How Y'CbCr input maps to RGB: BT.601 in limited (16-235, video) or full (0-255) range.
enum class YuvRange { Limited, Full };

// Converts one frame of `in` (rawFrameBytes(format, width, height) bytes) into `out`,
// width x height x convertedChannels(format) bytes, tightly packed. Gray is copied as it is.
void convertRawFrame(PixelFormat format, YuvRange range, const std::uint8_t* in, int width,
                     int height, std::uint8_t* out);

}  // namespace ng::source
