// The encoding stage of ngsend: capture -> JPEG on N workers, in capture order -> send loop.
#include "pipeline/encode_stage.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "pipeline/frame_queue.hpp"

namespace ng::pipeline {

namespace {
// Encoded frames ready for the socket: one being sent, one waiting.
constexpr std::size_t kEncodedQueueDepth = 2;
constexpr unsigned kMaxAutoWorkers = 4;
// Frames skipped for --max-bitrate: warnings a minute, the rest told in one line.
constexpr std::uint64_t kSkipWarningsPerPeriod = 3;
constexpr std::chrono::seconds kSkipWarningPeriod{60};

std::int64_t steadyMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               SteadyClock::now().time_since_epoch())
        .count();
}
}  // namespace

unsigned encodeWorkerCount(unsigned requested) {
    if (requested > 0) return requested;
    return std::clamp(std::thread::hardware_concurrency(), 1u, kMaxAutoWorkers);
}

EncodeStage::EncodeStage(FrameFeed& input, const codec::JpegSettings& settings, unsigned workers,
                         std::optional<BitrateLimit> limit)
    : input_(input),
      queue_(kEncodedQueueDepth, OverflowPolicy::Block),
      quality_(settings.quality),
      skipLog_("--max-bitrate", kSkipWarningsPerPeriod, kSkipWarningPeriod,
               [](std::uint64_t skipped, std::uint64_t total) {
                   spdlog::warn("--max-bitrate: {} more frames skipped ({} in all)", skipped,
                                total);
               }) {
    if (limit) {
        governor_.emplace(limit->settings);
        skipStats_ = limit->stats;
    }
    // Every encoder is made before any thread starts, so a failure throws from here.
    for (unsigned i = 0; i < std::max(workers, 1u); ++i) {
        encoders_.push_back(std::make_unique<codec::JpegEncoder>(settings));
    }
    running_ = static_cast<unsigned>(encoders_.size());
    try {
        for (auto& encoder : encoders_) {
            threads_.emplace_back([this, &encoder = *encoder] { run(encoder); });
        }
    } catch (...) {
        join();  // the workers already started (no destructor runs for a failed constructor)
        throw;
    }
}

EncodeStage::~EncodeStage() { join(); }

void EncodeStage::join() {
    stop(nullptr);
    queue_.close();  // unblocks a worker waiting for room
    for (std::thread& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
}

std::optional<Frame> EncodeStage::take(std::chrono::milliseconds wait) { return queue_.pop(wait); }

bool EncodeStage::finished() const { return queue_.closed() && queue_.size() == 0; }

void EncodeStage::run(codec::JpegEncoder& encoder) {
    try {
        while (!stopping_) {
            std::uint64_t ticket = 0;
            bool ended = false;
            codec::GovernorPlan plan;
            plan.quality = quality_;
            std::optional<Frame> raw = takeInput(ticket, ended, plan);
            if (!raw) {
                if (ended) break;
                continue;
            }
            Frame encoded = encoder.encode(*raw, plan.quality);
            raw.reset();  // the capture's buffer goes back to its pool before waiting our turn
            if (governor_) {
                std::lock_guard<std::mutex> lock(governorMutex_);
                governor_->encoded(plan, encoded.codedBytes);
            }
            if (!queueInTurn(ticket, std::move(encoded))) break;
        }
    } catch (...) {
        stop(std::current_exception());
    }
    workerDone();
}

std::optional<Frame> EncodeStage::takeInput(std::uint64_t& ticket, bool& ended,
                                            codec::GovernorPlan& plan) {
    std::lock_guard<std::mutex> lock(inputMutex_);
    std::optional<Frame> raw = input_.take(kPollInterval);
    if (!raw) {
        ended = input_.finished();
        return raw;
    }
    if (!planFrame(plan)) {
        skipLog_.warn(fmt::format("skipped frame {}: it does not fit the limit even at "
                                  "--jpeg-min-quality {} (lower that, --size or --fps, or raise "
                                  "--max-bitrate)",
                                  raw->seq, governor_->settings().minQuality));
        if (skipStats_) skipStats_->addDropped(1);
        return std::nullopt;  // no ticket: the frames after it are queued without a gap
    }
    ticket = nextTicket_++;
    return raw;
}

bool EncodeStage::planFrame(codec::GovernorPlan& plan) {
    if (!governor_) return true;
    std::lock_guard<std::mutex> lock(governorMutex_);
    plan = governor_->plan(steadyMicros());
    return plan.send;
}

codec::QualityRange EncodeStage::qualities() const {
    if (!governor_) return {quality_, quality_, quality_, quality_, quality_};
    std::lock_guard<std::mutex> lock(governorMutex_);
    return governor_->qualities();
}

std::uint64_t EncodeStage::skipped() const {
    if (!governor_) return 0;
    std::lock_guard<std::mutex> lock(governorMutex_);
    return governor_->skipped();
}

bool EncodeStage::queueInTurn(std::uint64_t ticket, Frame encoded) {
    std::unique_lock<std::mutex> lock(turnMutex_);
    turnChanged_.wait(lock, [&] { return stopping_ || nextToQueue_ == ticket; });
    if (stopping_) return false;
    // Only the worker whose turn it is gets here, so it may wait for room unlocked.
    lock.unlock();
    const bool queued = queue_.push(std::move(encoded));
    lock.lock();
    ++nextToQueue_;
    turnChanged_.notify_all();
    return queued;
}

void EncodeStage::stop(std::exception_ptr failure) {
    {
        std::lock_guard<std::mutex> lock(turnMutex_);
        if (failure && !error_) error_ = failure;
        stopping_ = true;
    }
    turnChanged_.notify_all();
}

void EncodeStage::workerDone() {
    std::lock_guard<std::mutex> lock(turnMutex_);
    // The last worker out ends the feed: every frame it will ever get has been queued.
    if (--running_ == 0) queue_.close();
}

}  // namespace ng::pipeline
