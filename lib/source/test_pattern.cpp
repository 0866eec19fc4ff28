// The built-in test pattern: a still background with a few small moving parts.
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
constexpr std::uint8_t kBoxColour[3] = {0, 140, 255};     // orange
constexpr std::uint8_t kLineColour[3] = {255, 255, 255};  // brighter than any bar
constexpr std::uint8_t kBlack[3] = {0, 0, 0};

// Pixels per frame each moving part travels; different speeds make dropped or repeated
// frames visible at a glance.
constexpr std::uint64_t kBoxSpeedX = 5;
constexpr std::uint64_t kBoxSpeedY = 3;
constexpr std::uint64_t kLineSpeed = 4;
constexpr int kLineWidth = 2;

// Copies one row's span of a rectangle. The sweeping line's spans are 6 bytes on each of
// hundreds of rows: a libc memcpy call for each costs several times the copy itself.
inline void copySpan(std::uint8_t* to, const std::uint8_t* from, std::size_t bytes) {
    if (bytes == 3 * kLineWidth) {
        std::memcpy(to, from, 3 * kLineWidth);  // a fixed size: inlined as two moves
    } else {
        std::memcpy(to, from, bytes);
    }
}

// Position on a path that bounces between 0 and `span`.
int bounce(std::uint64_t travelled, int span) {
    if (span <= 0) return 0;
    const std::uint64_t period = 2 * static_cast<std::uint64_t>(span);
    const auto t = static_cast<int>(travelled % period);
    return t <= span ? t : static_cast<int>(period) - t;
}

// The still picture: bars over the top 60%, then a checkerboard band, then a grey ramp.
std::vector<std::uint8_t> drawBackground(int w, int h) {
    std::vector<std::uint8_t> frame(static_cast<std::size_t>(w) * h * 3);
    const int barsEnd = std::max(1, h * 3 / 5);
    const int checkerEnd = std::min(h, barsEnd + std::max(1, h * 3 / 20));
    const int cell = std::max(2, w / 32);
    const int half = std::max(1, w / 2);
    for (int y = 0; y < h; ++y) {
        std::uint8_t* row = frame.data() + static_cast<std::size_t>(y) * w * 3;
        for (int x = 0; x < w; ++x) {
            std::uint8_t grey[3];
            const std::uint8_t* bgr;
            if (y < barsEnd) {
                bgr = kBars[static_cast<std::size_t>(x) * 8 / static_cast<std::size_t>(w)];
            } else if (y < checkerEnd) {
                const bool dark = ((x / cell) + (y - barsEnd) / cell) % 2 == 0;
                static constexpr std::uint8_t kWhite[3] = {235, 235, 235};
                bgr = dark ? kBlack : kWhite;
            } else {
                // A triangle ramp: dark -> light -> dark.
                const int level =
                    x < half ? x * 255 / half : (w - x) * 255 / std::max(1, w - half);
                grey[0] = grey[1] = grey[2] = static_cast<std::uint8_t>(std::clamp(level, 0, 255));
                bgr = grey;
            }
            std::memcpy(row + static_cast<std::size_t>(x) * 3, bgr, 3);
        }
    }
    return frame;
}

}  // namespace

