// EncodeStage: compresses captured frames (--compression jpeg) on worker threads of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "codec/bitrate_governor.hpp"
#include "codec/jpeg.hpp"
#include "core/bounded_queue.hpp"
#include "core/stream_stats.hpp"
#include "pipeline/frame_feed.hpp"
#include "pipeline/limited_warning.hpp"

namespace ng::pipeline {

// How many encoders `requested` (--jpeg-threads) asks for: itself, or for 0 one per
// hardware thread, at most 4 (beyond that a JPEG stream's sender rarely gains).
unsigned encodeWorkerCount(unsigned requested);

// Takes frames from `input` (the capture), encodes each and queues it for the send loop,
// so capture, encoding and sending overlap: a JPEG costs milliseconds, a send far less.
// Each worker thread has its own encoder and takes the next capture as soon as it is free,
// so several frames are encoded at once; they are queued in capture order all the same.
// An unpaced test pattern is captured on the workers, one at a time (see CaptureStage).
// With --latest the capture queue drops stale frames before they cost an encode; this
// queue stays short and blocking, so nothing encoded is thrown away. Joins in its
// destructor.
//
// With a BitrateLimit (--max-bitrate) a BitrateGovernor picks each frame's quality as the
// frame is taken, in capture order; a frame it skips costs no encode, and is counted as
// dropped in `limit.stats` and told in a rate-limited warning.
class EncodeStage : public FrameFeed {
public:
    struct BitrateLimit {
        codec::GovernorSettings settings;
        StreamStats* stats = nullptr;  // counts the skipped frames; outlives the stage
    };

    EncodeStage(FrameFeed& input, const codec::JpegSettings& settings, unsigned workers,
                std::optional<BitrateLimit> limit = std::nullopt);
    ~EncodeStage() override;
    EncodeStage(const EncodeStage&) = delete;
    EncodeStage& operator=(const EncodeStage&) = delete;

    std::optional<Frame> take(std::chrono::milliseconds wait) override;
    bool finished() const override;

    // Stops encoding and waits for the workers (idempotent).
    void join();
    // Why encoding stopped, if a frame could not be encoded (valid after join()).
    std::exception_ptr error() const { return error_; }

    // --max-bitrate: the qualities of the frames sent so far, and how many were skipped.
    // Without a limit every frame has the one quality given. Any thread.
    codec::QualityRange qualities() const;
    std::uint64_t skipped() const;

private:
    void run(codec::JpegEncoder& encoder);
    // The next capture and its place in the output order; nullopt when none came in time,
    // with `ended` set once the input has no more.
    // With a governor, `plan` says at what quality; a frame it skips is not returned.
    std::optional<Frame> takeInput(std::uint64_t& ticket, bool& ended, codec::GovernorPlan& plan);
    // Asks the governor about the frame just taken; false when it is to be skipped.
    bool planFrame(codec::GovernorPlan& plan);
    // Waits until every earlier capture is queued, then queues `encoded`. False once
    // stopping, or when the queue was closed.
    bool queueInTurn(std::uint64_t ticket, Frame encoded);
    void stop(std::exception_ptr failure);
    void workerDone();

    FrameFeed& input_;
    std::vector<std::unique_ptr<codec::JpegEncoder>> encoders_;
    BoundedQueue<Frame> queue_;

    std::mutex inputMutex_;  // one worker at a time takes from input_: its capture may run inline
    std::uint64_t nextTicket_ = 0;  // guarded by inputMutex_

    const int quality_;  // --jpeg-quality; with a governor, its ceiling
    StreamStats* skipStats_ = nullptr;
    mutable std::mutex governorMutex_;  // plan() under inputMutex_ too, so in capture order
    std::optional<codec::BitrateGovernor> governor_;
    LimitedWarning skipLog_;  // guarded by inputMutex_

    std::mutex turnMutex_;
    std::condition_variable turnChanged_;
    std::uint64_t nextToQueue_ = 0;  // these three: guarded by turnMutex_
    unsigned running_ = 0;
    std::exception_ptr error_;
    std::atomic<bool> stopping_{false};  // set under turnMutex_, so that waiters see it

    std::vector<std::thread> threads_;
};

}  // namespace ng::pipeline
