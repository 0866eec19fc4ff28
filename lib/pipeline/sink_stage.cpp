// The output side of ngrecv: frames -> every sink, with finalisation guaranteed.
#include "pipeline/sink_stage.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <system_error>

#include "pipeline/frame_queue.hpp"

namespace ng::pipeline {

namespace {
// Decode failures logged one by one; later ones are only counted (and told at the end).
constexpr std::uint64_t kDecodeFailuresLogged = 5;
// Finishing that takes longer than this after a Ctrl-C is told, so that the user knows
// the first Ctrl-C was heard; quick endings stay quiet.
constexpr std::chrono::milliseconds kFinishingNoticeDelay{300};

void tellDecodeFailures(std::uint64_t /*skipped*/, std::uint64_t total) {
    spdlog::warn("{} frames in all did not decode and were skipped", total);
}

bool allWriteInstantly(const std::vector<sink::Output>& outputs) {
    return std::all_of(outputs.begin(), outputs.end(),
                       [](const auto& output) { return output.sink->writesInstantly(); });
}
}  // namespace

namespace {
// The files a video output wrote: path, frames stored, bytes, and whether --keep removed it.
std::string segmentsJson(const std::vector<sink::RecordedSegment>& segments) {
    std::string json = "[";
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const sink::RecordedSegment& s = segments[i];
        json += fmt::format("{}{{\"path\": {}, \"frames\": {}, \"bytes\": {}, \"deleted\": {}}}",
                            i ? ", " : "", jsonString(s.path), s.frames, s.bytes,
                            s.deleted ? "true" : "false");
    }
    return json + "]";
}
}  // namespace

std::string outputsJson(const std::vector<OutputReport>& reports) {
    std::string json = "[";
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const OutputReport& r = reports[i];
        json += fmt::format(
            "{}{{\"spec\": {}, \"kind\": {}, \"sender\": {}, \"written\": {}, "
            "\"refused\": {}, \"other_senders\": {}, \"dropped_for_rate\": {}, "
            "\"repeated_for_rate\": {}, \"failed\": {}, \"error\": {}, "
            "\"closed_by_user\": {}{}}}",
            i ? ", " : "", jsonString(r.spec), jsonString(r.kind), jsonString(r.sender), r.written,
            r.refused, r.otherSenders, r.droppedForRate, r.repeatedForRate,
            r.failed ? "true" : "false", jsonString(r.error), r.closedByUser ? "true" : "false",
            r.kind == "video" ? ", \"segments\": " + segmentsJson(r.segments) : std::string());
    }
    return json + "]";
}

SinkStage::SinkStage(std::vector<sink::Output> outputs, std::vector<std::string> perSender,
                     BoundedQueue<Frame>& queue, double outputFps, StreamStats& stats,
                     const std::atomic<bool>& stopSignal, const sink::VideoSettings& video)
    : perSender_(std::move(perSender)),
      queue_(queue),
      outputFps_(outputFps),
      stats_(stats),
      stopSignal_(stopSignal),
      // Per-sender outputs are files and windows: none writes instantly, and most need
      // pixels (what each takes is known only once it is made).
      writeInline_(perSender_.empty() && allWriteInstantly(outputs)),
      video_(video),
      decodeFailures_("skipped a frame that does not decode", kDecodeFailuresLogged,
                      std::chrono::seconds(0), tellDecodeFailures) {
    for (sink::Output& output : outputs) {
        Slot slot;
        slot.report.spec = output.spec;
        slot.report.kind = output.kind;
        slot.everySender = output.sink->takesEverySender();
        slot.output = std::move(output);
        slots_.push_back(std::move(slot));
    }
    if (!writeInline_) thread_ = std::thread([this] { run(); });
}

SinkStage::~SinkStage() { join(); }

void SinkStage::join() {
    queue_.close();
    const bool finishing = thread_.joinable() || (writeInline_ && !closed_);
    if (!finishing) return;
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    std::thread notice;
    try {
        notice = std::thread([&] { tellWhileFinishing(mutex, finished, done); });
    } catch (const std::system_error&) {
        // No thread to spare (we may be in a destructor): finish without the notice.
    }
    if (thread_.joinable()) thread_.join();
    if (writeInline_ && !closed_) closeAll();
    {
        std::lock_guard<std::mutex> lock(mutex);
        done = true;
    }
    finished.notify_one();
    if (notice.joinable()) notice.join();
}

