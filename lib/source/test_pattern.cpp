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

// Copies `bytes` bytes to each of `rows` rows starting at `to`, `stride` apart, from
// source(row). The sweeping line's spans are 6 bytes on each of hundreds of rows: a libc
// memcpy call for each would cost several times the copy itself.
template <typename Source>
void copyDown(std::uint8_t* to, std::size_t stride, int rows, std::size_t bytes, Source source) {
    if (bytes == 3 * kLineWidth) {
        for (int r = 0; r < rows; ++r, to += stride) {
            std::memcpy(to, source(r), 3 * kLineWidth);  // a fixed size: inlined as two moves
        }
    } else {
        for (int r = 0; r < rows; ++r, to += stride) std::memcpy(to, source(r), bytes);
    }
}

// Position on a path that bounces between 0 and `span`.
int bounce(std::uint64_t travelled, int span) {
    if (span <= 0) return 0;
    const std::uint64_t period = 2 * static_cast<std::uint64_t>(span);
    const auto t = static_cast<int>(travelled % period);
    return t <= span ? t : static_cast<int>(period) - t;
}

// Row y of the still picture: bars over the top 60%, then a checkerboard band, then a
// grey ramp.
void drawBackgroundRow(int y, int w, int h, std::uint8_t* row) {
    const int barsEnd = std::max(1, h * 3 / 5);
    const int checkerEnd = std::min(h, barsEnd + std::max(1, h * 3 / 20));
    const int cell = std::max(2, w / 32);
    const int half = std::max(1, w / 2);
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
            const int level = x < half ? x * 255 / half : (w - x) * 255 / std::max(1, w - half);
            grey[0] = grey[1] = grey[2] = static_cast<std::uint8_t>(std::clamp(level, 0, 255));
            bgr = grey;
        }
        std::memcpy(row + static_cast<std::size_t>(x) * 3, bgr, 3);
    }
}

std::vector<std::uint8_t> solidRow(int width, const std::uint8_t bgr[3]) {
    std::vector<std::uint8_t> row(static_cast<std::size_t>(width) * 3);
    for (std::size_t i = 0; i < row.size(); i += 3) std::memcpy(row.data() + i, bgr, 3);
    return row;
}

// Columns [begin, end) of one row.
struct Span {
    int begin = 0, end = 0;
};

