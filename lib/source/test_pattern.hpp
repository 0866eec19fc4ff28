// The built-in test pattern: a deterministic moving picture with a visible frame counter.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/frame.hpp"
#include "core/frame_pool.hpp"
#include "source/source.hpp"

namespace ng::source {

// Renders test-pattern frames of one BGR shape. Frame i is a pure function of i and the
// shape: the same bytes on every run, at any pace, on any machine. The picture: a still
// background (colour bars, a checkerboard band, a grey ramp) under three moving things,
// a bouncing box, a vertical line sweeping across, and the frame number drawn large in
// the top-left corner (clipped on tiny frames). Motion is local on purpose: a recycled
// buffer holding an earlier frame is turned into the next one by rewriting a few small
// rectangles (update()), so the source costs little next to the network.
class TestPatternRenderer {
public:
    // shape.channels must be 3 and width, height positive (std::invalid_argument if not).
    explicit TestPatternRenderer(const FrameShape& shape);

    const FrameShape& shape() const { return shape_; }

    // Writes frame `index` into `out`, which holds shape().bytes() bytes.
    void render(std::uint64_t index, std::uint8_t* out) const;

    // Turns `out`, which holds frame `previous` exactly, into frame `index`: the same bytes
    // render(index) writes, for the cost of the pixels that differ (mostly the box's edges,
    // the line and a digit or two).
    void update(std::uint64_t previous, std::uint64_t index, std::uint8_t* out) const;

private:
    struct Rect {
        int x = 0, y = 0, width = 0, height = 0;
    };
    Rect boxAt(std::uint64_t index) const;
    Rect lineAt(std::uint64_t index) const;
    Rect plateAt(std::uint64_t index) const;
    const std::uint8_t* backgroundRow(int y) const {
        return distinctRows_.data() + distinctRowOf_[static_cast<std::size_t>(y)];
    }
    // Write the parts of `rect` that lie outside every rect in `holes`: the background,
    // or one colour from `solid` (a row of that colour, shape().rowBytes() long).
    void restoreBackground(const Rect& rect, std::initializer_list<Rect> holes,
                           std::uint8_t* out) const;
    void fill(const Rect& rect, const std::vector<std::uint8_t>& solid,
              std::initializer_list<Rect> holes, std::uint8_t* out) const;
    void drawDigit(const Rect& plate, std::size_t position, char digit, std::uint8_t* out) const;
    void drawMovingParts(std::uint64_t index, std::uint8_t* out) const;

    FrameShape shape_;
    // The still picture has few distinct rows (bars, two checkerboard phases, the ramp):
    // each is stored once, one after another, and distinctRowOf_[y] is the byte offset of
    // row y's. Some 23 KB at 1080p stay in cache where a whole frame (6 MB) would be read
    // from memory.
    std::vector<std::uint8_t> distinctRows_;
    std::vector<std::size_t> distinctRowOf_;
    std::vector<std::uint8_t> boxRow_, lineRow_, blackRow_;  // one row of each colour
    int boxSide_ = 2;
    // The digits 0-9 drawn once, side by side, on the counter's black plate: copying glyph
    // cells costs far less than drawing antialiased text every frame.
    std::vector<std::uint8_t> digits_;
    int digitsWidth_ = 0;  // pixels per row of digits_
    int digitsHeight_ = 0;
    int digitAdvance_ = 0;
    int digitMargin_ = 0;
};

// One-off convenience: renders frame `index` of `shape` into `out` (shape.bytes() bytes).
// Builds a renderer each call; keep a TestPatternRenderer to render many frames.
void renderTestFrame(std::uint64_t index, const FrameShape& shape, std::uint8_t* out);

// The "test" source: renders frames on demand into pooled buffers, never ends.
class TestPatternSource : public Source {
public:
    explicit TestPatternSource(const SourceOptions& options);

    void start() override {}
    std::optional<Frame> next(std::chrono::milliseconds timeout) override;
    bool ended() const override { return false; }
    double nominalFps() const override { return kFps; }
    void stop() override {}
    bool neverWaits() const override { return true; }
    std::string describe() const override;

    static constexpr double kFps = 30;

private:
    TestPatternRenderer renderer_;
    // Buffers come back from the pool holding an earlier frame (their content tag says
    // which), so next() usually updates rather than redraws.
    FramePool pool_;
    std::uint64_t nextIndex_ = 0;
};

}  // namespace ng::source
