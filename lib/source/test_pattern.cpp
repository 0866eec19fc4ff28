// The built-in test pattern: precomputed scrolling bands plus a box and a counter per frame.
#include "source/test_pattern.hpp"

#include <algorithm>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace ng::source {

namespace {

// 75% colour bars in the usual order (white, yellow, cyan, green, magenta, red, blue,
// black), as BGR.
constexpr std::uint8_t kBars[8][3] = {
    {191, 191, 191}, {0, 191, 191}, {191, 191, 0}, {0, 191, 0},
    {191, 0, 191},   {0, 0, 191},   {191, 0, 0},   {16, 16, 16},
};
constexpr std::uint8_t kBoxColour[3] = {0, 140, 255};  // orange

// Pixels per frame each band moves; different speeds make dropped or repeated frames
// visible at a glance.
constexpr std::uint64_t kBarsSpeed = 4;
constexpr std::uint64_t kRampSpeed = 2;
constexpr std::uint64_t kBoxSpeedX = 5;
constexpr std::uint64_t kBoxSpeedY = 3;

void setPixel(std::vector<std::uint8_t>& row, int x, const std::uint8_t bgr[3]) {
    std::memcpy(row.data() + static_cast<std::size_t>(x) * 3, bgr, 3);
}

// Position on a path that bounces between 0 and `span`.
int bounce(std::uint64_t travelled, int span) {
    if (span <= 0) return 0;
    const std::uint64_t period = 2 * static_cast<std::uint64_t>(span);
    const auto t = static_cast<int>(travelled % period);
    return t <= span ? t : static_cast<int>(period) - t;
}

}  // namespace

TestPatternRenderer::TestPatternRenderer(const FrameShape& shape) : shape_(shape) {
    if (shape.width <= 0 || shape.height <= 0 || shape.channels != 3) {
        throw std::invalid_argument(
            "test pattern: needs a positive BGR size, got " + std::to_string(shape.width) + "x" +
            std::to_string(shape.height) + "x" + std::to_string(shape.channels));
    }
    const int w = shape.width;
    const int h = shape.height;
    barsEnd_ = std::max(1, h * 3 / 5);
    checkerEnd_ = std::min(h, barsEnd_ + std::max(1, h * 3 / 20));
    checkerCell_ = std::max(2, w / 32);

    const std::size_t rowBytes = static_cast<std::size_t>(2 * w) * 3;
    barsRow_.resize(rowBytes);
    checkerRows_[0].resize(rowBytes);
    checkerRows_[1].resize(rowBytes);
    rampRow_.resize(rowBytes);
    for (int x = 0; x < 2 * w; ++x) {
        const int px = x % w;  // each band repeats with a period of one frame width
        setPixel(barsRow_, x,
                 kBars[static_cast<std::size_t>(px) * 8 / static_cast<std::size_t>(w)]);

        const bool dark = (px / checkerCell_) % 2 == 0;
        const std::uint8_t black[3] = {0, 0, 0};
        const std::uint8_t white[3] = {235, 235, 235};
        setPixel(checkerRows_[0], x, dark ? black : white);
        setPixel(checkerRows_[1], x, dark ? white : black);

        // A triangle ramp (dark -> light -> dark) has no seam where the period wraps.
        const int half = std::max(1, w / 2);
        const int level = px < half ? px * 255 / half : (w - px) * 255 / std::max(1, w - half);
        const auto v = static_cast<std::uint8_t>(std::clamp(level, 0, 255));
        const std::uint8_t grey[3] = {v, v, v};
        setPixel(rampRow_, x, grey);
    }

    // The counter's glyphs. Hershey digits are monospaced, so digit d of the strip below
    // is the cell at digitMargin_ + d * digitAdvance_.
    const double scale = std::max(0.4, h / 240.0);
    const int thickness = std::max(1, static_cast<int>(scale * 2));
    int baseline = 0;
    const cv::Size one =
        cv::getTextSize("0", cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &baseline);
    const cv::Size two = cv::getTextSize("00", cv::FONT_HERSHEY_SIMPLEX, scale, thickness, nullptr);
    digitAdvance_ = two.width - one.width;
    digitMargin_ = std::max(2, static_cast<int>(scale * 6));
    digitsWidth_ = 2 * digitMargin_ + 10 * digitAdvance_;
    digitsHeight_ = one.height + baseline + 2 * digitMargin_;
    digits_.assign(static_cast<std::size_t>(digitsWidth_) * digitsHeight_ * 3, 0);
    cv::Mat strip(digitsHeight_, digitsWidth_, CV_8UC3, digits_.data());
    cv::putText(strip, "0123456789", cv::Point(digitMargin_, digitMargin_ + one.height),
                cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), thickness, cv::LINE_AA);
}

