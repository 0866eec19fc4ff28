// The CLI11 wiring of both tools' flags (docs/cli.md is the contract; keep every spelling).
#include "cli/options.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/config_file.hpp"
#include "core/errors.hpp"
#include "version.hpp"

namespace ng::cli {

namespace {

using transport::Pattern;
using transport::Protocol;

// Flags that came from -v/-q, folded into CommonOptions::logLevel after parsing.
struct Verbosity {
    int verbose = 0;
    int quiet = 0;
};

constexpr int kMaxPort = 65535;
// More encoders than this only add memory: each holds frames of its own.
constexpr unsigned kMaxJpegThreads = 64;

// Flags a --config file cannot set.
const std::string kCommandLineOnly[] = {"help", "version", "config", "check-config"};

const std::string kDefaultMaxFrameSize = std::to_string(transport::kDefaultMaxFrameSide) + "x" +
                                         std::to_string(transport::kDefaultMaxFrameSide) + "x" +
                                         std::to_string(transport::kDefaultMaxFrameChannels);

// Parses `count` numbers joined by x or X ("1280x720", "4096x4096x4"), each 1 to
// source::kMaxSide; false when `text` is not such a size.
bool parseDimensions(const std::string& text, std::size_t count, std::vector<int>& numbers) {
    // Longer digit strings are out of range anyway, and stoi could not hold them.
    static const std::size_t kMaxDigits = std::to_string(source::kMaxSide).size();
    numbers.clear();
    std::size_t start = 0;
    for (;;) {
        const auto x = text.find_first_of("xX", start);
        const std::string part = text.substr(start, x == std::string::npos ? x : x - start);
        const bool digits = !part.empty() && part.size() <= kMaxDigits &&
                            std::all_of(part.begin(), part.end(),
                                        [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) return false;
        const int number = std::stoi(part);
        if (number < 1 || number > source::kMaxSide) return false;
        numbers.push_back(number);
        if (x == std::string::npos) break;
        start = x + 1;
    }
    return numbers.size() == count;
}

// Parses "WIDTHxHEIGHT"; false when `text` is not such a size.
bool parseSize(const std::string& text, int& width, int& height) {
    std::vector<int> numbers;
    if (!parseDimensions(text, 2, numbers)) return false;
    width = numbers[0];
    height = numbers[1];
    return true;
}

const std::string kSideRange = "1.." + std::to_string(source::kMaxSide);

CLI::Validator sizeValidator() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            int width = 0, height = 0;
            if (!parseSize(value, width, height)) {
                return "'" + value + "' is not a size: use WIDTHxHEIGHT, each " + kSideRange +
                       ", e.g. 1280x720";
            }
            return "";
        },
        "WxH");
}

// Parses "WIDTHxHEIGHTxCHANNELS" (1, 3 or 4 channels) into a byte count; false when `text`
// is not such a size.
bool parseFrameSize(const std::string& text, std::size_t& bytes) {
    std::vector<int> numbers;
    if (!parseDimensions(text, 3, numbers)) return false;
    const int channels = numbers[2];
    if (channels != 1 && channels != 3 && channels != 4) return false;
    bytes = std::size_t(numbers[0]) * std::size_t(numbers[1]) * std::size_t(channels);
    return true;
}

CLI::Validator frameSizeValidator() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            std::size_t bytes = 0;
            if (!parseFrameSize(value, bytes)) {
                return "'" + value + "' is not a frame size: use WIDTHxHEIGHTxCHANNELS, each "
                       "side " + kSideRange + ", 1, 3 or 4 channels, e.g. " +
                       kDefaultMaxFrameSize;
            }
            return "";
        },
        "WxHxC");
}

CLI::Validator nonNegative() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            double number = 0;
            if (!CLI::detail::lexical_cast(value, number) || !(number >= 0)) {
                return "'" + value + "' must be a number of 0 or more";
            }
            return "";
        },
        "NUMBER>=0");
}

// Maps the accepted spellings (case-insensitive) onto one canonical word; anything else
// is refused with the list of spellings, e.g. "'7' is not a pattern: use 0|pair, ...".
CLI::Validator oneOf(const std::string& what,
                     const std::vector<std::pair<std::string, std::string>>& spellings,
                     const std::string& help) {
    return CLI::Validator(
        [what, spellings, help](std::string& value) -> std::string {
            std::string lower = value;
            for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            for (const auto& [word, canonical] : spellings) {
                if (lower == word) {
                    value = canonical;
                    return "";
                }
            }
            return "'" + value + "' is not a " + what + ": use " + help;
        },
        help);
}

