// StreamStats: the counters behind --stats and --summary, shared between threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace ng {

struct StatsSnapshot {
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t dropped = 0;
    std::uint64_t errors = 0;
    std::uint64_t refused = 0;  // connections refused by the receiver's access check
    std::uint64_t duplicates = 0;  // frames received again and dropped (a sender's resend)
    double seconds = 0;
    double fps() const { return seconds > 0 ? static_cast<double>(frames) / seconds : 0; }
};

// Latency percentiles in milliseconds (valid only when count > 0).
struct LatencySummary {
    std::size_t count = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
};

class StreamStats {
public:
    // `seconds` runs from the first frame to the latest, so waiting for the peer does not
    // count against fps.
    StreamStats() = default;

    void addFrame(std::size_t bytes);
    void addDropped(std::uint64_t count) { dropped_ += count; }
    void addError() { ++errors_; }
    void addDuplicate() { ++duplicates_; }
    // The access check's running count of refused connections (it counts them itself).
    void setRefused(std::uint64_t count) { refused_ = count; }
    // Capture-to-receive latency of one frame, in microseconds.
    void addLatency(std::int64_t micros);

    StatsSnapshot snapshot() const;
    LatencySummary latency() const;

private:
    std::atomic<std::uint64_t> frames_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> errors_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::uint64_t> duplicates_{0};
    std::atomic<std::int64_t> firstFrameNs_{0};
    std::atomic<std::int64_t> lastFrameNs_{0};

    mutable std::mutex latencyMutex_;
    std::vector<std::int64_t> latencySamples_;  // a bounded reservoir (see addLatency)
    std::uint64_t latencySeen_ = 0;
};

// Prints one status line a second to stderr ("fps, MB/s, frames, drops") on its own
// thread, from construction until destruction. `more`, when given, is called on that thread
// for text appended to each line after ", ".
class StatsReporter {
public:
    StatsReporter(const StreamStats& stats, std::string label,
                  std::function<std::string()> more = {});
    ~StatsReporter();
    StatsReporter(const StatsReporter&) = delete;
    StatsReporter& operator=(const StatsReporter&) = delete;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Extra summary fields, each a name and an already-encoded JSON value.
using JsonFields = std::vector<std::pair<std::string, std::string>>;
std::string jsonString(const std::string& text);
std::string jsonNumber(double value);

// The --summary object (frames, bytes, seconds, fps, dropped, errors, refused, then
// `extras`) on one line, without a newline: what writeSummary() writes and -o http:// serves.
std::string summaryJson(const StatsSnapshot& snapshot, const JsonFields& extras);

// Writes the --summary object (frames, bytes, seconds, fps, dropped, errors, refused, then
// `extras`) to `path`, or to stderr for "-". Throws std::runtime_error naming the file.
void writeSummary(const std::string& path, const StatsSnapshot& snapshot,
                  const JsonFields& extras);
// Writes an object summaryJson() made, as writeSummary() does.
void writeSummaryJson(const std::string& path, const std::string& object);

}  // namespace ng
