// The built-in test pattern: a deterministic moving picture with a visible frame counter.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/frame.hpp"
#include "core/frame_pool.hpp"
#include "source/source.hpp"

namespace ng::source {

// Renders test-pattern frames of one BGR shape. Frame i is a pure function of i and the
// shape: the same bytes on every run, at any pace, on any machine. The picture: colour
// bars scrolling left, a checkerboard band, a grey ramp scrolling right, a bouncing box
// and the frame number drawn large in the top-left corner (clipped on tiny frames).
class TestPatternRenderer {
public:
    // shape.channels must be 3 and width, height positive (std::invalid_argument if not).
    explicit TestPatternRenderer(const FrameShape& shape);

    const FrameShape& shape() const { return shape_; }

    // Writes frame `index` into `out`, which holds shape().bytes() bytes.
    void render(std::uint64_t index, std::uint8_t* out) const;

private:
    FrameShape shape_;
    // Each band's row pattern, two periods (2 x width pixels) long, so a scrolled row is one
    // memcpy from an offset into it.
    std::vector<std::uint8_t> barsRow_;
    std::vector<std::uint8_t> checkerRows_[2];
    std::vector<std::uint8_t> rampRow_;
    int barsEnd_ = 0;     // first row of the checkerboard band
    int checkerEnd_ = 0;  // first row of the ramp band
    int checkerCell_ = 1;
    // The digits 0-9 drawn once, side by side, on the counter's black plate: antialiased
    // text costs ~200 us a frame, copying glyph cells a few.
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
    std::string describe() const override;

    static constexpr double kFps = 30;

private:
    TestPatternRenderer renderer_;
    FramePool pool_;
    std::uint64_t nextIndex_ = 0;
};

}  // namespace ng::source