// Flags that CLI11 reads as text and that are converted after parsing.
struct TextOptions {
    std::string maxFrameSize = kDefaultMaxFrameSize;
};

void addCommonOptions(CLI::App& app, CommonOptions& o, Verbosity& v, TextOptions& text,
                      bool isReceiver) {
    app.add_option("-a,--address", o.address,
                   isReceiver ? std::string("Interface or host to bind (* = all), or an ipc "
                                            "path [default: ") + transport::kAnyInterface + "]"
                              : std::string("Host to connect to, or an ipc path [default: ") +
                                    transport::kDefaultPeerHost + "]");
    app.add_option("-p,--port", o.port, "TCP port (ignored for ipc)")
        ->check(CLI::Range(0, kMaxPort))
        ->capture_default_str();
    app.add_option("--protocol", o.protocol, "Transport: tcp or ipc")
        ->transform(oneOf("protocol", {{"tcp", "0"}, {"ipc", "1"}}, "tcp or ipc"))
        ->default_str("tcp");
    app.add_option("--pattern", o.pattern,
                   "Messaging pattern: 0|pair, 1|reqrep, 2|pubsub, 3|pushpull")
        ->transform(oneOf("pattern",
                          {{"0", "0"}, {"pair", "0"}, {"1", "1"}, {"reqrep", "1"},
                           {"2", "2"}, {"pubsub", "2"}, {"3", "3"}, {"pushpull", "3"}},
                          "0|pair, 1|reqrep, 2|pubsub or 3|pushpull"))
        ->default_str("0");
    auto* bind = app.add_flag("--bind", o.forceBind, "This end binds (default: receiver binds)");
    auto* connect =
        app.add_flag("--connect", o.forceConnect, "This end connects (default: sender connects)");
    bind->excludes(connect);
    app.add_option("-t,--timeout", o.timeoutSeconds,
                   "Longest wait for the peer in seconds (0 = wait forever)")
        ->check(nonNegative())
        ->capture_default_str();
    app.add_flag("--bidirectional", o.bidirectional,
                 "NetGear_Async bidirectional mode (patterns 0 and 1 only)");
    app.add_flag("--latest", o.latest,
                 isReceiver ? "Keep only the newest frame for the outputs: a slow output skips "
                              "frames (counted as dropped) instead of slowing the stream"
                            : "Send only the newest captured frame: a slow network or receiver "
                              "skips frames (counted as dropped) instead of delaying them");
    app.add_option("-n,--frames", o.frames, "Stop after N frames (0 = until the stream ends)")
        ->check(nonNegative())
        ->capture_default_str();
    app.add_option("--max-frame-size", text.maxFrameSize,
                   isReceiver ? "Largest frame accepted, WxHxC; larger messages are refused and "
                                "their sender disconnected"
                              : "Largest frame accepted back from the receiver (bidirectional "
                                "mode), WxHxC")
        ->check(frameSizeValidator())
        ->capture_default_str();
    app.add_option("--summary", o.summaryPath, "Write a JSON summary at exit to FILE (- = stderr)");
    app.add_flag("--stats", o.stats, "Print a status line every second on stderr");
    app.add_flag("-v,--verbose", v.verbose, "More logging (-vv for trace)");
    app.add_flag("-q,--quiet", v.quiet, "Less logging (-qq for errors only)");
    app.add_option("--log-level", o.logLevel, "Log level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "critical",
                               "off"}));
    app.set_config("--config", "", "Read flags from FILE (CLI11 config format)");
    app.set_version_flag("--version", std::string(kVersion));
}

// spdlog's levels from the most to the least verbose: each -v steps one way from info,
// each -q the other.
constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical"};
constexpr int kInfoLevel = 2;
constexpr int kLastLevel = static_cast<int>(std::size(kLevels)) - 1;

std::string resolveLogLevel(const std::string& explicitLevel, const Verbosity& v) {
    if (!explicitLevel.empty()) return explicitLevel == "warning" ? "warn" : explicitLevel;
    if (v.verbose == 0 && v.quiet == 0) return "";  // SPDLOG_LEVEL or info
    const int index = std::clamp(kInfoLevel - v.verbose + v.quiet, 0, kLastLevel);
    return kLevels[index];
}

