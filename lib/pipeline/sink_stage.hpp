// SinkStage: writes received frames to every output, on a thread of its own or inline.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "codec/jpeg.hpp"
#include "core/bounded_queue.hpp"
#include "core/frame.hpp"
#include "core/stream_stats.hpp"
#include "pipeline/limited_warning.hpp"
#include "sink/sink.hpp"

namespace ng::pipeline {

// Opens the sinks with the first frame, writes every frame to each of them in turn (one
// stream feeds display and recording alike), and closes them all at the end, whatever the
// reason: outputs are finalised after a signal or an error too. GUI sinks need all their
// calls on one thread, which is why opening happens here and not in the caller.
//
// Frames go through `queue` to the sink thread, except when every sink writes instantly
// (-o null): then deliver() writes them on the caller's thread and no thread is started,
// since a hand-off would cost more than the write.
//
// A JPEG frame is decoded here, once, when some sink needs pixels, so decoding runs in
// parallel with receiving; sinks that take JPEG as it is (null, .jpg images) get the
// received bytes. A frame that fails to decode is counted in `stats` errors and skipped.
class SinkStage {
public:
    SinkStage(std::vector<std::unique_ptr<sink::Sink>> sinks, BoundedQueue<Frame>& queue,
              double outputFps, StreamStats& stats);
    ~SinkStage();
    SinkStage(const SinkStage&) = delete;
    SinkStage& operator=(const SinkStage&) = delete;

    // The sender's address, shown by the window; call before delivering the first frame.
    void setPeer(const std::string& peer);
    // Hands one frame to the sinks (queued, or written at once). False when a sink failed
    // or the queue was closed: the caller stops delivering.
    bool deliver(Frame frame);
    // Waits until every queued frame is written and the sinks are closed (idempotent).
    void join();

    // A sink asked to end the stream (the window's q or Esc, or the window was closed).
    bool endRequested() const { return endRequested_; }
    // A sink failed; the error is available after join().
    bool failed() const { return failed_; }
    std::exception_ptr error() const { return error_; }
    std::uint64_t framesWritten() const { return written_; }

private:
    void run();
    void write(const Frame& frame);
    std::optional<Frame> decodeForSinks(const Frame& frame);
    void fail(std::exception_ptr error);
    void openAll(const Frame& first);
    void closeAll() noexcept;

    std::vector<std::unique_ptr<sink::Sink>> sinks_;
    BoundedQueue<Frame>& queue_;
    const double outputFps_;
    StreamStats& stats_;
    const bool writeInline_;
    const bool needsPixels_;  // some sink cannot take a JPEG frame as it is
    std::unique_ptr<codec::JpegDecoder> decoder_;  // made for the first JPEG frame
    LimitedWarning decodeFailures_;
    bool opened_ = false;  // these two: only the writing thread
    FrameShape lastShape_;
    bool closed_ = false;
    std::mutex peerMutex_;
    std::string peer_;
    std::atomic<bool> endRequested_{false};
    std::atomic<bool> failed_{false};
    std::atomic<std::uint64_t> written_{0};
    std::exception_ptr error_;
    std::thread thread_;
};

}  // namespace ng::pipeline
