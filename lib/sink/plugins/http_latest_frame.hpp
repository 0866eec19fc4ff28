// LatestFrame: one sender's newest frame for the HTTP output's viewers (µStreamer's model).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "core/bytes.hpp"
#include "core/frame.hpp"

namespace ng::sink::http {

// One received frame as viewers get it. Viewers share it (std::shared_ptr), so it lives as
// long as one of them is still sending it: a stalled viewer holds one frame at most.
class ServedFrame {
public:
    // Makes a Jpeg frame of a raw one; may throw.
    using Encode = std::function<Frame(const Frame& raw)>;

    ServedFrame(Frame frame, std::uint64_t version)
        : frame_(std::move(frame)), version_(version) {}

    const Frame& frame() const { return frame_; }
    // Counts frames published to this sender's LatestFrame, from 1.
    std::uint64_t version() const { return version_; }

    // The frame as JPEG bytes: a Jpeg frame's as received; a raw frame's from `encode`,
    // called by the first viewer to ask and shared with the others, so each frame is
    // encoded once at most, and only when someone watches. Throws what `encode` throws.
    ByteView jpeg(const Encode& encode);

private:
    const Frame frame_;
    const std::uint64_t version_;
    std::mutex mutex_;
    std::optional<Frame> encoded_;
};

// The newest frame of one sender. One writer publishes; any number of viewers wait for a
// frame newer than the one they sent last. Publishing never waits for a viewer: a slow
// viewer skips to the newest frame when it is ready for one.
class LatestFrame {
public:
    void publish(Frame frame);

    // The newest frame; nullptr before the first.
    std::shared_ptr<ServedFrame> newest() const;

    // Waits up to `timeout` for a frame of a version above `seen`. nullptr on timeout or
    // after close().
    std::shared_ptr<ServedFrame> waitNewer(std::uint64_t seen, std::chrono::milliseconds timeout);

    // Wakes every waiting viewer; no frame comes after.
    void close();
    bool closed() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::shared_ptr<ServedFrame> newest_;
    std::uint64_t version_ = 0;
    bool closed_ = false;
};

}  // namespace ng::sink::http
