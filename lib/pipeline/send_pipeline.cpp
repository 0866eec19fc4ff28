// ngsend's pipeline: source -> capture stage -> bounded queue -> this thread -> socket
// (or source -> this thread -> socket for the unpaced test pattern), with encoding workers
// between capture and this one for --compression jpeg.
#include <atomic>
#include <cstdio>
#include <functional>

#include <spdlog/spdlog.h>

#include "cli/one_line.hpp"
#include "core/bounded_queue.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "core/signals.hpp"
#include "core/stream_stats.hpp"
#include "pipeline/capture_stage.hpp"
#include "pipeline/channel_config.hpp"
#include "pipeline/encode_stage.hpp"
#include "pipeline/frame_queue.hpp"
#include "pipeline/frames_back.hpp"
#include "pipeline/guarded_run.hpp"
#include "pipeline/run.hpp"
#include "transport/channel.hpp"

namespace ng::pipeline {

namespace {

// Frames captured ahead of the socket: enough to absorb jitter, few enough to stay fresh.
// With --latest only the newest captured frame waits.
constexpr std::size_t kSendQueueDepth = 4;

double chooseFps(const cli::SendOptions& options, const source::Source& source) {
    if (options.fps >= 0) return options.fps;
    return source.nominalFps();  // 0 (unknown) means as fast as the source gives frames
}

// Prints the receiver's reply to one frame on `out`, one line each (bidirectional mode), and
// hands a frame sent back with it to `back`.
void takeReply(wire::Reply& reply, std::FILE* out, FramesBack& back) {
    if (reply.kind == wire::Reply::Kind::None) return;
    if (reply.kind == wire::Reply::Kind::PlainAck) {
        spdlog::trace("receiver: {}", reply.plainText);
        return;
    }
    if (!reply.data.empty()) {
        std::fprintf(out, "%s\n", cli::oneLine(reply.data.text).c_str());
        std::fflush(out);
    }
    back.take(reply);
}

struct SendOutcome {
    int exitCode = kExitOk;
    std::exception_ptr failure;
    // What ngrecv said in its answers: that it stops taking frames (ng_stop), or why it
    // refused the first frame it refused (ng_refused).
    wire::Notice notice;
};

// Takes note of what the receiver said in one answer. True when the stream must end: the
// receiver stops, or refused a frame (the next ones would fare no better).
bool heed(const wire::Reply& reply, SendOutcome& outcome, StreamStats& stats,
          const transport::FrameSender& sender) {
    const wire::Notice& notice = reply.notice;
    if (!notice.refused.empty()) {
        stats.addError();
        if (outcome.notice.refused.empty()) outcome.notice.refused = notice.refused;
    }
    if (!notice.stop.empty() && outcome.notice.stop.empty()) {
        outcome.notice.stop = notice.stop;
        // A refusal that ends the stream is told as the failure.
        if (notice.refused.empty()) {
            spdlog::info("the receiver at {} ends the stream: {}", sender.endpoint(), notice.stop);
        }
    }
    return !notice.empty();
}

// In bidirectional mode ngrecv's reply to a compressed frame says it decoded it. A reply
// without that comes from a receiver that cannot (vidgear's NetGear_Async), which would
// hand its user a byte array instead of a picture: stop and say why.
void requireDecodedReply(const wire::Reply& reply, const Frame& frame,
                         const transport::FrameSender& sender) {
    const bool replyMap =
        reply.kind == wire::Reply::Kind::Data || reply.kind == wire::Reply::Kind::Ndarray;
    if (frame.codec == Codec::Raw || !replyMap || reply.decoded == frame.codec) return;
    throw ProtocolError(fmt::format(
        "the receiver at {} answered a JPEG frame without decoding it: it is not an ngrecv "
        "(a vidgear NetGear_Async peer cannot decode --compression jpeg); use --compression "
        "none with it",
        sender.endpoint()));
}

// Sends frames from `feed` until it finishes, a signal arrives, the socket fails or the
// receiver ends the stream or refuses a frame.
SendOutcome sendFrames(transport::FrameSender& sender, FrameFeed& feed,
                       const wire::DataValue& message, StreamStats& stats, LatestDrops& drops,
                       FramesBack& back, std::FILE* replyOut, const std::atomic<bool>& stopSignal) {
    SendOutcome outcome;
    try {
        while (!stopSignal) {
            if (!sender.awaitRoom()) break;  // a signal: the stream ends as usual
            std::optional<Frame> frame = feed.take(kPollInterval);
            if (!frame) {
                if (feed.finished()) break;
                continue;
            }
            std::optional<wire::Reply> reply = sender.send(*frame, message);
            if (!reply) break;  // a signal cut the send short: the frame did not go out
            requireDecodedReply(*reply, *frame, sender);
            stats.addFrame(frame->payloadBytes());
            drops.update();
            takeReply(*reply, replyOut, back);
            if (heed(*reply, outcome, stats, sender)) break;
        }
    } catch (...) {
        outcome.failure = std::current_exception();
    }
    return outcome;
}

// What the stream's rate came to: its average and the --max-bitrate limit, and with JPEG the
// qualities it was sent at (docs/cli.md, "--summary").
struct RateFigures {
    codec::QualityRange qualities;
    std::uint64_t skipped = 0;
};

void addRateFigures(JsonFields& extras, const cli::SendOptions& options,
                    const StatsSnapshot& done, const RateFigures& rate) {
    const double average =
        done.seconds > 0 ? static_cast<double>(done.bytes) * 8 / done.seconds : 0;
    extras.emplace_back(
        "bitrate", fmt::format("{{\"average\": {}, \"limit\": {}, \"skipped\": {}}}",
                               jsonNumber(average),
                               options.maxBitrate > 0 ? jsonNumber(options.maxBitrate) : "null",
                               rate.skipped));
    if (options.compression != Codec::Jpeg) return;
    const codec::QualityRange& q = rate.qualities;
    extras.emplace_back("jpeg_quality",
                        fmt::format("{{\"min\": {}, \"max\": {}, \"last\": {}, "
                                    "\"recent_min\": {}, \"recent_max\": {}}}",
                                    q.min, q.max, q.last, q.recentMin, q.recentMax));
}

void writeSenderSummary(const cli::SendOptions& options, const StreamStats& stats,
                        const transport::FrameSender& sender, const source::Source& source,
                        const FramesBack& back, const RateFigures& rate) {
    if (options.common.summaryPath.empty()) return;
    const StatsSnapshot done = stats.snapshot();
    JsonFields extras = {{"tool", jsonString("ngsend")},
                         {"endpoint", jsonString(sender.endpoint())},
                         {"pattern", jsonString(transport::patternName(options.common.pattern))},
                         {"source", jsonString(source.describe())},
                         {"unanswered", std::to_string(sender.unansweredFrames())},
                         {"sent_again", std::to_string(sender.framesSentAgain())},
                         {"heartbeat_losses", std::to_string(sender.heartbeatLosses())}};
    if (options.common.bidirectional) extras.emplace_back("frames_back", back.summaryJson());
    addRateFigures(extras, options, done, rate);
    writeSummary(options.common.summaryPath, done, extras);
}

// --stats with --max-bitrate: the quality now, and the rate over the last second against
// the limit, appended to the status line.
std::function<std::string()> rateStatus(const StreamStats& stats,
                                        const std::atomic<const EncodeStage*>& encoder,
                                        double limit) {
    return [&stats, &encoder, limit, bytes = std::uint64_t{0},
            at = SteadyClock::now()]() mutable {
        const std::uint64_t nowBytes = stats.snapshot().bytes;
        const auto now = SteadyClock::now();
        const double seconds = std::chrono::duration<double>(now - at).count();
        const double bits = seconds > 0 ? static_cast<double>(nowBytes - bytes) * 8 / seconds : 0;
        bytes = nowBytes;
        at = now;
        const EncodeStage* encode = encoder.load();
        const int quality = encode ? encode->qualities().last : 0;
        return fmt::format("JPEG quality {}, {:.2f} of {:g} Mbit/s", quality, bits / 1e6,
                           limit / 1e6);
    };
}

int runSenderBody(const cli::SendOptions& options) {
    const std::atomic<bool>& stopSignal = installStopSignals();
    std::unique_ptr<source::Source> source = source::makeSource(options.source);
    source->start();
    const double fps = chooseFps(options, *source);
    FramesBack back(options.replyOutputs, fps, options.common.latest, stopSignal);
    std::FILE* replyOut = back.usesStdout() ? stderr : stdout;

    transport::FrameSender sender(channelConfigFor(options), stopSignal);
    const unsigned encodeWorkers = encodeWorkerCount(options.jpegThreads);
    back.setPeer(sender.endpoint());
    spdlog::info("streaming {} to {} ({}, {}{})", source->describe(), sender.endpoint(),
                 transport::patternName(options.common.pattern),
                 fps > 0 ? fmt::format("{:g} fps", fps) : std::string("unpaced"),
                 options.compression == Codec::Jpeg
                     ? fmt::format(", JPEG quality {} on {} thread{}", options.jpeg.quality,
                                   encodeWorkers, encodeWorkers == 1 ? "" : "s")
                     : std::string());

    const wire::DataValue message =
        options.hasMessage ? wire::DataValue::fromText(options.message) : wire::DataValue{};
    StreamStats stats;
    BoundedQueue<Frame> queue = makeFrameQueue(kSendQueueDepth, options.common.latest);
    // Captured frames that a newer one replaced before they were sent.
    LatestDrops drops(queue, stats, options.common.latest);
    SendOutcome outcome;
    std::exception_ptr captureError;
    RateFigures rate;
    {
        // The status line starts before the capture; with --max-bitrate it shows the
        // encoder's figures, so it stops before the encoder goes (nothing throws between).
        std::atomic<const EncodeStage*> shownEncoder{nullptr};
        std::unique_ptr<StatsReporter> reporter;
        if (options.common.stats) {
            reporter = std::make_unique<StatsReporter>(
                stats, "ngsend",
                options.maxBitrate > 0 ? rateStatus(stats, shownEncoder, options.maxBitrate)
                                       : std::function<std::string()>{});
        }
        CaptureStage capture(*source, queue, fps, options.common.frames);
        std::unique_ptr<EncodeStage> encode;
        if (options.compression == Codec::Jpeg) {
            std::optional<EncodeStage::BitrateLimit> limit;
            if (options.maxBitrate > 0) {
                limit = EncodeStage::BitrateLimit{
                    {options.maxBitrate, options.jpeg.quality, options.jpegMinQuality, fps},
                    &stats};
            }
            encode = std::make_unique<EncodeStage>(capture, options.jpeg, encodeWorkers, limit);
            shownEncoder = encode.get();
        }
        outcome = sendFrames(sender, encode ? static_cast<FrameFeed&>(*encode) : capture, message,
                             stats, drops, back, replyOut, stopSignal);
        reporter.reset();
        // The encoder first: its workers may be running an inline CaptureStage.
        if (encode) encode->join();
        capture.join();
        captureError = capture.error();
        if (!captureError && encode) captureError = encode->error();
        if (encode) rate = {encode->qualities(), encode->skipped()};
    }
    source->stop();

    if (!outcome.failure && outcome.notice.stop.empty()) {
        // A normal end, --frames, a signal or a refused frame: read the answers still due,
        // then tell the receiver the stream is over, unless it said it stops (it is gone).
        try {
            for (wire::Reply& reply : sender.flush()) {
                takeReply(reply, replyOut, back);
                heed(reply, outcome, stats, sender);
            }
            if (outcome.notice.stop.empty()) {
                if (auto ack = sender.terminate()) spdlog::debug("receiver: {}", *ack);
            }
        } catch (...) {
            outcome.failure = std::current_exception();
        }
    }
    drops.update();
    back.finish();  // every frame sent back written, every --reply-output finalised
    const StatsSnapshot done = stats.snapshot();
    spdlog::info("sent {} frames in {:.2f} s ({:.1f} fps), {} dropped", done.frames, done.seconds,
                 done.fps(), done.dropped);
    writeSenderSummary(options, stats, sender, *source, back, rate);
    const std::string backFailure = back.failure();
    if (outcome.failure) {
        // The stream's own failure decides the exit code; a failure of frames back is still told.
        if (!backFailure.empty()) spdlog::error("{}", backFailure);
        std::rethrow_exception(outcome.failure);
    }
    if (!outcome.notice.refused.empty()) {
        throw std::runtime_error(fmt::format("the receiver at {} refused the stream: {}",
                                             sender.endpoint(), outcome.notice.refused));
    }
    if (captureError) std::rethrow_exception(captureError);
    if (!backFailure.empty()) throw std::runtime_error(backFailure);
    return kExitOk;
}

}  // namespace

int runSender(const cli::SendOptions& options) {
    configureLogging("ngsend", options.common.logLevel);
    return runGuarded([&] { return runSenderBody(options); });
}

}  // namespace ng::pipeline