// Every name a --config file may use as a key: the long and short names of the tool's
// flags, but not those that only make sense on the command line.
std::vector<std::string> configKeys(const CLI::App& app) {
    std::vector<std::string> keys;
    for (const CLI::Option* option : app.get_options()) {
        const auto& longNames = option->get_lnames();
        if (std::find_first_of(longNames.begin(), longNames.end(), std::begin(kCommandLineOnly),
                               std::end(kCommandLineOnly)) != longNames.end()) {
            continue;
        }
        keys.insert(keys.end(), longNames.begin(), longNames.end());
        keys.insert(keys.end(), option->get_snames().begin(), option->get_snames().end());
    }
    return keys;
}

// CLI11 ignores keys it does not know and lines it cannot read: check each --config file
// first, so a typo is an error rather than a default silently kept.
void checkConfigFiles(const CLI::App& app) {
    const CLI::Option* config = app.get_config_ptr();
    if (config == nullptr || config->count() == 0) return;
    const std::vector<std::string> keys = configKeys(app);
    for (const std::string& path : config->results()) checkConfigFile(path, keys);
}

// Checks that span several flags; CLI11 validated each flag alone.
void validateCommon(const CommonOptions& o) {
    if (o.bidirectional && !transport::answersEachFrame(o.pattern)) {
        throw UsageError(
            "--bidirectional: only valid with --pattern 0 (pair) or 1 (reqrep), as in "
            "NetGear_Async");
    }
    if (o.protocol == Protocol::Ipc && o.address.empty()) {
        throw UsageError("--address: --protocol ipc needs a socket path, e.g. -a /tmp/ngstream.sock");
    }
}

// Runs CLI11 and maps its outcome onto docs/cli.md's exit codes, printing one line on error.
ParseResult runParser(CLI::App& app, int argc, char** argv,
                      const std::function<void()>& validate) {
    app.failure_message([](const CLI::App* a, const CLI::Error& e) {
        return a->get_name() + ": error: " + e.what() + " (see --help)\n";
    });
    // For a service's config: read and check every flag, then stop before any socket opens.
    const CLI::Option* checkOnly = app.add_flag(
        "--check-config", "Check the flags and --config files, print nothing and exit 0 if valid");
    try {
        app.parse(argc, argv);
        checkConfigFiles(app);
        validate();
        if (checkOnly->count() > 0) return {false, kExitOk};
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return {false, code == 0 ? kExitOk : kExitUsage};
    } catch (const UsageError& e) {
        std::fprintf(stderr, "%s: error: %s\n", app.get_name().c_str(), e.what());
        return {false, kExitUsage};
    }
    return {true, kExitOk};
}

}  // namespace

