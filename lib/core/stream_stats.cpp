// StreamStats counters, the once-a-second status line and the --summary JSON writer.
#include "core/stream_stats.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>

namespace ng {

namespace {

// Enough samples for a stable p99 while memory stays fixed on endless streams.
constexpr std::size_t kLatencyReservoir = 65536;

std::int64_t steadyNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               SteadyClock::now().time_since_epoch())
        .count();
}

double percentile(std::vector<std::int64_t> sorted, double fraction) {
    const std::size_t index = static_cast<std::size_t>(
        std::min<double>(static_cast<double>(sorted.size() - 1),
                         std::floor(fraction * static_cast<double>(sorted.size()))));
    return static_cast<double>(sorted[index]) / 1000.0;
}

}  // namespace

void StreamStats::addFrame(std::size_t bytes) {
    const std::int64_t now = steadyNanos();
    std::int64_t unset = 0;
    firstFrameNs_.compare_exchange_strong(unset, now);
    lastFrameNs_.store(now);
    bytes_ += bytes;
    ++frames_;
}

void StreamStats::addLatency(std::int64_t micros) {
    std::lock_guard<std::mutex> lock(latencyMutex_);
    ++latencySeen_;
    if (latencySamples_.size() < kLatencyReservoir) {
        latencySamples_.push_back(micros);
        return;
    }
    // Reservoir sampling keeps a uniform sample of the whole stream in fixed memory.
    thread_local std::minstd_rand random{12345};
    const std::uint64_t slot = random() % latencySeen_;
    if (slot < kLatencyReservoir) latencySamples_[slot] = micros;
}

StatsSnapshot StreamStats::snapshot() const {
    StatsSnapshot s;
    s.frames = frames_.load();
    s.bytes = bytes_.load();
    s.dropped = dropped_.load();
    s.errors = errors_.load();
    s.refused = refused_.load();
    s.duplicates = duplicates_.load();
    const std::int64_t first = firstFrameNs_.load();
    if (first != 0) s.seconds = static_cast<double>(lastFrameNs_.load() - first) / 1e9;
    return s;
}

LatencySummary StreamStats::latency() const {
    std::vector<std::int64_t> samples;
    {
        std::lock_guard<std::mutex> lock(latencyMutex_);
        samples = latencySamples_;
    }
    LatencySummary summary;
    summary.count = samples.size();
    if (samples.empty()) return summary;
    std::sort(samples.begin(), samples.end());
    summary.p50Ms = percentile(samples, 0.50);
    summary.p99Ms = percentile(samples, 0.99);
    summary.maxMs = static_cast<double>(samples.back()) / 1000.0;
    return summary;
}

struct StatsReporter::Impl {
    Impl(const StreamStats& s, std::string l, std::function<std::string()> m)
        : stats(s), label(std::move(l)), more(std::move(m)) {}

    const StreamStats& stats;
    std::string label;
    std::function<std::string()> more;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    std::thread thread;

    void run() {
        StatsSnapshot previous = stats.snapshot();
        auto previousTime = SteadyClock::now();
        std::unique_lock<std::mutex> lock(mutex);
        while (!wake.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; })) {
            const StatsSnapshot now = stats.snapshot();
            const auto nowTime = SteadyClock::now();
            const double dt = std::chrono::duration<double>(nowTime - previousTime).count();
            const double fps = static_cast<double>(now.frames - previous.frames) / dt;
            const double mbps = static_cast<double>(now.bytes - previous.bytes) / dt / 1e6;
            const std::string extra = more ? ", " + more() : std::string();
            std::fprintf(stderr,
                         "%s: %.1f fps, %.1f MB/s, %llu frames, %llu dropped, %llu errors, %llu "
                         "refused%s\n",
                         label.c_str(), fps, mbps, static_cast<unsigned long long>(now.frames),
                         static_cast<unsigned long long>(now.dropped),
                         static_cast<unsigned long long>(now.errors),
                         static_cast<unsigned long long>(now.refused), extra.c_str());
            // Only a receiver of resent frames has any: other lines keep their old shape.
            if (now.duplicates > 0) {
                std::fprintf(stderr, "%s: %llu duplicates dropped\n", label.c_str(),
                             static_cast<unsigned long long>(now.duplicates));
            }
            previous = now;
            previousTime = nowTime;
        }
    }
};

StatsReporter::StatsReporter(const StreamStats& stats, std::string label,
                             std::function<std::string()> more)
    : impl_(std::make_unique<Impl>(stats, std::move(label), std::move(more))) {
    impl_->thread = std::thread([this] { impl_->run(); });
}

StatsReporter::~StatsReporter() {
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    impl_->thread.join();
}

std::string jsonString(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                    out += escaped;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string jsonNumber(double value) {
    if (!std::isfinite(value)) return "null";
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

std::string summaryJson(const StatsSnapshot& s, const JsonFields& extras) {
    std::ostringstream json;
    json << "{\"frames\": " << s.frames << ", \"bytes\": " << s.bytes
         << ", \"seconds\": " << jsonNumber(s.seconds) << ", \"fps\": " << jsonNumber(s.fps())
         << ", \"dropped\": " << s.dropped << ", \"errors\": " << s.errors
         << ", \"refused\": " << s.refused;
    for (const auto& [name, value] : extras) json << ", " << jsonString(name) << ": " << value;
    json << "}";
    return json.str();
}

void writeSummary(const std::string& path, const StatsSnapshot& s, const JsonFields& extras) {
    writeSummaryJson(path, summaryJson(s, extras));
}

void writeSummaryJson(const std::string& path, const std::string& object) {
    const std::string json = object + "\n";
    if (path == "-") {
        std::fputs(json.c_str(), stderr);
        return;
    }
    std::ofstream file(path, std::ios::trunc);
    file << json;
    file.close();
    if (!file) {
        throw std::runtime_error("cannot write --summary file '" + path +
                                 "' (does its folder exist and is it writable?)");
    }
}

}  // namespace ng
