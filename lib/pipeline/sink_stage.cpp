// The output side of ngrecv: frames -> every sink, with finalisation guaranteed.
#include "pipeline/sink_stage.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <system_error>

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

bool anyNeedsPixels(const std::vector<sink::Output>& outputs) {
    return std::any_of(outputs.begin(), outputs.end(),
                       [](const auto& output) { return !output.sink->takesJpeg(); });
}
}  // namespace

SinkStage::SinkStage(std::vector<sink::Output> outputs, std::vector<std::string> perSender,
                     BoundedQueue<Frame>& queue, double outputFps, StreamStats& stats,
                     const std::atomic<bool>& stopSignal)
    : perSender_(std::move(perSender)),
      queue_(queue),
      outputFps_(outputFps),
      stats_(stats),
      stopSignal_(stopSignal),
      // Per-sender outputs are files and windows: none writes instantly, and most need
      // pixels (what each takes is known only once it is made).
      writeInline_(perSender_.empty() && allWriteInstantly(outputs)),
      needsPixels_(!perSender_.empty() || anyNeedsPixels(outputs)),
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
    // A frame without pixels is the sign, queued behind that sender's last frames.
    Frame marker;
    marker.sender = index;
    queue_.push(std::move(marker));
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
            slot.output = sink::makeOutput(slot.report.spec);
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
        return decoder_->decode(frame);
    } catch (const codec::JpegError& e) {
        stats_.addError();
        decodeFailures_.warn(e.what());
        return std::nullopt;
    }
}

void SinkStage::write(const Frame& frame) {
    if (frame.empty()) {
        closeSender(frame.sender);  // senderEnded()'s sign
        return;
    }
    std::optional<Frame> decoded;
    if (frame.codec != Codec::Raw && needsPixels_) {
        decoded = decodeForSinks(frame);
        if (!decoded) return;
    }
    const Frame& pixels = decoded ? *decoded : frame;
    if (!sharedOpened_) {
        openShared(pixels);
        sharedOpened_ = true;
    }
    if (senderOutputs_.size() <= frame.sender) senderOutputs_.resize(frame.sender + 1);
    SenderOutputs& sender = senderOutputs_[frame.sender];
    if (!sender.opened) {
        tellEverySenderOutputs(frame.sender);
        openForSender(pixels);
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
            if (!goOn) {
                // The window's own log line says why; the other outputs take what is queued.
                slot.done = true;
                endRequested_ = true;
                closeOutput(i);
            }
        } catch (const std::exception& e) {
            ++slot.report.refused;
            failOutput(slot, e.what());
        }
    }
    ++written_;
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
    } catch (const std::exception& e) {
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
    while (std::optional<Frame> frame = queue_.pop()) writeGuarded(*frame);
    closeAll();
}

void SinkStage::closeAll() noexcept {
    closed_ = true;
    decodeFailures_.flush();
    for (std::size_t i = 0; i < slots_.size(); ++i) closeOutput(i);
}

}  // namespace ng::pipeline