// Calls paint(first, last, span) for the columns of `rect` that no rect in `holes` covers,
// in bands of rows [first, last) that the same holes cover.
template <typename Rect, typename Paint>
void forUncovered(const Rect& rect, std::initializer_list<Rect> holes, Paint paint) {
    constexpr std::size_t kMaxSpans = 8;  // cutting a hole out of a span leaves at most two
    const int end = rect.y + rect.height;
    for (int y = rect.y; y < end;) {
        int bandEnd = end;
        Span spans[kMaxSpans];
        std::size_t count = 0;
        spans[count++] = {rect.x, rect.x + rect.width};
        for (const Rect& hole : holes) {
            if (hole.width <= 0 || hole.height <= 0) continue;
            if (y < hole.y) {
                bandEnd = std::min(bandEnd, hole.y);  // the hole starts further down
                continue;
            }
            if (y >= hole.y + hole.height) continue;  // the hole ended above
            bandEnd = std::min(bandEnd, hole.y + hole.height);
            Span kept[kMaxSpans];
            std::size_t keptCount = 0;
            for (std::size_t i = 0; i < count; ++i) {
                const Span left{spans[i].begin, std::min(spans[i].end, hole.x)};
                const Span right{std::max(spans[i].begin, hole.x + hole.width), spans[i].end};
                if (left.begin < left.end) kept[keptCount++] = left;
                if (right.begin < right.end) kept[keptCount++] = right;
            }
            std::copy(kept, kept + keptCount, spans);
            count = keptCount;
        }
        for (std::size_t i = 0; i < count; ++i) paint(y, bandEnd, spans[i]);
        y = bandEnd;
    }
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
    const std::size_t rowBytes = shape.rowBytes();
    std::vector<std::uint8_t> row(rowBytes);
    for (int y = 0; y < h; ++y) {
        drawBackgroundRow(y, w, h, row.data());
        std::size_t offset = 0;
        while (offset < distinctRows_.size() &&
               std::memcmp(distinctRows_.data() + offset, row.data(), rowBytes) != 0) {
            offset += rowBytes;
        }
        if (offset == distinctRows_.size()) {
            distinctRows_.insert(distinctRows_.end(), row.begin(), row.end());
        }
        distinctRowOf_.push_back(offset);
    }
    boxRow_ = solidRow(w, kBoxColour);
    lineRow_ = solidRow(w, kLineColour);
    blackRow_ = solidRow(w, kBlack);
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

void TestPatternRenderer::fill(const Rect& rect, const std::vector<std::uint8_t>& solid,
                               std::initializer_list<Rect> holes, std::uint8_t* out) const {
    const std::size_t rowBytes = shape_.rowBytes();
    forUncovered(rect, holes, [&](int first, int last, Span span) {
        copyDown(out + static_cast<std::size_t>(first) * rowBytes +
                     static_cast<std::size_t>(span.begin) * 3,
                 rowBytes, last - first, static_cast<std::size_t>(span.end - span.begin) * 3,
                 [&](int) { return solid.data(); });
    });
}

void TestPatternRenderer::restoreBackground(const Rect& rect, std::initializer_list<Rect> holes,
                                            std::uint8_t* out) const {
    const std::size_t rowBytes = shape_.rowBytes();
    forUncovered(rect, holes, [&](int first, int last, Span span) {
        const std::size_t column = static_cast<std::size_t>(span.begin) * 3;
        copyDown(out + static_cast<std::size_t>(first) * rowBytes + column, rowBytes, last - first,
                 static_cast<std::size_t>(span.end - span.begin) * 3,
                 [&](int row) { return backgroundRow(first + row) + column; });
    });
}

// The digit at `position` of the counter, one glyph cell of the digit strip, clipped to
// the plate (on tiny frames the plate is narrower than the number).
void TestPatternRenderer::drawDigit(const Rect& plate, std::size_t position, char digit,
                                    std::uint8_t* out) const {
    const int x = digitMargin_ + static_cast<int>(position) * digitAdvance_;
    if (x >= plate.width) return;
    const int cell = std::min(digitAdvance_, plate.width - x);
    const std::size_t glyph =
        static_cast<std::size_t>(digitMargin_ + (digit - '0') * digitAdvance_) * 3;
    const std::size_t rowBytes = shape_.rowBytes();
    for (int y = 0; y < plate.height; ++y) {
        std::memcpy(out + static_cast<std::size_t>(y) * rowBytes + static_cast<std::size_t>(x) * 3,
                    digits_.data() + static_cast<std::size_t>(y) * digitsWidth_ * 3 + glyph,
                    static_cast<std::size_t>(cell) * 3);
    }
}

// Everything that is not background, drawn over it in a fixed order (the counter last,
// so it stays readable). Each part lies inside its Rect, which is what update() relies on.
void TestPatternRenderer::drawMovingParts(std::uint64_t index, std::uint8_t* out) const {
    fill(lineAt(index), lineRow_, {}, out);
    fill(boxAt(index), boxRow_, {}, out);
    const Rect plate = plateAt(index);
    fill(plate, blackRow_, {}, out);
    const std::string text = std::to_string(index);
    for (std::size_t k = 0; k < text.size(); ++k) drawDigit(plate, k, text[k], out);
}

void TestPatternRenderer::render(std::uint64_t index, std::uint8_t* out) const {
    const std::size_t rowBytes = shape_.rowBytes();
    for (int y = 0; y < shape_.height; ++y) {
        std::memcpy(out + static_cast<std::size_t>(y) * rowBytes, backgroundRow(y), rowBytes);
    }
    drawMovingParts(index, out);
}

void TestPatternRenderer::update(std::uint64_t previous, std::uint64_t index,
                                 std::uint8_t* out) const {
    const std::string before = std::to_string(previous);
    const std::string after = std::to_string(index);
    const Rect plate = plateAt(index);
    if (before.size() != after.size()) {
        // The counter changed width: put the background back under every moving part of
        // the previous frame and draw the new one.
        restoreBackground(lineAt(previous), {}, out);
        restoreBackground(boxAt(previous), {}, out);
        restoreBackground(plateAt(previous), {}, out);
        drawMovingParts(index, out);
        return;
    }
    // The counter's plate covers the same corner in both frames and lies on top, so
    // nothing under it changes but its digits. Where the old and new box overlap, the
    // pixels are box-coloured in both frames (the box lies over the line).
    const Rect oldBox = boxAt(previous);
    const Rect box = boxAt(index);
    Rect kept;
    kept.x = std::max(oldBox.x, box.x);
    kept.y = std::max(oldBox.y, box.y);
    kept.width = std::max(0, std::min(oldBox.x + oldBox.width, box.x + box.width) - kept.x);
    kept.height = std::max(0, std::min(oldBox.y + oldBox.height, box.y + box.height) - kept.y);

    restoreBackground(lineAt(previous), {plate, kept}, out);
    restoreBackground(oldBox, {plate, box}, out);
    fill(lineAt(index), lineRow_, {plate, box}, out);
    fill(box, boxRow_, {plate, kept}, out);
    for (std::size_t k = 0; k < after.size(); ++k) {
        if (after[k] != before[k]) drawDigit(plate, k, after[k], out);
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
