// EncodeStage: compresses captured frames (--compression jpeg) on worker threads of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "codec/jpeg.hpp"
#include "core/bounded_queue.hpp"
#include "pipeline/frame_feed.hpp"

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
class EncodeStage : public FrameFeed {
public:
    EncodeStage(FrameFeed& input, const codec::JpegSettings& settings, unsigned workers);
    ~EncodeStage() override;
    EncodeStage(const EncodeStage&) = delete;
    EncodeStage& operator=(const EncodeStage&) = delete;

    std::optional<Frame> take(std::chrono::milliseconds wait) override;
    bool finished() const override;

    // Stops encoding and waits for the workers (idempotent).
    void join();
    // Why encoding stopped, if a frame could not be encoded (valid after join()).
    std::exception_ptr error() const { return error_; }

private:
    void run(codec::JpegEncoder& encoder);
    // The next capture and its place in the output order; nullopt when none came in time,
    // with `ended` set once the input has no more.
    std::optional<Frame> takeInput(std::uint64_t& ticket, bool& ended);
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

    std::mutex turnMutex_;
    std::condition_variable turnChanged_;
    std::uint64_t nextToQueue_ = 0;  // these three: guarded by turnMutex_
    unsigned running_ = 0;
    std::exception_ptr error_;
    std::atomic<bool> stopping_{false};  // set under turnMutex_, so that waiters see it

    std::vector<std::thread> threads_;
};

}  // namespace ng::pipeline
