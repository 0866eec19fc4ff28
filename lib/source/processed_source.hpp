// ProcessedSource: NetGear_Async's source settings (time delay, stabilisation, colour space)
// applied to the frames of any other source.
#pragma once

#include <memory>
#include <optional>

#include "source/colorspace.hpp"
#include "source/source.hpp"
#include "source/stabilizer.hpp"

namespace ng::source {

// Wraps `inner`: start() starts it and sets the --time-delay clock; next() returns nothing
// until the delay has passed, then frames stabilized (--stabilize) and then converted
// (--colorspace). At the inner source's end the stabilizer's held frames still come out
// before ended() turns true.
class ProcessedSource : public Source {
public:
    // Loads the stabilizer plugin when options.stabilize is set (std::runtime_error naming
    // --stabilize when it cannot load); options.colorspace must name a Colorspace.
    ProcessedSource(std::unique_ptr<Source> inner, const SourceOptions& options);

    void start() override;
    std::optional<Frame> next(std::chrono::milliseconds timeout) override;
    bool ended() const override { return inner_->ended() && drained_; }
    double nominalFps() const override { return inner_->nominalFps(); }
    void stop() override { inner_->stop(); }
    bool neverWaits() const override { return inner_->neverWaits() && delay_.count() == 0; }
    std::string describe() const override { return inner_->describe(); }

    // True when `options` asks for any of what this class does.
    static bool needed(const SourceOptions& options);

private:
    std::optional<Frame> finish(std::optional<Frame> frame);

    std::unique_ptr<Source> inner_;
    std::chrono::steady_clock::duration delay_{};
    std::chrono::steady_clock::time_point firstFrameAt_{};
    std::unique_ptr<Stabilizer> stabilizer_;
    std::optional<ColorspaceConverter> converter_;
    bool drained_ = true;  // false while the stabilizer may hold frames
};

}  // namespace ng::source
