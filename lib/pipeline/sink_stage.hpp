// SinkStage: writes received frames to every output, on a thread of its own or inline.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
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

// How one output fared, for the summary and the exit code. For every output, written +
// refused is the number of frames that reached the outputs (framesWritten()).
struct OutputReport {
    std::string spec;    // the -o value; for a per-sender output, with {name} filled in
    std::string sender;  // a per-sender output's sender; "" for an output shared by all
    std::string kind;  // window, video, images, y4m, raw, null
    std::uint64_t written = 0;
    std::uint64_t refused = 0;  // not taken: it had failed, or the window had been closed
    // Of `written`, left out to hold a constant rate; and extra copies written (avi, y4m).
    std::uint64_t droppedForRate = 0;
    std::uint64_t repeatedForRate = 0;
    // An output without {name} takes the frames of the first sender only: those of others
    // are refused for it, and counted here (not in `refused`).
    std::uint64_t otherSenders = 0;
    bool failed = false;
    std::string error;  // why it failed; "" when it did not
    std::vector<sink::RecordedSegment> segments;  // the files a video output wrote
    // A window the user closed, or left with q or Esc.
    bool closedByUser = false;
};

// [{"spec": ..., "kind": ..., "written": N, ...}, ...]: the summary's "outputs".
std::string outputsJson(const std::vector<OutputReport>& reports);

// Opens the outputs with the first frame, writes every frame to each of them in turn (one
// stream feeds display and recording alike), and closes them all at the end, whatever the
// reason: outputs are finalised after a signal or an error too.
//
// With many senders (Frame::sender), a per-sender -o value (sink::isPerSender(): {name}, or
// window) opens one output for each sender with its first frame, and finalises it when that
// sender ends (senderEnded()) while the others go on. An output shared by all takes the frames
// of the sender that came first (except one that takes every sender, the HTTP output, which
// tells them apart itself); those of any other are refused for it and counted, with one
// warning naming {name}, so that two streams never interleave into one file. GUI sinks need all their
// calls on one thread, which is why opening happens here and not in the caller.
//
// A window's q or Esc ends the stream (endRequested()). Closing a window closes it alone while
// another window is open: its sender's later frames are refused for it and counted, and the
// other outputs go on. Closing the last open window ends the stream, as with one sender.
//
// An output whose open(), write() or close() throws has failed: the reason is logged and
// counted in `stats` errors, it is closed and gets no more frames, and the other outputs
// go on. When every output has failed there is nothing left to write to, and failed()
// tells the caller to stop receiving.
//
// Frames go through `queue` to the sink thread, except when every sink writes instantly
// (-o null): then deliver() writes them on the caller's thread and no thread is started,
// since a hand-off would cost more than the write.
//
// A JPEG frame is decoded here, once, when some output of its sender needs pixels, so
// decoding runs in parallel with receiving; sinks that take JPEG as it is (null, .jpg
// images, a video file's stream copy) get the received bytes, and when all of them do the
// frame is not decoded at all. A frame that fails to decode is counted in `stats` errors
// and skipped.
class SinkStage {
public:
    // `stopSignal` (Ctrl-C) is only watched while join() finishes the outputs, to tell
    // the user that finishing goes on and how to abort it.
    // `perSender`: the -o values that open an output per sender; `video`: the settings
    // their video files are made with.
    SinkStage(std::vector<sink::Output> outputs, std::vector<std::string> perSender,
              BoundedQueue<Frame>& queue, double outputFps, StreamStats& stats,
              const std::atomic<bool>& stopSignal, const sink::VideoSettings& video = {});
    ~SinkStage();
    SinkStage(const SinkStage&) = delete;
    SinkStage& operator=(const SinkStage&) = delete;

