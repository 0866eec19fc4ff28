// Bare frame layouts: sizes, and the YUV -> BGR conversion that also handles odd sizes.
#include "source/raw_frame.hpp"

#include <algorithm>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace ng::source {

namespace {

int half(int side) { return (side + 1) / 2; }

std::uint8_t clampByte(int value) { return static_cast<std::uint8_t>(std::clamp(value, 0, 255)); }

// BT.601 Y'CbCr -> RGB in fixed point with 20 fraction bits. Limited range uses the
// coefficients of OpenCV's COLOR_YUV2BGR_I420, so odd sizes (converted here) match even
// ones (converted by OpenCV).
struct YuvCoefficients {
    int yScale, yOffset, rV, gU, gV, bU;
};
constexpr int kFractionBits = 20;
constexpr YuvCoefficients kLimited{1220542, 16, 1673527, -409993, -852492, 2116026};
constexpr YuvCoefficients kFull{1 << kFractionBits, 0, 1470104, -360857, -748830, 1858077};

// Planes of one Y'CbCr picture; chroma sample (x >> shiftX, y >> shiftY) covers pixel
// (x, y), and `chromaStep` is 2 for interleaved UV (NV12), else 1.
struct YuvPlanes {
    const std::uint8_t* y;
    const std::uint8_t* u;
    const std::uint8_t* v;
    int chromaStride;
    int chromaStep;
    int shiftX, shiftY;
};

void yuvToBgr(const YuvPlanes& p, const YuvCoefficients& k, int width, int height,
              std::uint8_t* out) {
    constexpr int kRound = 1 << (kFractionBits - 1);
    for (int row = 0; row < height; ++row) {
        const std::uint8_t* yRow = p.y + static_cast<std::size_t>(row) * width;
        const std::size_t chromaRow = static_cast<std::size_t>(row >> p.shiftY) * p.chromaStride;
        std::uint8_t* o = out + static_cast<std::size_t>(row) * width * 3;
        for (int x = 0; x < width; ++x) {
            const std::size_t c =
                chromaRow + static_cast<std::size_t>(x >> p.shiftX) * p.chromaStep;
            const int y = (yRow[x] - k.yOffset) * k.yScale;
            const int u = p.u[c] - 128;
            const int v = p.v[c] - 128;
            o[3 * x + 0] = clampByte((y + k.bU * u + kRound) >> kFractionBits);
            o[3 * x + 1] = clampByte((y + k.gU * u + k.gV * v + kRound) >> kFractionBits);
            o[3 * x + 2] = clampByte((y + k.rV * v + kRound) >> kFractionBits);
        }
    }
}

}  // namespace

std::string pixelFormatName(PixelFormat format) {
    switch (format) {
        case PixelFormat::Bgr24:
            return "bgr24";
        case PixelFormat::Rgb24:
            return "rgb24";
        case PixelFormat::Gray:
            return "gray";
        case PixelFormat::Yuv420p:
            return "yuv420p";
        case PixelFormat::Nv12:
            return "nv12";
        case PixelFormat::Yuv422p:
            return "yuv422p";
        case PixelFormat::Yuv444p:
            return "yuv444p";
    }
    return "?";
}

std::size_t rawFrameBytes(PixelFormat format, int width, int height) {
    const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    const auto w2 = static_cast<std::size_t>(half(width));
    const auto h2 = static_cast<std::size_t>(half(height));
    switch (format) {
        case PixelFormat::Bgr24:
        case PixelFormat::Rgb24:
        case PixelFormat::Yuv444p:
            return pixels * 3;
        case PixelFormat::Gray:
            return pixels;
        case PixelFormat::Yuv420p:
        case PixelFormat::Nv12:
            return pixels + 2 * w2 * h2;
        case PixelFormat::Yuv422p:
            return pixels + 2 * w2 * static_cast<std::size_t>(height);
    }
    return 0;
}

int convertedChannels(PixelFormat format) { return format == PixelFormat::Gray ? 1 : 3; }

void convertRawFrame(PixelFormat format, YuvRange range, const std::uint8_t* in, int width,
                     int height, std::uint8_t* out) {
    const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    const bool even = width % 2 == 0 && height % 2 == 0;
    const YuvCoefficients& k = range == YuvRange::Full ? kFull : kLimited;
    auto* src = const_cast<std::uint8_t*>(in);  // OpenCV has no const Mat; only read
    cv::Mat bgr(height, width, CV_8UC3, out);
    switch (format) {
        case PixelFormat::Bgr24:
            std::memcpy(out, in, pixels * 3);
            return;
        case PixelFormat::Gray:
            std::memcpy(out, in, pixels);
            return;
        case PixelFormat::Rgb24:
            cv::cvtColor(cv::Mat(height, width, CV_8UC3, src), bgr, cv::COLOR_RGB2BGR);
            return;
        case PixelFormat::Yuv420p: {
            if (even && range == YuvRange::Limited) {
                cv::cvtColor(cv::Mat(height * 3 / 2, width, CV_8UC1, src), bgr,
                             cv::COLOR_YUV2BGR_I420);
                return;
            }
            const std::size_t chroma = static_cast<std::size_t>(half(width)) * half(height);
            yuvToBgr({in, in + pixels, in + pixels + chroma, half(width), 1, 1, 1}, k, width,
                     height, out);
            return;
        }
        case PixelFormat::Nv12:
            if (even && range == YuvRange::Limited) {
                cv::cvtColor(cv::Mat(height * 3 / 2, width, CV_8UC1, src), bgr,
                             cv::COLOR_YUV2BGR_NV12);
                return;
            }
            yuvToBgr({in, in + pixels, in + pixels + 1, 2 * half(width), 2, 1, 1}, k, width, height,
                     out);
            return;
        case PixelFormat::Yuv422p: {
            const std::size_t chroma = static_cast<std::size_t>(half(width)) * height;
            yuvToBgr({in, in + pixels, in + pixels + chroma, half(width), 1, 1, 0}, k, width,
                     height, out);
            return;
        }
        case PixelFormat::Yuv444p:
            yuvToBgr({in, in + pixels, in + 2 * pixels, width, 1, 0, 0}, k, width, height, out);
            return;
    }
}

}  // namespace ng::source
