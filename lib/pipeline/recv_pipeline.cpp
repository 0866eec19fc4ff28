// ngrecv's pipeline: socket -> this thread (answers, accounting) -> queue -> sink thread
// (or straight to the sinks when they all write instantly, as -o null does).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>

#include "cli/one_line.hpp"
#include "core/bounded_queue.hpp"
#include "core/errors.hpp"
#include "core/frame_allocations.hpp"
#include "core/live_stats.hpp"
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
#include "pipeline/sender_registry.hpp"
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
// How often the live figures (-o http://'s /stats.json) are renewed.
constexpr std::chrono::milliseconds kLiveStatsInterval{500};

std::vector<std::string> chooseOutputs(const cli::RecvOptions& options) {
    if (!options.outputs.empty()) return options.outputs;
    const bool display = sink::displayAvailable();
    spdlog::debug("no -o given: {}", display ? "a display exists, opening a window"
                                             : "no display, counting frames (-o null)");
    return {display ? "window" : "null"};
}

std::unique_ptr<ReplySource> makeTextReplies(const cli::RecvOptions& options) {
    if (options.hasReply) return ReplySource::fixed(options.reply);
    if (options.replyStdin) return ReplySource::fromStdin();
    return ReplySource::none();
}

std::unique_ptr<ReplySource> makeReplySource(const cli::RecvOptions& options,
                                             const std::atomic<bool>& stopSignal) {
    std::unique_ptr<ReplySource> text = makeTextReplies(options);
    if (options.replySource.spec.empty()) return text;
    const auto firstFrameWait =
        std::chrono::milliseconds(static_cast<long long>(options.common.timeoutSeconds * 1000));
    return ReplySource::withFrames(std::move(text), options.replySource, firstFrameWait,
                                   stopSignal);
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

// The senders seen so far, told to the sinks (outputs per sender) and, with --stats and
// more than one sender, given a status line each.
class SenderWatch {
public:
    SenderWatch(SenderRegistry& registry, SinkStage& sinks, bool stats)
        : registry_(registry), sinks_(sinks), stats_(stats) {}

    void announceNew() {
        const auto& senders = registry_.senders();
        for (; announced_ < senders.size(); ++announced_) {
            const Sender& sender = *senders[announced_];
            sinks_.addSender(sender.index, sender.name, sender.peer);
        }
        // One sender's line would repeat the stream's own.
        if (!stats_ || senders.size() < 2) return;
        for (; reporters_.size() < senders.size();) {
            const Sender& sender = *senders[reporters_.size()];
            reporters_.push_back(
                std::make_unique<StatsReporter>(sender.stats, "ngrecv " + sender.name));
        }
    }

private:
    SenderRegistry& registry_;
    SinkStage& sinks_;
    const bool stats_;
    std::size_t announced_ = 0;
    std::vector<std::unique_ptr<StatsReporter>> reporters_;
};

// Whether the end-of-stream message of `sender` ends the whole stream: with --senders N
// once N senders ended theirs; otherwise when no other sender is streaming.
bool streamEnds(const cli::RecvOptions& options, const SenderRegistry& registry,
                const Sender& sender) {
    const std::size_t ended = registry.terminatedCount();
    const bool many = registry.senders().size() > 1 || options.senders > 1;
    if (options.senders > 0) {
        if (ended >= static_cast<std::size_t>(options.senders)) {
            spdlog::info("{} of --senders {} ended their streams", ended, options.senders);
            return true;
        }
        spdlog::info("sender '{}' ended its stream; waiting for {} more (--senders {})",
                     sender.name, static_cast<std::size_t>(options.senders) - ended,
                     options.senders);
        return false;
    }
    if (registry.othersStreaming(sender)) {
        spdlog::info("sender '{}' ended its stream; the others go on", sender.name);
        return false;
    }
    if (many) {
        spdlog::info("sender '{}' ended its stream, and no other is streaming", sender.name);
    } else {
        spdlog::info("the sender ended the stream");
    }
    return true;
}

// A sender ended its stream while others went on, and those have since gone quiet without
// ending theirs (killed, or cut off): nothing is left to wait for. Not with --senders N,
// which waits for N ends.
bool streamEndedQuietly(const cli::RecvOptions& options, const SenderRegistry& registry) {
    if (options.senders > 0 || registry.terminatedCount() == 0 || registry.anyStreaming()) {
        return false;
    }
    spdlog::info("the senders still known stopped sending without ending their streams");
    return true;
}

// A dialect without an end-of-stream message (imagezmq): once frames came, --timeout with
// none is how the stream ends, normally (docs/protocol.md).
bool quietEndsStream(const transport::FrameReceiver& receiver, const SenderRegistry& registry,
                     const cli::RecvOptions& options) {
    if (receiver.streamsEnd() || registry.senders().empty()) return false;
    spdlog::info("no frame for --timeout {:g} s: the stream has ended (this wire format has no "
                 "end-of-stream message)",
                 options.common.timeoutSeconds);
    return true;
}

// Called now and then with the figures so far, for outputs that show them live.
using LivePublisher = std::function<void(const ReceiveResult&)>;

// The counts kept per sender, summed into `result`.
void tallySenders(ReceiveResult& result, const SenderRegistry& registry) {
    result.lostInTransit = 0;
    result.refused = 0;
    for (const auto& sender : registry.senders()) {
        result.lostInTransit += sender->accounting.lostInTransit();
        result.refused += sender->accounting.refused();
    }
}

// The receive loop proper: runs until terminate, --frames, a signal, a sink asking to
// end, a sink failure, or a timeout (captured in the result, never thrown from here).
ReceiveResult receiveFrames(const cli::RecvOptions& options, transport::FrameReceiver& receiver,
                            SinkStage& sinks, BoundedQueue<Frame>& queue, StreamStats& stats,
                            SenderRegistry& registry, bool dataToStderr,
                            const std::atomic<bool>& stopSignal, const LivePublisher& publishLive) {
    ReceiveResult result;
    SenderWatch watch(registry, sinks, options.common.stats);
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
    auto lastPublished = SteadyClock::time_point{};
    try {
        while (!stopSignal && !sinks.endRequested() && !sinks.failed()) {
            if (publishLive && SteadyClock::now() - lastPublished >= kLiveStatsInterval) {
                lastPublished = SteadyClock::now();
                ReceiveResult soFar = result;
                tallySenders(soFar, registry);
                soFar.droppedLatest = drops.counted();
                publishLive(soFar);
            }
            std::optional<transport::Received> received = receiver.receive(kPollInterval);
            stats.setRefused(receiver.refusedPeers());
            if (!received) {
                if (streamEndedQuietly(options, registry)) {
                    result.terminated = true;
                    break;
                }
                if (timeout.count() > 0 && SteadyClock::now() - lastActivity > timeout &&
                    quietEndsStream(receiver, registry, options)) {
                    break;
                }
                if (timeout.count() > 0 && SteadyClock::now() - lastActivity > timeout) {
                    // Every message came too large: the end says so (throwIfFramesRefused()).
                    if (result.cutOff > 0 || result.refused > 0) break;
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
                Sender& sender = registry.identify(*received, received->connectedPeers);
                watch.announceNew();
                sender.lastMessage = SteadyClock::now();
                // PUB/SUB publishes the end-of-stream message more than once.
                if (sender.terminated) continue;
                sender.accounting.onStreamEnd(received->lastSeq);
                sender.terminated = true;
                sinks.senderEnded(sender.index);
                if (streamEnds(options, registry, sender)) {
                    result.terminated = true;
                    break;
                }
                continue;
            }
            if (received->kind == transport::Received::Kind::Invalid) {
                stats.addError();
                invalidLog.warn(received->error);
                continue;
            }
            if (received->kind == transport::Received::Kind::TooLarge) {
                Sender& sender = registry.identify(*received, received->connectedPeers);
                watch.announceNew();
                sender.lastMessage = SteadyClock::now();
                stats.addError();
                sender.stats.addError();
                sender.accounting.onRefused(received->frame);
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
            Sender& sender = registry.identify(*received, received->connectedPeers);
            watch.announceNew();
            sender.lastMessage = SteadyClock::now();
            // Sent again because its answer was lost: answered already, passed on never twice.
            if (sender.accounting.isRepeat(frame, received->senderInstance)) continue;
            sender.accounting.onFrame(frame, wallClockMicros());
            sender.shape = frame.shape;
            sender.nominalFps = frame.nominalFps;
            frame.sender = sender.index;
            result.lastShape = frame.shape;
            if (!frame.data.empty()) {
                std::FILE* out = dataToStderr ? stderr : stdout;
                std::fprintf(out, "%s\n", cli::oneLine(frame.data).c_str());
                std::fflush(out);
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
    tallySenders(result, registry);
    result.droppedLatest = drops.counted();
    return result;
}

// Reports in -o order, each sender's outputs in the place of the -o value they came from
// (in the order the senders appeared).
std::vector<OutputReport> inOutputOrder(std::vector<OutputReport> reports,
                                        const std::vector<std::string>& specs) {
    auto position = [&](const OutputReport& r) {
        for (std::size_t i = 0; i < specs.size(); ++i) {
            const bool mine = r.sender.empty() ? specs[i] == r.spec
                                               : sink::isPerSender(specs[i]) &&
                                                     sink::expandName(specs[i], r.sender) == r.spec;
            if (mine) return i;
        }
        return specs.size();
    };
    std::stable_sort(reports.begin(), reports.end(), [&](const auto& a, const auto& b) {
        return position(a) < position(b);
    });
    return reports;
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

std::string latencyJson(const LatencySummary& latency) {
    return fmt::format("{{\"p50\": {}, \"p99\": {}, \"max\": {}}}", jsonNumber(latency.p50Ms),
                       jsonNumber(latency.p99Ms), jsonNumber(latency.maxMs));
}

// {"NAME": {...}, ...}: each sender's own counts, keyed by the name it is known by.
std::string sendersJson(const SenderRegistry& registry) {
    std::string json = "{";
    for (const auto& sender : registry.senders()) {
        const StatsSnapshot s = sender->stats.snapshot();
        const LatencySummary latency = sender->stats.latency();
        json += fmt::format(
            "{}{}: {{\"frames\": {}, \"bytes\": {}, \"dropped\": {}, \"errors\": {}, "
            "\"fps\": {}, \"seconds\": {}, \"terminated\": {}, \"peer\": {}, "
            "\"width\": {}, \"height\": {}, \"channels\": {}, "
            "\"dropped_in_transit\": {}, \"duplicates\": {}, \"latency_ms\": {}}}",
            sender->index ? ", " : "", jsonString(sender->name), s.frames, s.bytes, s.dropped,
            s.errors, jsonNumber(s.fps()), jsonNumber(s.seconds),
            sender->terminated ? "true" : "false", jsonString(sender->peer), sender->shape.width,
            sender->shape.height, sender->shape.channels, sender->accounting.lostInTransit(),
            sender->accounting.duplicates(), latency.count > 0 ? latencyJson(latency) : "null");
    }
    return json + "}";
}

// The --summary object; also published live while the stream runs (-o http://).
std::string receiverSummaryJson(const cli::RecvOptions& options, const StreamStats& stats,
                                const SenderRegistry& registry,
                                const transport::FrameReceiver& receiver,
                                const ReceiveResult& result,
                                const std::vector<OutputReport>& outputs,
                                std::uint64_t framesWritten, const ReplySource& replies) {
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
                         {"cut_off", std::to_string(result.cutOff)},
                         {"duplicates", std::to_string(stats.snapshot().duplicates)},
                         {"heartbeat_losses", std::to_string(receiver.heartbeatLosses())},
                         {"senders", sendersJson(registry)}};
    const LatencySummary latency = stats.latency();
    if (latency.count > 0) extras.emplace_back("latency_ms", latencyJson(latency));
    // The answers that sent a frame back (--reply-source).
    if (!options.replySource.spec.empty()) {
        extras.emplace_back("frames_back", std::to_string(replies.framesSent()));
    }
    return summaryJson(stats.snapshot(), extras);
}

// The recording flags, checked against the video outputs: a flag no output uses is a
// mistake worth telling at start-up.
sink::VideoSettings videoSettings(const cli::RecvOptions& options,
                                  const std::vector<std::string>& specs) {
    sink::VideoSettings video;
    if (!sink::parseVideoCodec(options.videoCodec, video.codec)) {
        throw UsageError("--video-codec " + options.videoCodec +
                         ": use copy, h264, mjpeg or ffv1");
    }
    video.preset = options.videoPreset;
    video.crf = options.videoCrf;
    video.segmentUs = options.segmentUs;
    video.keepUs = options.keepUs;
    video.keepBytes = options.keepBytes;
    const bool asked = video.codec != sink::VideoCodec::Auto || video.segmentUs > 0 ||
                       video.keepUs > 0 || video.keepBytes > 0;
    const bool anyVideo = std::any_of(specs.begin(), specs.end(), [](const std::string& spec) {
        return sink::outputKind(sink::expandName(spec, "name")) == "video";
    });
    if (asked && !anyVideo) {
        throw UsageError("--video-codec, --segment and --keep apply to video files, and no -o "
                         "names one; add e.g. -o rec.mkv");
    }
    return video;
}

int runReceiverBody(const cli::RecvOptions& options) {
    const std::atomic<bool>& stopSignal = installStopSignals();
    checkSummaryWritable(options.common.summaryPath);
    const std::vector<std::string> specs = chooseOutputs(options);
    const sink::VideoSettings video = videoSettings(options, specs);
    sink::HttpSettings http;
    http.quality = options.httpQuality;
    http.maxClients = options.httpMaxClients;
    http.token = options.httpToken;
    std::vector<sink::Output> outputs = sink::makeOutputs(specs, video, http);
    auto liveStats = std::make_shared<LiveStats>();
    bool showsLiveStats = false;
    for (const sink::Output& output : outputs) {
        if (output.sink->takeLiveStats(liveStats)) showsLiveStats = true;
    }
    std::vector<std::string> perSender;
    std::copy_if(specs.begin(), specs.end(), std::back_inserter(perSender), sink::isPerSender);
    const bool dataToStderr = std::any_of(outputs.begin(), outputs.end(),
                                          [](const auto& o) { return o.sink->usesStdout(); });

    std::unique_ptr<ReplySource> replies = makeReplySource(options, stopSignal);
    transport::FrameReceiver receiver(channelConfigFor(options.common, /*isReceiver=*/true),
                                      stopSignal, [&replies] { return replies->next(); });
    if (options.common.frames > 0) receiver.stopAfter(options.common.frames);
    spdlog::info("listening on {} ({}{})", receiver.endpoint(),
                 transport::patternName(options.common.pattern),
                 options.common.bidirectional ? ", bidirectional" : "");

    StreamStats stats;
    SenderRegistry registry(stats);
    BoundedQueue<Frame> queue = makeFrameQueue(kSinkQueueDepth, options.common.latest);
    ReceiveResult result;
    std::vector<OutputReport> reports;
    std::uint64_t framesWritten = 0;
    {
        std::unique_ptr<StatsReporter> reporter;
        if (options.common.stats) reporter = std::make_unique<StatsReporter>(stats, "ngrecv");
        SinkStage sinks(std::move(outputs), std::move(perSender), queue, options.outputFps, stats,
                        stopSignal, video);
        LivePublisher publishLive;
        if (showsLiveStats) {
            // The outputs' own reports are read only once they are closed: the live object
            // leaves them out ("outputs": []).
            publishLive = [&](const ReceiveResult& soFar) {
                liveStats->publish(receiverSummaryJson(options, stats, registry, receiver, soFar,
                                                       {}, sinks.framesWritten(), *replies));
            };
        }
        result = receiveFrames(options, receiver, sinks, queue, stats, registry, dataToStderr,
                               stopSignal, publishLive);
        sinks.join();  // every queued frame is written and every output finalised
        reports = inOutputOrder(sinks.reports(), specs);
        framesWritten = sinks.framesWritten();
    }

    const StatsSnapshot done = stats.snapshot();
    spdlog::info("received {} frames in {:.2f} s ({:.1f} fps), {} dropped, {} errors", done.frames,
                 done.seconds, done.fps(), done.dropped, done.errors);
    if (!options.common.summaryPath.empty()) {
        writeSummaryJson(options.common.summaryPath,
                         receiverSummaryJson(options, stats, registry, receiver, result, reports,
                                             framesWritten, *replies));
    }
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
