// The reply sources of ngrecv's bidirectional mode: text, and frames captured to send back.
#include "pipeline/reply_source.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "core/bounded_queue.hpp"
#include "core/clock.hpp"
#include "pipeline/capture_stage.hpp"
#include "pipeline/frame_queue.hpp"

namespace ng::pipeline {

namespace {

class FixedReply : public ReplySource {
public:
    explicit FixedReply(std::string text) : text_(std::move(text)) {}
    transport::ReplyContent next() override { return wire::DataValue::fromText(text_); }

private:
    std::string text_;
};

class NoReply : public ReplySource {
public:
    transport::ReplyContent next() override { return wire::DataValue::none(); }
};

// A reader thread turns stdin lines into queued replies. It is detached because a
// blocking read of stdin cannot be interrupted portably; it ends with the process.
class StdinReplies : public ReplySource {
public:
    StdinReplies() : lines_(std::make_shared<BoundedQueue<std::string>>(kMaxPending,
                                                                          OverflowPolicy::Block)) {
        std::thread([lines = lines_] {
            std::string line;
            while (std::getline(std::cin, line)) {
                if (!lines->push(line)) return;
            }
        }).detach();
    }
    ~StdinReplies() override { lines_->close(); }

    transport::ReplyContent next() override {
        std::optional<std::string> line = lines_->pop(std::chrono::milliseconds(0));
        return line ? wire::DataValue::fromText(std::move(*line)) : wire::DataValue::none();
    }

private:
    // Lines typed ahead of the frames wait here; beyond that the reader blocks (no loss).
    static constexpr std::size_t kMaxPending = 1024;
    std::shared_ptr<BoundedQueue<std::string>> lines_;
};

// The capture thread keeps only the newest frame in a queue of one; each answer takes it if a
// new one came, or sends the one before again (a paused camera, a file at its end).
class FrameReplies : public ReplySource {
public:
    FrameReplies(std::unique_ptr<ReplySource> text, const source::SourceOptions& options,
                 std::chrono::milliseconds firstFrameWait, const std::atomic<bool>& stop)
        : text_(std::move(text)),
          source_(source::makeSource(options)),
          newest_(makeFrameQueue(1, /*latest=*/true)) {
        source_->start();
        // A source that never waits is paced at its own rate, so that it does not spin a
        // core rendering frames nobody asks for, and stays on a thread of its own.
        const double fps = source_->nominalFps() > 0 ? source_->nominalFps() : 0;
        capture_ = std::make_unique<CaptureStage>(*source_, newest_, fps, 0);
        awaitFirstFrame(firstFrameWait, stop);
        spdlog::info("replying with frames from {}", source_->describe());
    }
    ~FrameReplies() override {
        capture_->join();
        source_->stop();
    }

    transport::ReplyContent next() override {
        if (std::optional<Frame> frame = capture_->take(std::chrono::milliseconds(0))) {
            last_ = std::move(*frame);
        } else if (capture_->finished() && !toldEnd_) {
            toldEnd_ = true;
            tellEnd();
        }
        transport::ReplyContent reply = text_->next();
        reply.frame = last_;
        ++sent_;
        return reply;
    }
    std::uint64_t framesSent() const override { return sent_; }

private:
    void awaitFirstFrame(std::chrono::milliseconds wait, const std::atomic<bool>& stop) {
        const auto giveUp = SteadyClock::now() + wait;
        while (wait.count() == 0 || SteadyClock::now() < giveUp) {
            if (stop) return;  // the receive loop sees it too and ends at once
            if (std::optional<Frame> frame = capture_->take(kPollInterval)) {
                last_ = std::move(*frame);
                return;
            }
            if (capture_->finished()) break;
        }
        if (std::exception_ptr error = capture_->error()) std::rethrow_exception(error);
        throw std::runtime_error("--reply-source " + source_->describe() +
                                 (capture_->finished() ? ": the source ended before its first frame"
                                                       : ": no frame within the --timeout") +
                                 " (check that it plays with ngsend -s)");
    }

    void tellEnd() const {
        if (std::exception_ptr error = capture_->error()) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                spdlog::warn("--reply-source failed ({}): replying with its last frame", e.what());
            }
        } else {
            spdlog::info("--reply-source {} ended: replying with its last frame",
                         source_->describe());
        }
    }

    std::unique_ptr<ReplySource> text_;
    std::unique_ptr<source::Source> source_;
    BoundedQueue<Frame> newest_;
    std::unique_ptr<CaptureStage> capture_;  // after what it uses, so it stops first
    Frame last_;
    bool toldEnd_ = false;
    std::uint64_t sent_ = 0;
};

}  // namespace

std::unique_ptr<ReplySource> ReplySource::withFrames(std::unique_ptr<ReplySource> text,
                                                     const source::SourceOptions& options,
                                                     std::chrono::milliseconds firstFrameWait,
                                                     const std::atomic<bool>& stop) {
    return std::make_unique<FrameReplies>(std::move(text), options, firstFrameWait, stop);
}

std::unique_ptr<ReplySource> ReplySource::fixed(std::string text) {
    return std::make_unique<FixedReply>(std::move(text));
}
std::unique_ptr<ReplySource> ReplySource::fromStdin() { return std::make_unique<StdinReplies>(); }
std::unique_ptr<ReplySource> ReplySource::none() { return std::make_unique<NoReply>(); }

}  // namespace ng::pipeline
