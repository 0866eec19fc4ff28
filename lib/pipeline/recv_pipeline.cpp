// ngrecv's pipeline: socket -> this thread (answers, accounting) -> queue -> sink thread
// (or straight to the sinks when they all write instantly, as -o null does).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "cli/one_line.hpp"
#include "core/bounded_queue.hpp"
#include "core/errors.hpp"
#include "core/frame_allocations.hpp"
#include "core/logging.hpp"
#include "core/signals.hpp"
#include "core/stream_stats.hpp"
#include "pipeline/channel_config.hpp"
#include "pipeline/frame_accounting.hpp"
#include "pipeline/frame_queue.hpp"
#include "pipeline/guarded_run.hpp"
#include "pipeline/limited_warning.hpp"
#include "pipeline/reply_source.hpp"
#include "pipeline/run.hpp"
#include "pipeline/sink_stage.hpp"
#include "transport/channel.hpp"

namespace ng::pipeline {

namespace {

// Frames waiting for the sinks. Full means the sinks are slower than the stream, and the
// receiver then stops taking frames, which slows the sender (PAIR, REQ/REP, PUSH/PULL).
// With --latest the sinks get the newest frame, so the receiver never slows the stream down.
constexpr std::size_t kSinkQueueDepth = 8;
// At most this many invalid-message warnings a second; the rest are only counted.
constexpr int kInvalidLogsPerSecond = 5;

std::vector<std::string> chooseOutputs(const cli::RecvOptions& options) {
    if (!options.outputs.empty()) return options.outputs;
    const bool display = sink::displayAvailable();
    spdlog::debug("no -o given: {}", display ? "a display exists, opening a window"
                                             : "no display, counting frames (-o null)");
    return {display ? "window" : "null"};
}

std::unique_ptr<ReplySource> makeReplySource(const cli::RecvOptions& options) {
    if (options.hasReply) return ReplySource::fixed(options.reply);
    if (options.replyStdin) return ReplySource::fromStdin();
    return ReplySource::none();
}

struct ReceiveResult {
    bool terminated = false;
    std::exception_ptr failure;
    FrameShape lastShape;
    std::uint64_t lostInTransit = 0;  // gaps in the frame numbers
    std::uint64_t droppedLatest = 0;  // replaced in the queue by a newer frame (--latest)
    std::uint64_t refused = 0;        // frames over --max-frame-size, refused
    std::uint64_t cutOff = 0;         // senders cut off for a message too large to read
    std::string firstRefusal;         // why the first of those frames was refused
};

// The receive loop proper: runs until terminate, --frames, a signal, a sink asking to
// end, a sink failure, or a timeout (captured in the result, never thrown from here).
ReceiveResult receiveFrames(const cli::RecvOptions& options, transport::FrameReceiver& receiver,
                            SinkStage& sinks, BoundedQueue<Frame>& queue, StreamStats& stats,
                            bool dataToStderr, const std::atomic<bool>& stopSignal) {
    ReceiveResult result;
    FrameAccounting accounting(stats);
    LatestDrops drops(queue, stats, options.common.latest);
    // Over the limit, invalid messages are told in one line when the next second's first one
    // comes, or at the end.
    LimitedWarning invalidLog("skipped an invalid message", kInvalidLogsPerSecond,
                              std::chrono::seconds(1), [](std::uint64_t skipped, std::uint64_t) {
                                  spdlog::warn("{} more invalid messages skipped", skipped);
                              });
    // Frames refused for their size: the first ones are told, the rest counted.
    LimitedWarning tooLargeLog("refused", kInvalidLogsPerSecond, std::chrono::seconds(1),
                               [](std::uint64_t skipped, std::uint64_t) {
                                   spdlog::warn("{} more frames refused for their size", skipped);
                               });
    const auto timeout = std::chrono::duration<double>(options.common.timeoutSeconds);
    auto lastActivity = SteadyClock::now();
    long long frames = 0;
    bool first = true;
    try {
        while (!stopSignal && !sinks.endRequested() && !sinks.failed()) {
            std::optional<transport::Received> received = receiver.receive(kPollInterval);
            stats.setRefused(receiver.refusedPeers());
            if (!received) {
                if (timeout.count() > 0 && SteadyClock::now() - lastActivity > timeout) {
                    // Senders came but failed the handshake or the access check: say why.
                    const std::string problem = receiver.securityProblem();
                    if (!problem.empty()) {
                        throw std::runtime_error(fmt::format(
                            "no sender got through on {} within {:g} s: {}", receiver.endpoint(),
                            options.common.timeoutSeconds, problem));
                    }
                    throw TimeoutError(fmt::format(
                        "no message from a sender on {} within {:g} s (is ngsend running and "
                        "pointed here with the same --pattern and --protocol? --timeout 0 "
                        "waits forever)",
                        receiver.endpoint(), options.common.timeoutSeconds));
                }
                continue;
            }
            lastActivity = SteadyClock::now();
            if (received->kind == transport::Received::Kind::Terminate) {
                spdlog::info("the sender ended the stream");
                accounting.onStreamEnd(received->lastSeq);
                result.terminated = true;
                break;
            }
            if (received->kind == transport::Received::Kind::Invalid) {
                stats.addError();
                invalidLog.warn(received->error);
                continue;
            }
            if (received->kind == transport::Received::Kind::TooLarge) {
                stats.addError();
                accounting.onRefused(received->frame);
                if (result.firstRefusal.empty()) result.firstRefusal = received->error;
                tooLargeLog.warn(received->error);
                continue;
            }
            if (received->kind == transport::Received::Kind::CutOff) {
                // Each cut-off lost a message at least; the reason is the same each time.
                stats.addError();
                if (result.cutOff++ == 0) spdlog::warn("{}", received->error);
                if (result.firstRefusal.empty()) result.firstRefusal = received->error;
                continue;
            }
            Frame& frame = received->frame;
            accounting.onFrame(frame, wallClockMicros());
            result.lastShape = frame.shape;
            if (!frame.data.empty()) {
                std::FILE* out = dataToStderr ? stderr : stdout;
                std::fprintf(out, "%s\n", cli::oneLine(frame.data).c_str());
                std::fflush(out);
            }
            if (first) {
                sinks.setPeer(received->peer);
                first = false;
            }
            if (!sinks.deliver(std::move(frame))) break;  // a sink failed
            drops.update();
            if (options.common.frames > 0 && ++frames >= options.common.frames) {
                spdlog::info("reached --frames {}: ending the stream", options.common.frames);
                break;
            }
        }
    } catch (...) {
        result.failure = std::current_exception();
    }
    result.lostInTransit = accounting.lostInTransit();
    result.droppedLatest = drops.counted();
    result.refused = accounting.refused();
    return result;
}

// One JSON object per output: what it took and whether it failed.
std::string outputsJson(const std::vector<OutputReport>& reports) {
    std::string json = "[";
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const OutputReport& r = reports[i];
        json += fmt::format(
            "{}{{\"spec\": {}, \"kind\": {}, \"written\": {}, \"refused\": {}, "
            "\"dropped_for_rate\": {}, \"repeated_for_rate\": {}, \"failed\": {}, "
            "\"error\": {}}}",
            i ? ", " : "", jsonString(r.spec), jsonString(r.kind), r.written, r.refused,
            r.droppedForRate, r.repeatedForRate, r.failed ? "true" : "false", jsonString(r.error));
    }
    return json + "]";
}

// Fails at start-up, not after the stream, when the summary could not be written: creates
// the file (it is rewritten at the end) and removes it again if it was not there.
void checkSummaryWritable(const std::string& path) {
    if (path.empty() || path == "-") return;
    const bool existed = std::ifstream(path).good();
    if (!std::ofstream(path, std::ios::app)) {
        throw UsageError("cannot write --summary file '" + path +
                         "' (does its folder exist and is it writable?)");
    }
    if (!existed) std::remove(path.c_str());
}

// Frames that reached no output because of --max-frame-size are a partial failure: the
// exit code's reason (each was logged as it happened).
void throwIfFramesRefused(const ReceiveResult& result) {
    if (result.refused == 0 && result.cutOff == 0) return;
    std::string what;
    if (result.refused != 0) what = fmt::format("{} frame(s) refused", result.refused);
    if (result.cutOff != 0) {
        what += fmt::format("{}{} sender connection(s) cut off", what.empty() ? "" : " and ",
                            result.cutOff);
    }
    throw std::runtime_error(
        fmt::format("{} for exceeding --max-frame-size; the first: {}", what, result.firstRefusal));
}

// The exit code's reason when an output failed (each failure was logged as it happened).
// "N of M outputs failed: SPEC: reason; ...", or "" when none failed.
std::string describeFailedOutputs(const std::vector<OutputReport>& reports) {
    std::string failed;
    std::size_t count = 0;
    for (const OutputReport& r : reports) {
        if (!r.failed) continue;
        failed += (count++ ? "; " : "") + r.spec + ": " + r.error;
    }
    if (count == 0) return "";
    return fmt::format("{} of {} outputs failed: {}", count, reports.size(), failed);
}

void writeReceiverSummary(const cli::RecvOptions& options, const StreamStats& stats,
                          const transport::FrameReceiver& receiver, const ReceiveResult& result,
                          const std::vector<OutputReport>& outputs, std::uint64_t framesWritten) {
    if (options.common.summaryPath.empty()) return;
    JsonFields extras = {{"tool", jsonString("ngrecv")},
                         {"endpoint", jsonString(receiver.endpoint())},
                         {"pattern", jsonString(transport::patternName(options.common.pattern))},
                         {"outputs", outputsJson(outputs)},
                         {"terminated", result.terminated ? "true" : "false"},
                         {"width", std::to_string(result.lastShape.width)},
                         {"height", std::to_string(result.lastShape.height)},
                         {"channels", std::to_string(result.lastShape.channels)},
                         {"frames_written", std::to_string(framesWritten)},
                         {"dropped_in_transit", std::to_string(result.lostInTransit)},
                         {"dropped_latest", std::to_string(result.droppedLatest)},
                         {"dropped_refused", std::to_string(result.refused)},
                         {"cut_off", std::to_string(result.cutOff)}};
    const LatencySummary latency = stats.latency();
    if (latency.count > 0) {
        extras.emplace_back(
            "latency_ms",
            fmt::format("{{\"p50\": {}, \"p99\": {}, \"max\": {}}}", jsonNumber(latency.p50Ms),
                        jsonNumber(latency.p99Ms), jsonNumber(latency.maxMs)));
    }
    writeSummary(options.common.summaryPath, stats.snapshot(), extras);
}

int runReceiverBody(const cli::RecvOptions& options) {
    const std::atomic<bool>& stopSignal = installStopSignals();
    checkSummaryWritable(options.common.summaryPath);
    std::vector<sink::Output> outputs = sink::makeOutputs(chooseOutputs(options));
    const bool dataToStderr = std::any_of(outputs.begin(), outputs.end(),
                                          [](const auto& o) { return o.sink->usesStdout(); });

    std::unique_ptr<ReplySource> replies = makeReplySource(options);
    transport::FrameReceiver receiver(channelConfigFor(options.common, /*isReceiver=*/true),
                                      stopSignal, [&replies] { return replies->next(); });
    if (options.common.frames > 0) receiver.stopAfter(options.common.frames);
    spdlog::info("listening on {} ({}{})", receiver.endpoint(),
                 transport::patternName(options.common.pattern),
                 options.common.bidirectional ? ", bidirectional" : "");

    StreamStats stats;
    BoundedQueue<Frame> queue = makeFrameQueue(kSinkQueueDepth, options.common.latest);
    ReceiveResult result;
    std::vector<OutputReport> reports;
    std::uint64_t framesWritten = 0;
    {
        std::unique_ptr<StatsReporter> reporter;
        if (options.common.stats) reporter = std::make_unique<StatsReporter>(stats, "ngrecv");
        SinkStage sinks(std::move(outputs), queue, options.outputFps, stats, stopSignal);
        result = receiveFrames(options, receiver, sinks, queue, stats, dataToStderr, stopSignal);
        sinks.join();  // every queued frame is written and every output finalised
        reports = sinks.reports();
        framesWritten = sinks.framesWritten();
    }

    const StatsSnapshot done = stats.snapshot();
    spdlog::info("received {} frames in {:.2f} s ({:.1f} fps), {} dropped, {} errors", done.frames,
                 done.seconds, done.fps(), done.dropped, done.errors);
    writeReceiverSummary(options, stats, receiver, result, reports, framesWritten);
    const std::string failedOutputs = describeFailedOutputs(reports);
    if (result.failure) {
        // The stream's own failure decides the exit code; failed outputs are still told.
        if (!failedOutputs.empty()) spdlog::error("{}", failedOutputs);
        std::rethrow_exception(result.failure);
    }
    if (!failedOutputs.empty()) throw std::runtime_error(failedOutputs);
    throwIfFramesRefused(result);
    return kExitOk;
}

}  // namespace

int runReceiver(const cli::RecvOptions& options) {
    keepFrameAllocations();
    configureLogging("ngrecv", options.common.logLevel);
    return runGuarded([&] { return runReceiverBody(options); });
}

}  // namespace ng::pipeline
