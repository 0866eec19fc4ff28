// The output side of ngrecv: frames -> every sink, with finalisation guaranteed.
#include "pipeline/sink_thread.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace ng::pipeline {

namespace {
// Decode failures logged one by one; later ones are only counted (and told at the end).
constexpr std::uint64_t kDecodeFailuresLogged = 5;

bool allWriteInstantly(const std::vector<std::unique_ptr<sink::Sink>>& sinks) {
    return std::all_of(sinks.begin(), sinks.end(),
                       [](const auto& sink) { return sink->writesInstantly(); });
}

bool anyNeedsPixels(const std::vector<std::unique_ptr<sink::Sink>>& sinks) {
    return std::any_of(sinks.begin(), sinks.end(),
                       [](const auto& sink) { return !sink->takesJpeg(); });
}
}  // namespace

SinkThread::SinkThread(std::vector<std::unique_ptr<sink::Sink>> sinks, BoundedQueue<Frame>& queue,
                       double outputFps, StreamStats& stats)
    : sinks_(std::move(sinks)),
      queue_(queue),
      outputFps_(outputFps),
      stats_(stats),
      writeInline_(allWriteInstantly(sinks_)),
      needsPixels_(anyNeedsPixels(sinks_)) {
    if (!writeInline_) thread_ = std::thread([this] { run(); });
}

SinkThread::~SinkThread() { join(); }

void SinkThread::join() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
    if (writeInline_ && !closed_) closeAll();
}

void SinkThread::setPeer(const std::string& peer) {
    std::lock_guard<std::mutex> lock(peerMutex_);
    peer_ = peer;
}

bool SinkThread::deliver(Frame frame) {
    if (!writeInline_) return queue_.push(std::move(frame));
    if (failed_) return false;
    try {
        write(frame);
    } catch (...) {
        fail(std::current_exception());
    }
    return !failed_;
}

void SinkThread::openAll(const Frame& first) {
    sink::StreamInfo info;
    info.shape = first.shape;
    // --output-fps wins; else the sender's pace, kept in real time; else one frame per slot.
    info.realTime = outputFps_ <= 0 && first.nominalFps > 0 && first.captureTimeUs != 0;
    if (outputFps_ > 0) info.fps = outputFps_;
    if (info.realTime) info.fps = first.nominalFps;
    {
        std::lock_guard<std::mutex> lock(peerMutex_);
        info.peer = peer_;
    }
    for (auto& sink : sinks_) {
        sink->open(info);
        spdlog::info("writing {}x{} frames to {}", info.shape.width, info.shape.height,
                     sink->describe());
    }
}

std::optional<Frame> SinkThread::decodeForSinks(const Frame& frame) {
    if (!decoder_) decoder_ = std::make_unique<codec::JpegDecoder>();
    try {
        return decoder_->decode(frame);
    } catch (const codec::JpegError& e) {
        stats_.addError();
        if (++decodeFailures_ <= kDecodeFailuresLogged) {
            spdlog::warn("skipped a frame that does not decode: {}", e.what());
        }
        return std::nullopt;
    }
}

void SinkThread::write(const Frame& frame) {
    if (endRequested_) return;  // drain without writing once a sink said stop
    std::optional<Frame> decoded;
    if (frame.codec != Codec::Raw && needsPixels_) {
        decoded = decodeForSinks(frame);
        if (!decoded) return;
    }
    const Frame& pixels = decoded ? *decoded : frame;
    if (!opened_) {
        openAll(pixels);
        opened_ = true;
    } else if (frame.shape != lastShape_) {
        // Typically a sender restarted with another --size.
        spdlog::info("frames changed from {}x{}x{} to {}x{}x{}; video, y4m and raw outputs "
                     "scale them to the first size",
                     lastShape_.width, lastShape_.height, lastShape_.channels, frame.shape.width,
                     frame.shape.height, frame.shape.channels);
    }
    lastShape_ = frame.shape;
    for (auto& sink : sinks_) {
        if (!sink->write(sink->takesJpeg() ? frame : pixels)) endRequested_ = true;
    }
    ++written_;
}

void SinkThread::fail(std::exception_ptr error) {
    error_ = error;
    failed_ = true;
    queue_.close();  // the receive loop sees failed() and stops feeding us
}

void SinkThread::run() {
    try {
        while (std::optional<Frame> frame = queue_.pop()) write(*frame);
    } catch (...) {
        fail(std::current_exception());
    }
    closeAll();
}

void SinkThread::closeAll() noexcept {
    closed_ = true;
    if (decodeFailures_ > kDecodeFailuresLogged) {
        spdlog::warn("{} frames in all did not decode and were skipped", decodeFailures_);
    }
    for (auto& sink : sinks_) {
        try {
            sink->close();
        } catch (const std::exception& e) {
            spdlog::error("closing {}: {}", sink->describe(), e.what());
            if (!error_) error_ = std::current_exception();
            failed_ = true;
        }
    }
}

}  // namespace ng::pipeline
