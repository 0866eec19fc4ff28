// Option structs of ngsend and ngrecv. Plain data: only cli/options.cpp sees CLI11.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/jpeg.hpp"
#include "core/frame.hpp"
#include "source/source.hpp"
#include "transport/channel.hpp"
#include "transport/endpoint.hpp"

namespace ng::cli {

// Flags both tools share (docs/cli.md, "Shared by both tools").
struct CommonOptions {
    std::string address;  // "" = the tool's default (sender localhost, receiver *)
    // -a given more than once: the others, each "HOST" or "HOST:PORT" (fan-out, docs/cli.md)
    std::vector<std::string> moreAddresses;
    int port = 5555;
    transport::Protocol protocol = transport::Protocol::Tcp;
    transport::Pattern pattern = transport::Pattern::Pair;
    bool forceBind = false;
    bool forceConnect = false;
    double timeoutSeconds = 15;  // 0 = wait forever
    bool bidirectional = false;
    long long frames = 0;        // 0 = until the stream ends
    // --latest: freshness over completeness. Queues keep only the newest frame and count
    // what they discard, so a slow consumer sees current frames instead of a backlog.
    bool latest = false;
    std::string summaryPath;     // "" = none, "-" = stderr
    bool stats = false;
    std::string logLevel;        // spdlog level name; "" = SPDLOG_LEVEL or info
    // --max-frame-size WxHxC as a byte count: the largest frame accepted from the peer
    // (ngrecv: every frame; ngsend: frames sent back in bidirectional mode). Also bounds
    // what libzmq buffers for one message (ZMQ_MAXMSGSIZE, with room to refuse it by name).
    std::size_t maxFrameBytes = transport::kDefaultMaxFrameBytes;
    // --wire: NetGear_Async (default), imagezmq or NetGear messages (issue 22).
    wire::DialectKind dialect = wire::DialectKind::NetGearAsync;

    // CURVE and access control (docs/cli.md, "Encryption and access control").
    transport::SecurityConfig security;  // --secret-key, --server-key, --allow-keys, --allow-ip
    std::string keygen;                  // --keygen NAME: write a key pair and exit
    std::string keysDir = ".";           // --keys-dir: where --keygen writes

    // --heartbeat SECONDS (issue 19): ZeroMQ heartbeats on every connection, so a dead link
    // is noticed and dropped while no frame is due; 0 = off.
    double heartbeatSeconds = 5;
};

struct SendOptions {
    CommonOptions common;
    source::SourceOptions source;
    double fps = -1;  // -1 = the source's own rate (test: 30); 0 = as fast as possible
    std::string message;
    bool hasMessage = false;
    Codec compression = Codec::Raw;  // --compression none|jpeg
    codec::JpegSettings jpeg;        // --jpeg-quality, --jpeg-fast, --jpeg-subsampling
    unsigned jpegThreads = 0;        // --jpeg-threads; 0 = one per hardware thread, at most 4
    // --max-bitrate in bits per second (0 = no limit): the JPEG quality adapts, between
    // --jpeg-min-quality and jpeg.quality, so the stream fits the link (docs/cli.md, "Fit
    // the link").
    double maxBitrate = 0;
    int jpegMinQuality = 30;
    // --reply-output: where frames the receiver sends back go (bidirectional mode), as
    // ngrecv's -o spells outputs; empty = counted only.
    std::vector<std::string> replyOutputs;
    std::string name;                // --name: how receivers call this sender; the host name
};

struct RecvOptions {
    CommonOptions common;
    std::vector<std::string> outputs;  // empty = window if a display exists, else null
    std::string reply;
    bool hasReply = false;
    bool replyStdin = false;
    double outputFps = 0;  // --output-fps; 0 = not given: the sender's rate, in real time
    // --reply-source: a frame from this source goes back with every reply (bidirectional
    // mode), spelled as ngsend's -s; spec "" = none. Its size is --reply-size.
    source::SourceOptions replySource = [] {
        source::SourceOptions none;
        none.spec.clear();
        return none;
    }();
    int senders = 0;       // --senders: terminates that end the stream; 0 = see docs/cli.md
    // Video files (issue 24); the pipeline turns these into sink::VideoSettings.
    std::string videoCodec = "auto";  // --video-codec: auto, copy, h264, mjpeg, ffv1
    std::string videoPreset = "veryfast";
    int videoCrf = 23;
    std::int64_t segmentUs = 0;   // --segment; 0 = one file
    std::int64_t keepUs = 0;      // --keep; 0 = keep every segment
    std::uint64_t keepBytes = 0;  // --keep-size; 0 = no limit
    // The HTTP output (-o http://HOST:PORT, issue 21).
    int httpQuality = 80;      // --http-quality: JPEG quality of raw frames re-encoded for it
    int httpMaxClients = 16;   // --http-max-clients: streams served at once; more get 503
    std::string httpToken;     // --http-token: required of every request when not ""
};

// Outcome of parsing: run, or exit at once with `exitCode` (after --help, --version or an
// error already printed as one line naming the flag).
struct ParseResult {
    bool run = false;
    int exitCode = 0;
};

ParseResult parseSendOptions(int argc, char** argv, SendOptions& out);
ParseResult parseRecvOptions(int argc, char** argv, RecvOptions& out);

// --keygen NAME: writes NAME.key and NAME.key_secret into --keys-dir, prints their paths and
// returns the exit code (2 with one line on stderr when it cannot).
int runKeygen(const CommonOptions& options, const char* tool);

}  // namespace ng::cli
