// Tests of the camera converter: NV12/YUV420 -> BGR with padded rows and scattered planes.
#include <doctest/doctest.h>

#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <stdexcept>
#include <vector>

#include "source/yuv_to_bgr.hpp"

using ng::source::flipBgr;
using ng::source::YuvImage;
using ng::source::YuvLayout;
using ng::source::yuvToBgr;

namespace {

// A tightly packed 4:2:0 picture of random samples: Y, then chroma (NV12: U,V pairs;
// YUV420: all U, then all V), the layout OpenCV's single-buffer conversions read.
std::vector<std::uint8_t> randomYuv(int width, int height, unsigned seed) {
    std::vector<std::uint8_t> yuv(static_cast<std::size_t>(width * height * 3 / 2));
    std::mt19937 random(seed);
    for (std::uint8_t& b : yuv) b = static_cast<std::uint8_t>(random());
    return yuv;
}

// OpenCV's conversion of the packed picture: what the strided one must equal exactly.
cv::Mat reference(std::vector<std::uint8_t>& packed, int width, int height, YuvLayout layout) {
    cv::Mat yuv(height * 3 / 2, width, CV_8UC1, packed.data());
    cv::Mat bgr;
    cv::cvtColor(yuv, bgr,
                 layout == YuvLayout::Nv12 ? cv::COLOR_YUV2BGR_NV12 : cv::COLOR_YUV2BGR_I420);
    return bgr;
}

// Copies `rows` rows of `rowBytes` from `src` into `dst` at `stride`, filling the padding
// with a value that would show up if it were ever read as pixels.
void copyRows(const std::uint8_t* src, std::size_t rowBytes, int rows, std::uint8_t* dst,
              std::size_t stride) {
    for (int r = 0; r < rows; ++r) {
        std::memcpy(dst + r * stride, src + r * rowBytes, rowBytes);
        std::memset(dst + r * stride + rowBytes, 0xA5, stride - rowBytes);
    }
}

// Converts the packed picture after spreading it over separate buffers with odd strides.
cv::Mat convertStrided(const std::vector<std::uint8_t>& packed, int width, int height,
                       YuvLayout layout, std::size_t yPad, std::size_t uvPad, std::size_t bgrPad) {
    const auto w = static_cast<std::size_t>(width);
    const std::size_t chromaRow = layout == YuvLayout::Nv12 ? w : w / 2;
    const std::size_t yStride = w + yPad, uvStride = chromaRow + uvPad;
    std::vector<std::uint8_t> y(yStride * height), u(uvStride * height / 2),
        v(uvStride * height / 2);
    copyRows(packed.data(), w, height, y.data(), yStride);
    const std::uint8_t* chroma = packed.data() + w * height;
    copyRows(chroma, chromaRow, height / 2, u.data(), uvStride);
    if (layout == YuvLayout::Yuv420) {
        copyRows(chroma + chromaRow * height / 2, chromaRow, height / 2, v.data(), uvStride);
    }
    YuvImage image;
    image.layout = layout;
    image.width = width;
    image.height = height;
    image.y = y.data();
    image.yStride = yStride;
    image.u = u.data();
    image.v = v.data();
    image.uvStride = uvStride;

    const std::size_t bgrStride = w * 3 + bgrPad;
    std::vector<std::uint8_t> bgr(bgrStride * height, 0x5A);
    std::vector<std::uint8_t> scratch;
    yuvToBgr(image, bgr.data(), bgrStride, scratch);
    // The output's padding is left alone.
    for (int r = 0; r < height; ++r) {
        for (std::size_t i = w * 3; i < bgrStride; ++i) REQUIRE(bgr[r * bgrStride + i] == 0x5A);
    }
    return cv::Mat(height, width, CV_8UC3, bgr.data(), bgrStride).clone();
}

bool same(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

}  // namespace

TEST_SUITE("source") {
    TEST_CASE("yuvToBgr: NV12 and YUV420 with odd strides equal OpenCV's packed conversion") {
        struct Case {
            int width, height;
            std::size_t yPad, uvPad, bgrPad;
        };
        // Widths that are not multiples of 4, 16 or 64 and pads of odd sizes: no row may be
        // read from where a packed layout would put it.
        const Case cases[] = {{2, 2, 0, 0, 0},
                              {64, 48, 0, 0, 0},
                              {62, 34, 1, 3, 5},
                              {320, 240, 64, 32, 7},
                              {98, 10, 13, 7, 1}};
        for (const YuvLayout layout : {YuvLayout::Nv12, YuvLayout::Yuv420}) {
            for (const Case& c : cases) {
                CAPTURE(c.width);
                CAPTURE(c.yPad);
                CAPTURE(layout == YuvLayout::Nv12);
                std::vector<std::uint8_t> packed =
                    randomYuv(c.width, c.height, static_cast<unsigned>(c.width + c.yPad));
                const cv::Mat expected = reference(packed, c.width, c.height, layout);
                CHECK(same(
                    convertStrided(packed, c.width, c.height, layout, c.yPad, c.uvPad, c.bgrPad),
                    expected));
            }
        }
    }

    TEST_CASE("yuvToBgr: limited-range white, black and red come out as BGR") {
        // BT.601 limited range, as libyuv writes the virtual camera's bars.
        struct Sample {
            std::uint8_t y, u, v;
            int b, g, r;
        };
        const Sample samples[] = {
            {235, 128, 128, 255, 255, 255}, {16, 128, 128, 0, 0, 0}, {81, 90, 240, 0, 0, 255}};
        for (const Sample& s : samples) {
            const int w = 4, h = 2;
            std::vector<std::uint8_t> y(w * h, s.y), uv(w, 0);
            for (int i = 0; i < w; i += 2) {
                uv[i] = s.u;
                uv[i + 1] = s.v;
            }
            YuvImage image;
            image.width = w;
            image.height = h;
            image.y = y.data();
            image.yStride = w;
            image.u = uv.data();
            image.uvStride = w;
            std::vector<std::uint8_t> bgr(w * h * 3), scratch;
            yuvToBgr(image, bgr.data(), w * 3, scratch);
            CHECK(std::abs(bgr[0] - s.b) <= 2);
            CHECK(std::abs(bgr[1] - s.g) <= 2);
            CHECK(std::abs(bgr[2] - s.r) <= 2);
        }
    }

    TEST_CASE("yuvToBgr: odd sizes and short strides are refused") {
        std::vector<std::uint8_t> plane(64, 0), bgr(64 * 3), scratch;
        YuvImage image;
        image.y = plane.data();
        image.u = plane.data();
        image.v = plane.data();
        image.width = 3;
        image.height = 2;
        image.yStride = 4;
        image.uvStride = 4;
        CHECK_THROWS_AS(yuvToBgr(image, bgr.data(), 12, scratch), std::invalid_argument);
        image.width = 4;
        image.yStride = 3;
        CHECK_THROWS_AS(yuvToBgr(image, bgr.data(), 12, scratch), std::invalid_argument);
    }

    TEST_CASE("flipBgr: mirrors in place with padded rows") {
        const int w = 5, h = 3;
        const std::size_t stride = w * 3 + 2;
        std::vector<std::uint8_t> pixels(stride * h);
        for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i);
        const cv::Mat original = cv::Mat(h, w, CV_8UC3, pixels.data(), stride).clone();
        for (const int code : {1, 0, -1}) {
            std::vector<std::uint8_t> copy = pixels;
            flipBgr(copy.data(), w, h, stride, code != 0, code <= 0);
            cv::Mat expected;
            cv::flip(original, expected, code);
            CHECK(same(cv::Mat(h, w, CV_8UC3, copy.data(), stride), expected));
            // The padding is untouched.
            CHECK(copy[w * 3] == pixels[w * 3]);
        }
        std::vector<std::uint8_t> copy = pixels;
        flipBgr(copy.data(), w, h, stride, false, false);
        CHECK(copy == pixels);
    }
}