    // Sender `index` is called `name` and is at `peer` ("" when unknown): what its outputs
    // are named and titled after. Call before delivering its first frame.
    void addSender(std::uint32_t index, const std::string& name, const std::string& peer);
    // Sender `index` ended its stream: its outputs are finalised once its frames queued
    // before now are written (or, with a --latest queue, replaced by newer frames).
    void senderEnded(std::uint32_t index);
    // Hands one frame to the sinks (queued, or written at once). False when every output
    // failed or the queue was closed: the caller stops delivering.
    bool deliver(Frame frame);
    // Waits until every queued frame is written and the outputs are closed (idempotent).
    void join();

    // A sink asked to end the stream (the window's q or Esc, or the last window was closed).
    bool endRequested() const { return endRequested_; }
    // Every output has failed.
    bool failed() const { return allFailed_; }
    // Frames that reached the outputs (after decoding; not those dropped before).
    std::uint64_t framesWritten() const { return written_; }
    // After join(): one report per output, in -o order.
    std::vector<OutputReport> reports() const;

private:
    struct Slot {
        sink::Output output;
        OutputReport report;
        bool done = false;  // failed or ended: takes no more frames
        bool closed = false;
        bool perSender = false;
        bool everySender = false;  // shared, and takes the frames of every sender (http)
        std::uint32_t sender = 0;  // per-sender: its sender; shared: the one it takes
        bool toldOthers = false;   // the warning about another sender's frames was given
    };
    // What the writing thread knows of one sender.
    struct SenderOutputs {
        bool opened = false;
        FrameShape lastShape;
        std::vector<std::size_t> slots;  // its per-sender outputs
    };
    struct SenderInfo {
        std::string name;
        std::string peer;
    };
    // A sender that ended its stream, and how many frames the queue held ahead of the news.
    struct PendingEnd {
        std::uint32_t sender;
        std::size_t framesAhead;
    };

    void run();
    void writeGuarded(const Frame& frame) noexcept;
    void write(const Frame& frame);
    std::optional<Frame> decodeForSinks(const Frame& frame);
    bool needsPixels(std::uint32_t sender) const;
    void openShared(const Frame& first);
    void openForSender(const Frame& first);
    void openSlot(std::size_t index, const sink::StreamInfo& info);
    sink::StreamInfo streamInfo(const Frame& first, const SenderInfo& sender) const;
    SenderInfo senderInfo(std::uint32_t index);
    void tellEverySenderOutputs(std::uint32_t index);
    void refuseOtherSender(Slot& slot, std::uint32_t sender);
    void closeSender(std::uint32_t index) noexcept;
    void finishEndedSenders(std::vector<PendingEnd>& pending);
    void userClosed(std::size_t index);
    void failOutput(Slot& slot, const std::string& why);
    void closeOutput(std::size_t index) noexcept;
    void closeAll() noexcept;
    void tellWhileFinishing(std::mutex& mutex, std::condition_variable& finished, bool& done);

    std::vector<Slot> slots_;  // grows on the writing thread, under slotsMutex_
    mutable std::mutex slotsMutex_;
    const std::vector<std::string> perSender_;
    std::vector<SenderOutputs> senderOutputs_;  // only the writing thread
    BoundedQueue<Frame>& queue_;
    const double outputFps_;
    StreamStats& stats_;
    const std::atomic<bool>& stopSignal_;
    const bool writeInline_;
    const sink::VideoSettings video_;
    std::unique_ptr<codec::JpegDecoder> decoder_;  // made for the first JPEG frame
    LimitedWarning decodeFailures_;
    bool sharedOpened_ = false;  // only the writing thread
    bool closed_ = false;
    std::mutex sendersMutex_;
    std::vector<SenderInfo> senders_;  // by index, set by addSender()
    // Senders that ended (senderEnded()), not yet taken by the writing thread.
    std::vector<std::uint32_t> ended_;
    std::atomic<bool> endRequested_{false};
    std::atomic<bool> allFailed_{false};
    std::atomic<std::uint64_t> written_{0};
    std::atomic<std::size_t> current_{0};  // the output being written or closed
    std::thread thread_;
};

}  // namespace ng::pipeline
