// The output side of ngrecv: queue -> every sink, with finalisation guaranteed.
#include "pipeline/sink_thread.hpp"

#include <spdlog/spdlog.h>

namespace ng::pipeline {

SinkThread::SinkThread(std::vector<std::unique_ptr<sink::Sink>> sinks, BoundedQueue<Frame>& queue,
                       double outputFps)
    : sinks_(std::move(sinks)), queue_(queue) {
    thread_ = std::thread([this, outputFps] { run(outputFps); });
}

SinkThread::~SinkThread() { join(); }

void SinkThread::join() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
}

void SinkThread::setPeer(const std::string& peer) {
    std::lock_guard<std::mutex> lock(peerMutex_);
    peer_ = peer;
}

void SinkThread::openAll(const Frame& first, double outputFps) {
    sink::StreamInfo info;
    info.shape = first.shape;
    info.fps = outputFps;
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

void SinkThread::run(double outputFps) {
    bool opened = false;
    FrameShape lastShape;
    try {
        while (std::optional<Frame> frame = queue_.pop()) {
            if (endRequested_) continue;  // drain without writing once a sink said stop
            if (!opened) {
                openAll(*frame, outputFps);
                opened = true;
            } else if (frame->shape != lastShape) {
                // Typically a sender restarted with another --size.
                spdlog::info("frames changed from {}x{}x{} to {}x{}x{}; video, y4m and raw "
                             "outputs scale them to the first size",
                             lastShape.width, lastShape.height, lastShape.channels,
                             frame->shape.width, frame->shape.height, frame->shape.channels);
            }
            lastShape = frame->shape;
            for (auto& sink : sinks_) {
                if (!sink->write(*frame)) endRequested_ = true;
            }
            ++written_;
        }
    } catch (...) {
        error_ = std::current_exception();
        failed_ = true;
        queue_.close();  // the receive loop sees failed() and stops feeding us
    }
    closeAll();
}

void SinkThread::closeAll() noexcept {
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