void TestPatternRenderer::render(std::uint64_t index, std::uint8_t* out) const {
    const int w = shape_.width;
    const int h = shape_.height;
    const std::size_t rowBytes = shape_.rowBytes();
    const auto uw = static_cast<std::uint64_t>(w);

    // Bars scroll left, the ramp scrolls right; each output row is one memcpy.
    const std::size_t barsOffset = static_cast<std::size_t>((index * kBarsSpeed) % uw) * 3;
    const std::size_t rampOffset =
        static_cast<std::size_t>((uw - (index * kRampSpeed) % uw) % uw) * 3;
    for (int y = 0; y < h; ++y) {
        const std::uint8_t* src;
        if (y < barsEnd_) {
            src = barsRow_.data() + barsOffset;
        } else if (y < checkerEnd_) {
            src = checkerRows_[((y - barsEnd_) / checkerCell_) % 2].data() + barsOffset;
        } else {
            src = rampRow_.data() + rampOffset;
        }
        std::memcpy(out + static_cast<std::size_t>(y) * rowBytes, src, rowBytes);
    }

    // The bouncing box.
    const int box = std::max(2, std::min(w, h) / 6);
    const int bw = std::min(box, w);
    const int bh = std::min(box, h);
    const int bx = bounce(index * kBoxSpeedX, w - bw);
    const int by = bounce(index * kBoxSpeedY, h - bh);
    for (int y = by; y < by + bh; ++y) {
        std::uint8_t* p =
            out + static_cast<std::size_t>(y) * rowBytes + static_cast<std::size_t>(bx) * 3;
        for (int x = 0; x < bw; ++x, p += 3) std::memcpy(p, kBoxColour, 3);
    }

    // The frame number, large, on a black plate in the top-left corner, clipped to the
    // frame (tiny frames show part of it).
    const std::string text = std::to_string(index);
    const int plateWidth =
        std::min(w, 2 * digitMargin_ + static_cast<int>(text.size()) * digitAdvance_);
    const int plateHeight = std::min(h, digitsHeight_);
    for (int y = 0; y < plateHeight; ++y) {
        std::uint8_t* row = out + static_cast<std::size_t>(y) * rowBytes;
        std::memset(row, 0, static_cast<std::size_t>(plateWidth) * 3);
        const std::uint8_t* glyphs =
            digits_.data() + static_cast<std::size_t>(y) * digitsWidth_ * 3;
        for (std::size_t k = 0; k < text.size(); ++k) {
            const int x = digitMargin_ + static_cast<int>(k) * digitAdvance_;
            if (x >= w) break;
            const int digit = text[k] - '0';
            const int cell = std::min(digitAdvance_, w - x);
            std::memcpy(row + static_cast<std::size_t>(x) * 3,
                        glyphs + static_cast<std::size_t>(digitMargin_ + digit * digitAdvance_) * 3,
                        static_cast<std::size_t>(cell) * 3);
        }
    }
}

void renderTestFrame(std::uint64_t index, const FrameShape& shape, std::uint8_t* out) {
    TestPatternRenderer(shape).render(index, out);
}

TestPatternSource::TestPatternSource(const SourceOptions& options)
    : renderer_(FrameShape{options.height, options.width, 3}) {}

std::optional<Frame> TestPatternSource::next(std::chrono::milliseconds /*timeout*/) {
    // Rendering takes well under a millisecond, so there is never a reason to wait; the
    // caller paces the stream.
    std::uint8_t* pixels = nullptr;
    Frame frame = pool_.acquire(renderer_.shape(), pixels);
    renderer_.render(nextIndex_++, pixels);
    return frame;
}

std::string TestPatternSource::describe() const {
    return "test pattern " + std::to_string(renderer_.shape().width) + "x" +
           std::to_string(renderer_.shape().height);
}

}  // namespace ng::source
