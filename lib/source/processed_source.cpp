// ProcessedSource: the per-frame steps NetGear_Async's sources offer, in vidgear's order.
#include "source/processed_source.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <thread>

#include "core/frame_allocations.hpp"
#include "core/plugin_factory.hpp"

namespace ng::source {

using Clock = std::chrono::steady_clock;

bool ProcessedSource::needed(const SourceOptions& options) {
    return options.timeDelaySeconds > 0 || options.stabilize || !options.colorspace.empty();
}

ProcessedSource::ProcessedSource(std::unique_ptr<Source> inner, const SourceOptions& options)
    : inner_(std::move(inner)),
      delay_(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(options.timeDelaySeconds))) {
    if (!options.colorspace.empty()) {
        const std::optional<Colorspace> colorspace = findColorspace(options.colorspace);
        if (!colorspace) {
            throw std::invalid_argument("--colorspace: unknown '" + options.colorspace + "'");
        }
        converter_.emplace(*colorspace);
    }
    if (options.stabilize) {
        // Feature detection allocates frame-sized scratch buffers on every call; glibc's
        // default heuristics would hand them back and fault them in again each frame.
        keepFrameAllocations();
        stabilizer_ = createFromPlugin<CreateStabilizerFn>(
            kStabilizerPlugin, kCreateStabilizerSymbol,
            "--stabilize needs the stabilizer plugin (OpenCV video and calib3d)",
            StabilizerSettings{options.stabilizeRadius, options.stabilizeBorder});
        drained_ = false;
    }
}

void ProcessedSource::start() {
    inner_->start();
    // As vidgear's time_delay: the source is open, and its first frame is read this much later.
    firstFrameAt_ = Clock::now() + delay_;
    if (delay_.count() > 0) {
        spdlog::info("{}: waiting {:g} s before the first frame (--time-delay)", describe(),
                     std::chrono::duration<double>(delay_).count());
    }
    if (converter_) {
        spdlog::info("{}: frames sent as {} (--colorspace, {} channel{})", describe(),
                     converter_->colorspace().opencv, converter_->colorspace().channels,
                     converter_->colorspace().channels == 1 ? "" : "s");
    }
}

std::optional<Frame> ProcessedSource::next(std::chrono::milliseconds timeout) {
    const auto now = Clock::now();
    if (now < firstFrameAt_) {
        // Short slices, so that the capture stage still sees a stop in time.
        std::this_thread::sleep_for(std::min<Clock::duration>(firstFrameAt_ - now, timeout));
        if (Clock::now() < firstFrameAt_) return std::nullopt;
    }
    if (inner_->ended()) {
        if (drained_) return std::nullopt;
        std::optional<Frame> held = stabilizer_->drain();
        if (!held) {
            drained_ = true;
            return std::nullopt;
        }
        return finish(std::move(held));
    }
    std::optional<Frame> frame = inner_->next(timeout);
    if (frame && stabilizer_) frame = stabilizer_->push(*frame);
    return finish(std::move(frame));
}

std::optional<Frame> ProcessedSource::finish(std::optional<Frame> frame) {
    if (!frame || !converter_) return frame;
    return converter_->convert(*frame);
}

}  // namespace ng::source