ParseResult parseSendOptions(int argc, char** argv, SendOptions& out) {
    CLI::App app{"ngsend: stream video frames over ZeroMQ, wire-compatible with NetGear_Async",
                 "ngsend"};
    Verbosity verbosity;
    TextOptions text;
    addCommonOptions(app, out.common, verbosity, text, false);
    // The capture size's default is SourceOptions' own.
    std::string size = std::to_string(out.source.width) + "x" + std::to_string(out.source.height);
    app.add_option("-s,--source", out.source.spec,
                   "test, a video file, an image pattern (dir/%06d.png), a camera index, "
                   "picam[:N], or a stream URL")
        ->capture_default_str();
    auto* sizeOption = app.add_option("--size", size, "Capture size (test pattern, cameras)")
                           ->check(sizeValidator())
                           ->capture_default_str();
    app.add_flag("--resize", out.source.resize, "Scale every frame to --size");
    app.add_option("--fps", out.fps,
                   "Pace to at most F frames/s (0 = as fast as possible) [default: the "
                   "source's rate; test: 30]")
        ->check(nonNegative());
    app.add_flag("--loop", out.source.loop, "Restart a file source at its end");
    auto* message = app.add_option("--message", out.message,
                                   "Data sent with every frame (the header's data field)");
    std::string compression = "none";
    std::string subsampling = "420";
    app.add_option("--compression", compression,
                   "none (raw pixels, as NetGear_Async sends them) or jpeg (an ngsend/ngrecv "
                   "extension, for slow links)")
        ->check(CLI::IsMember({"none", "jpeg"}))
        ->capture_default_str();
    auto* quality = app.add_option("--jpeg-quality", out.jpeg.quality, "JPEG quality, 1 to 100")
                        ->check(CLI::Range(1, 100))
                        ->capture_default_str();
    auto* fast = app.add_flag("--jpeg-fast", out.jpeg.fast,
                              "JPEG: the fast integer DCT, slightly less exact; quicker only where "
                              "the CPU lacks AVX2 (e.g. ARM), which speeds up the accurate one");
    auto* chroma = app.add_option("--jpeg-subsampling", subsampling,
                                  "JPEG chroma subsampling: 444, 422 or 420")
                       ->check(CLI::IsMember({"444", "422", "420"}))
                       ->capture_default_str();
    auto* threads = app.add_option("--jpeg-threads", out.jpegThreads,
                                   "JPEG: frames encoded at once, each on a thread of its own "
                                   "(0 = one per CPU, at most 4)")
                        ->check(CLI::Range(0u, kMaxJpegThreads))
                        ->capture_default_str();

    ParseResult result = runParser(app, argc, argv, [&] {
        validateCommon(out.common);
        if (out.source.spec.empty()) throw UsageError("--source: empty; use e.g. -s test");
        const bool jpegTuned =
            quality->count() + fast->count() + chroma->count() + threads->count() > 0;
        if (jpegTuned && compression != "jpeg") {
            throw UsageError("--jpeg-quality/--jpeg-fast/--jpeg-subsampling/--jpeg-threads: "
                             "these tune JPEG compression; add --compression jpeg");
        }
        if (out.jpeg.fast && out.jpeg.quality >= codec::kAlwaysAccurateQuality) {
            throw UsageError("--jpeg-fast: from --jpeg-quality " +
                             std::to_string(codec::kAlwaysAccurateQuality) +
                             " up the encoder always uses the accurate DCT; lower the quality "
                             "or drop --jpeg-fast");
        }
    });
    if (result.run) {
        out.compression = compression == "jpeg" ? Codec::Jpeg : Codec::Raw;
        out.jpeg.subsampling = codec::parseSubsampling(subsampling);
    }
    parseSize(size, out.source.width, out.source.height);
    out.source.sizeGiven = sizeOption->count() > 0;
    parseFrameSize(text.maxFrameSize, out.common.maxFrameBytes);
    out.hasMessage = message->count() > 0;
    out.common.logLevel = resolveLogLevel(out.common.logLevel, verbosity);
    return result;
}

ParseResult parseRecvOptions(int argc, char** argv, RecvOptions& out) {
    CLI::App app{"ngrecv: receive NetGear_Async video frames over ZeroMQ, show or record them",
                 "ngrecv"};
    Verbosity verbosity;
    TextOptions text;
    addCommonOptions(app, out.common, verbosity, text, true);
    app.add_option("-o,--output", out.outputs,
                   "window, a video file (.mp4 .avi .mkv), an image pattern "
                   "(dir/frame_%06d.png), - (y4m on stdout), raw:- (BGR24 on stdout), null; "
                   "repeatable [default: window if a display exists, else null]");
    auto* reply = app.add_option("--reply", out.reply,
                                 "Bidirectional mode: the reply sent back for every frame");
    auto* replyStdin = app.add_flag("--reply-stdin", out.replyStdin,
                                    "Bidirectional mode: each stdin line is the next reply");
    reply->excludes(replyStdin);
    app.add_option("--output-fps", out.outputFps,
                   "Write every frame once at this rate (time-lapse, slow motion) [default: "
                   "the sender's rate, in real time]")
        ->check(CLI::PositiveNumber);

    ParseResult result = runParser(app, argc, argv, [&] {
        validateCommon(out.common);
        if ((reply->count() > 0 || out.replyStdin) && !out.common.bidirectional) {
            throw UsageError("--reply/--reply-stdin: replies need --bidirectional");
        }
    });
    parseFrameSize(text.maxFrameSize, out.common.maxFrameBytes);
    out.hasReply = reply->count() > 0;
    out.common.logLevel = resolveLogLevel(out.common.logLevel, verbosity);
    return result;
}

}  // namespace ng::cli