TestPatternRenderer::TestPatternRenderer(const FrameShape& shape) : shape_(shape) {
    if (shape.width <= 0 || shape.height <= 0 || shape.channels != 3) {
        throw std::invalid_argument(
            "test pattern: needs a positive BGR size, got " + std::to_string(shape.width) + "x" +
            std::to_string(shape.height) + "x" + std::to_string(shape.channels));
    }
    const int h = shape.height;
    background_ = drawBackground(shape.width, h);
    boxSide_ = std::max(2, std::min(shape.width, h) / 6);

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

TestPatternRenderer::Rect TestPatternRenderer::boxAt(std::uint64_t index) const {
    Rect r;
    r.width = std::min(boxSide_, shape_.width);
    r.height = std::min(boxSide_, shape_.height);
    r.x = bounce(index * kBoxSpeedX, shape_.width - r.width);
    r.y = bounce(index * kBoxSpeedY, shape_.height - r.height);
    return r;
}

TestPatternRenderer::Rect TestPatternRenderer::lineAt(std::uint64_t index) const {
    Rect r;
    r.width = std::min(kLineWidth, shape_.width);
    const auto travel = static_cast<std::uint64_t>(shape_.width - r.width + 1);
    r.x = static_cast<int>((index * kLineSpeed) % travel);
    r.height = shape_.height;
    return r;
}

TestPatternRenderer::Rect TestPatternRenderer::plateAt(std::uint64_t index) const {
    const int digits = static_cast<int>(std::to_string(index).size());
    Rect r;
    r.width = std::min(shape_.width, 2 * digitMargin_ + digits * digitAdvance_);
    r.height = std::min(shape_.height, digitsHeight_);
    return r;
}

void TestPatternRenderer::fill(const Rect& rect, const std::uint8_t bgr[3],
                               std::uint8_t* out) const {
    if (rect.width <= 0 || rect.height <= 0) return;
    const std::size_t rowBytes = shape_.rowBytes();
    const std::size_t spanBytes = static_cast<std::size_t>(rect.width) * 3;
    // Colour the first row pixel by pixel, then copy it down: one memcpy per row.
    std::uint8_t* first =
        out + static_cast<std::size_t>(rect.y) * rowBytes + static_cast<std::size_t>(rect.x) * 3;
    for (std::size_t i = 0; i < spanBytes; i += 3) std::memcpy(first + i, bgr, 3);
    for (int y = 1; y < rect.height; ++y) {
        copySpan(first + static_cast<std::size_t>(y) * rowBytes, first, spanBytes);
    }
}

void TestPatternRenderer::restoreBackground(const Rect& rect, std::uint8_t* out) const {
    const std::size_t rowBytes = shape_.rowBytes();
    for (int y = rect.y; y < rect.y + rect.height; ++y) {
        const std::size_t offset =
            static_cast<std::size_t>(y) * rowBytes + static_cast<std::size_t>(rect.x) * 3;
        copySpan(out + offset, background_.data() + offset,
                 static_cast<std::size_t>(rect.width) * 3);
    }
}

// Everything that is not background, drawn over it in a fixed order (the counter last,
// so it stays readable). Each part lies inside its Rect, which is what update() relies on.
void TestPatternRenderer::drawMovingParts(std::uint64_t index, std::uint8_t* out) const {
    fill(lineAt(index), kLineColour, out);
    fill(boxAt(index), kBoxColour, out);

    const Rect plate = plateAt(index);
    const std::string text = std::to_string(index);
    const std::size_t rowBytes = shape_.rowBytes();
    fill(plate, kBlack, out);
    for (int y = 0; y < plate.height; ++y) {
        std::uint8_t* row = out + static_cast<std::size_t>(y) * rowBytes;
        const std::uint8_t* glyphs =
            digits_.data() + static_cast<std::size_t>(y) * digitsWidth_ * 3;
        for (std::size_t k = 0; k < text.size(); ++k) {
            const int x = digitMargin_ + static_cast<int>(k) * digitAdvance_;
            if (x >= plate.width) break;
            const int digit = text[k] - '0';
            const int cell = std::min(digitAdvance_, plate.width - x);
            std::memcpy(row + static_cast<std::size_t>(x) * 3,
                        glyphs + static_cast<std::size_t>(digitMargin_ + digit * digitAdvance_) * 3,
                        static_cast<std::size_t>(cell) * 3);
        }
    }
}

void TestPatternRenderer::render(std::uint64_t index, std::uint8_t* out) const {
    std::memcpy(out, background_.data(), background_.size());
    drawMovingParts(index, out);
}

void TestPatternRenderer::update(std::uint64_t previous, std::uint64_t index,
                                 std::uint8_t* out) const {
    // Only the previous frame's moving parts differ from the background.
    restoreBackground(lineAt(previous), out);
    restoreBackground(boxAt(previous), out);
    restoreBackground(plateAt(previous), out);
    drawMovingParts(index, out);
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
    std::uint64_t* holds = nullptr;
    Frame frame = pool_.acquire(renderer_.shape(), pixels, &holds);
    const std::uint64_t index = nextIndex_++;
    if (*holds == FrameBuffer::kUnknownContent) {
        renderer_.render(index, pixels);
    } else {
        renderer_.update(*holds, index, pixels);
    }
    *holds = index;
    return frame;
}

std::string TestPatternSource::describe() const {
    return "test pattern " + std::to_string(renderer_.shape().width) + "x" +
           std::to_string(renderer_.shape().height);
}

}  // namespace ng::source