void SinkStage::tellWhileFinishing(std::mutex& mutex, std::condition_variable& finished,
                                   bool& done) {
    std::unique_lock<std::mutex> lock(mutex);
    std::size_t told = SIZE_MAX;
    while (!finished.wait_for(lock, kFinishingNoticeDelay, [&] { return done; })) {
        if (!stopSignal_) continue;
        const std::size_t index = current_;
        std::string spec;
        {
            std::lock_guard<std::mutex> slotsLock(slotsMutex_);
            if (index == told || index >= slots_.size()) continue;
            spec = slots_[index].report.spec;
        }
        told = index;
        spdlog::warn("finishing {}… press Ctrl-C again to abort", spec);
    }
}

void SinkStage::addSender(std::uint32_t index, const std::string& name, const std::string& peer) {
    std::lock_guard<std::mutex> lock(sendersMutex_);
    if (senders_.size() <= index) senders_.resize(index + 1);
    senders_[index] = {name, peer};
}

SinkStage::SenderInfo SinkStage::senderInfo(std::uint32_t index) {
    std::lock_guard<std::mutex> lock(sendersMutex_);
    return index < senders_.size() ? senders_[index] : SenderInfo{};
}

void SinkStage::senderEnded(std::uint32_t index) {
    if (writeInline_) {
        closeSender(index);
        return;
    }
    if (perSender_.empty()) return;  // only per-sender outputs close early
    // Not a sign in the queue: a --latest queue would let it take a frame's place, or lose it.
    std::lock_guard<std::mutex> lock(sendersMutex_);
    ended_.push_back(index);
}

bool SinkStage::deliver(Frame frame) {
    if (!writeInline_) return queue_.push(std::move(frame));
    writeGuarded(frame);
    return !allFailed_;
}

void SinkStage::writeGuarded(const Frame& frame) noexcept {
    try {
        write(frame);
    } catch (const std::exception& e) {
        // Not a sink's own error (those are caught per output) but one on the way to all
        // of them, such as memory running out: no output can go on.
        for (Slot& slot : slots_) {
            if (!slot.done) failOutput(slot, e.what());
        }
        allFailed_ = true;
    }
}

std::vector<OutputReport> SinkStage::reports() const {
    std::lock_guard<std::mutex> lock(slotsMutex_);
    std::vector<OutputReport> reports;
    for (const Slot& slot : slots_) reports.push_back(slot.report);
    return reports;
}

sink::StreamInfo SinkStage::streamInfo(const Frame& first, const SenderInfo& sender) const {
    sink::StreamInfo info;
    info.shape = first.shape;
    // --output-fps wins; else the sender's pace, kept in real time; else one frame per slot.
    info.realTime = outputFps_ <= 0 && first.nominalFps > 0 && first.captureTimeUs != 0;
    if (outputFps_ > 0) info.fps = outputFps_;
    if (info.realTime) info.fps = first.nominalFps;
    info.peer = sender.peer;
    info.codec = first.codec;
    return info;
}

void SinkStage::openSlot(std::size_t index, const sink::StreamInfo& info) {
    Slot& slot = slots_[index];
    current_ = index;
    try {
        slot.output.sink->open(info);
        spdlog::info("writing {}x{} frames to {}", info.shape.width, info.shape.height,
                     slot.output.sink->describe());
    } catch (const std::exception& e) {
        failOutput(slot, e.what());
    }
}

// The outputs shared by all senders belong to the sender of the first frame.
void SinkStage::openShared(const Frame& first) {
    const sink::StreamInfo info = streamInfo(first, senderInfo(first.sender));
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].perSender) continue;
        slots_[i].sender = first.sender;
        openSlot(i, info);
    }
}

