// FramesBack: ngsend's side of frames the receiver sends back in bidirectional mode.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/bounded_queue.hpp"
#include "core/frame.hpp"
#include "core/stream_stats.hpp"
#include "pipeline/sink_stage.hpp"
#include "wire/messages.hpp"

namespace ng::pipeline {

// Counts every frame that comes back, and the ones refused for --max-frame-size, and writes
// the others to the --reply-output outputs as ngrecv writes to its -o outputs: the same
// sinks and SinkStage, so the same checks at start-up, the same accounting, and every output
// finalised at the end. With no output the frames are only counted. Used from the send
// thread only.
class FramesBack {
public:
    // Checks every output spec now (makeOutputs() throws a UsageError naming a bad one); the
    // outputs open with the first frame. `fps` is the sender's pace, stamped on each frame
    // so that a recording keeps it; `latest` keeps only the newest frame for slow outputs.
    FramesBack(const std::vector<std::string>& outputs, double fps, bool latest,
               const std::atomic<bool>& stopSignal);
    ~FramesBack();
    FramesBack(const FramesBack&) = delete;
    FramesBack& operator=(const FramesBack&) = delete;

    // Some output writes to stdout (- or raw:-): printed replies must go elsewhere.
    bool usesStdout() const { return usesStdout_; }
    // The window shows this as the frames' origin; call before the first take().
    void setPeer(const std::string& peer);
    // Takes the frame of one answer (moved out of it), or counts its refusal. Answers
    // without a frame are ignored.
    void take(wire::Reply& reply);
    // Writes the frames still queued and finalises every output (idempotent).
    void finish();

    // After finish(), for the summary: {"frames": N, "refused": N, "written": N,
    // "dropped_latest": N, "errors": N, "outputs": [...]}.
    std::string summaryJson() const;
    // After finish(): why the exit code cannot be 0 (failed outputs, refused frames), or "".
    std::string failure() const;

private:
    StreamStats stats_;  // errors only: refused frames and output failures
    BoundedQueue<Frame> queue_;
    std::unique_ptr<SinkStage> sinks_;  // none without --reply-output
    bool usesStdout_ = false;
    double fps_;
    bool delivering_ = true;  // false once every output has failed
    std::uint64_t received_ = 0;
    std::uint64_t refused_ = 0;
    std::string firstRefusal_;
    std::vector<OutputReport> reports_;
    std::uint64_t written_ = 0;
};

}  // namespace ng::pipeline