// A window is titled with the sender's name; files are named after it.
void SinkStage::openForSender(const Frame& first) {
    const SenderInfo sender = senderInfo(first.sender);
    SenderOutputs& outputs = senderOutputs_[first.sender];
    sink::StreamInfo info = streamInfo(first, sender);
    info.peer = sender.peer.empty() || sender.peer == sender.name
                    ? sender.name
                    : sender.name + " (" + sender.peer + ")";
    for (const std::string& spec : perSender_) {
        Slot slot;
        slot.perSender = true;
        slot.sender = first.sender;
        slot.report.spec = sink::expandName(spec, sender.name);
        slot.report.sender = sender.name;
        slot.report.kind = sink::outputKind(slot.report.spec);
        std::string error;
        try {
            slot.output = sink::makeOutput(slot.report.spec, video_);
        } catch (const std::exception& e) {
            error = e.what();
        }
        {
            std::lock_guard<std::mutex> lock(slotsMutex_);
            slots_.push_back(std::move(slot));
        }
        const std::size_t index = slots_.size() - 1;
        outputs.slots.push_back(index);
        if (error.empty()) {
            openSlot(index, info);
        } else {
            failOutput(slots_[index], error);
        }
    }
}

// Outputs that take every sender learn each sender's name before its first frame.
void SinkStage::tellEverySenderOutputs(std::uint32_t index) {
    const SenderInfo sender = senderInfo(index);
    for (Slot& slot : slots_) {
        if (!slot.everySender || slot.done) continue;
        try {
            slot.output.sink->addSender(index, sender.name);
        } catch (const std::exception& e) {
            failOutput(slot, e.what());
        }
    }
}

void SinkStage::refuseOtherSender(Slot& slot, std::uint32_t sender) {
    ++slot.report.otherSenders;
    if (slot.toldOthers) return;
    slot.toldOthers = true;
    spdlog::warn(
        "output {} takes the frames of sender '{}' only: those of '{}' (and any other sender) "
        "are refused for it and counted, so that two streams do not mix in one output; put "
        "{{name}} in it for an output per sender (e.g. -o {{name}}.mkv)",
        slot.report.spec, senderInfo(slot.sender).name, senderInfo(sender).name);
}

void SinkStage::closeSender(std::uint32_t index) noexcept {
    if (index >= senderOutputs_.size()) return;
    for (const std::size_t slot : senderOutputs_[index].slots) {
        slots_[slot].done = true;
        closeOutput(slot);
    }
}

std::optional<Frame> SinkStage::decodeForSinks(const Frame& frame) {
    if (!decoder_) decoder_ = std::make_unique<codec::JpegDecoder>();
    try {
        return decoder_->decode(frame);  // keeps the sender, for {name} outputs
    } catch (const codec::JpegError& e) {
        stats_.addError();
        decodeFailures_.warn(e.what());
        return std::nullopt;
    }
}

bool SinkStage::needsPixels(std::uint32_t sender) const {
    return std::any_of(slots_.begin(), slots_.end(), [&](const Slot& slot) {
        return (slot.sender == sender || slot.everySender) && !slot.done && slot.output.sink &&
               !slot.output.sink->takesJpeg();
    });
}

// The outputs of the senders that ended are finalised once every frame the queue held when
// the news came has been written, or replaced by a newer one: only frames sent after the end
// could follow, and there are none.
void SinkStage::finishEndedSenders(std::vector<PendingEnd>& pending) {
    {
        std::lock_guard<std::mutex> lock(sendersMutex_);
        // Counted after taking the news: a sender's last frame was queued before its end.
        const std::size_t queued = queue_.size();
        for (const std::uint32_t sender : ended_) pending.push_back({sender, queued});
        ended_.clear();
    }
    const bool drained = queue_.size() == 0;
    auto due = [&](const PendingEnd& end) { return drained || end.framesAhead == 0; };
    for (const PendingEnd& end : pending) {
        if (due(end)) closeSender(end.sender);
    }
    pending.erase(std::remove_if(pending.begin(), pending.end(), due), pending.end());
}

void SinkStage::write(const Frame& frame) {
    // Outputs open with the frame as it came: its shape is the picture's also when it is a
    // JPEG, and a video file learns that it may store the JPEGs as they are.
    if (!sharedOpened_) {
        openShared(frame);
        sharedOpened_ = true;
    }
    if (senderOutputs_.size() <= frame.sender) senderOutputs_.resize(frame.sender + 1);
    SenderOutputs& sender = senderOutputs_[frame.sender];
    if (!sender.opened) {
        tellEverySenderOutputs(frame.sender);
        openForSender(frame);
        sender.opened = true;
    } else if (frame.shape != sender.lastShape) {
        // Typically a sender restarted with another --size.
        spdlog::info(
            "frames changed from {}x{}x{} to {}x{}x{}; video, y4m and raw outputs "
            "scale them to the first size",
            sender.lastShape.width, sender.lastShape.height, sender.lastShape.channels,
            frame.shape.width, frame.shape.height, frame.shape.channels);
    }
    sender.lastShape = frame.shape;
    std::optional<Frame> decoded;
    if (frame.codec != Codec::Raw && needsPixels(frame.sender)) {
        decoded = decodeForSinks(frame);
        if (!decoded) return;
    }
    const Frame& pixels = decoded ? *decoded : frame;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (slot.sender != frame.sender && !slot.everySender) {
            if (!slot.perSender) refuseOtherSender(slot, frame.sender);
            continue;
        }
        if (slot.done) {
            ++slot.report.refused;
            continue;
        }
        current_ = i;
        sink::Sink& sink = *slot.output.sink;
        try {
            const bool goOn = sink.write(sink.takesJpeg() ? frame : pixels);
            ++slot.report.written;
            if (!goOn) userClosed(i);
        } catch (const std::exception& e) {
            ++slot.report.refused;
            failOutput(slot, e.what());
        }
    }
    ++written_;
}

void SinkStage::userClosed(std::size_t index) {
    Slot& slot = slots_[index];
    slot.done = true;
    slot.report.closedByUser = true;
    const bool alone = slot.output.sink->closedAlone();
    closeOutput(index);
    const bool windowLeft = std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) {
        return !s.done && s.report.kind == "window";
    });
    if (alone && windowLeft) {
        spdlog::info(
            "the window of '{}' was closed: its frames are refused for it from now on (and "
            "counted), the other outputs go on",
            slot.report.sender.empty() ? "sender" : slot.report.sender);
        return;
    }
    if (alone) {
        spdlog::info("the last window was closed: the stream ends, other outputs are finished");
    }
    // The queued frames still reach the other outputs.
    endRequested_ = true;
}

void SinkStage::failOutput(Slot& slot, const std::string& why) {
    slot.done = true;
    slot.report.failed = true;
    slot.report.error = why;
    stats_.addError();
    const bool othersLeft =
        std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.done; });
    spdlog::error("output {} failed: {}; it gets no more frames{}", slot.report.spec, why,
                  othersLeft ? ", the other outputs go on" : "");
    closeOutput(static_cast<std::size_t>(&slot - slots_.data()));
    if (std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.report.failed; })) {
        allFailed_ = true;
    }
}

void SinkStage::closeOutput(std::size_t index) noexcept {
    Slot& slot = slots_[index];
    if (slot.closed) return;
    slot.closed = true;
    current_ = index;
    if (!slot.output.sink) return;  // it could not be made
    slot.report.droppedForRate = slot.output.sink->framesDroppedForRate();
    slot.report.repeatedForRate = slot.output.sink->framesRepeatedForRate();
    try {
        slot.output.sink->close();
        slot.report.segments = slot.output.sink->segments();
    } catch (const std::exception& e) {
        slot.report.segments = slot.output.sink->segments();
        if (slot.report.failed) {
            // Closing what already failed frees its resources; the first error is the news.
            spdlog::debug("closing {} after its failure: {}", slot.report.spec, e.what());
            return;
        }
        slot.done = true;
        slot.report.failed = true;
        slot.report.error = std::string("finishing it failed: ") + e.what();
        stats_.addError();
        spdlog::error("output {} failed: {}", slot.report.spec, slot.report.error);
    }
}

void SinkStage::run() {
    std::vector<PendingEnd> pending;
    for (;;) {
        // Timed, so that a sender's end is acted on while no frame comes.
        if (std::optional<Frame> frame = queue_.pop(kPollInterval)) {
            writeGuarded(*frame);
            for (PendingEnd& end : pending) {
                if (end.framesAhead > 0) --end.framesAhead;
            }
        } else if (queue_.closed() && queue_.size() == 0) {
            break;
        }
        finishEndedSenders(pending);
    }
    closeAll();
}

void SinkStage::closeAll() noexcept {
    closed_ = true;
    decodeFailures_.flush();
    for (std::size_t i = 0; i < slots_.size(); ++i) closeOutput(i);
}

}  // namespace ng::pipeline
