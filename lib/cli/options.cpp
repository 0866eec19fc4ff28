// The CLI11 wiring of both tools' flags (docs/cli.md is the contract; keep every spelling).
#include "cli/options.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/config_file.hpp"
#include "cli/quantity.hpp"
#include "core/errors.hpp"
#include "source/colorspace.hpp"
#include "source/stabilizer.hpp"
#include "source/camera_list.hpp"
#include "transport/address_block.hpp"
#include "transport/key_file.hpp"
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
    std::vector<std::string> addresses;  // -a, repeatable
};

// --- The wire dialect (issue 22): kept together, one block. ---

void addWireOption(CLI::App& app, CommonOptions& o) {
    app.add_option("--wire", o.dialect,
                   "Message format: netgear-async (vidgear NetGear_Async), imagezmq "
                   "(ImageSender/ImageHub) or netgear (vidgear NetGear)")
        ->transform(oneOf("wire", {{"netgear-async", "0"}, {"imagezmq", "1"}, {"netgear", "2"}},
                          "netgear-async, imagezmq or netgear"))
        ->default_str("netgear-async");
}

// The patterns and modes the dialect has; exit 2 otherwise.
void validateWire(const CommonOptions& o) {
    transport::ChannelConfig config;
    config.dialect = o.dialect;
    config.pattern = o.pattern;
    config.bidirectional = o.bidirectional;
    transport::requireDialectPattern(config);
}

// --- end of the wire dialect block ---

void addCommonOptions(CLI::App& app, CommonOptions& o, Verbosity& v, TextOptions& text,
                      bool isReceiver) {
    addWireOption(app, o);
    app.add_option("-a,--address", text.addresses,
                   isReceiver ? std::string("Interface or host to bind (* = all), or an ipc "
                                            "path [default: ") + transport::kAnyInterface +
                                    "]; repeat it (HOST or HOST:PORT) to connect to several"
                              : std::string("Host to connect to, or an ipc path [default: ") +
                                    transport::kDefaultPeerHost +
                                    "]; repeat it (HOST or HOST:PORT) to reach several")
        ->allow_extra_args(false);
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

// --- CURVE keys and access control: kept together, one block. ---

CLI::Validator addressBlockValidator() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            if (transport::AddressBlock::parse(value)) return "";
            return "'" + value + "' is not an address block: use e.g. 192.168.1.0/24, 10.1.2.3 "
                   "or fd00::/8 (no bits set past the prefix)";
        },
        "CIDR");
}

void addSecurityOptions(CLI::App& app, CommonOptions& o, bool isReceiver) {
    transport::SecurityConfig& s = o.security;
    app.add_option("--keygen", o.keygen,
                   "Write a CURVE key pair NAME.key (public) and NAME.key_secret into "
                   "--keys-dir, then exit");
    app.add_option("--keys-dir", o.keysDir, "Folder --keygen writes into")->capture_default_str();
    app.add_option("--secret-key", s.secretKeyFile,
                   isReceiver ? "CURVE: this receiver's NAME.key_secret (needs --allow-keys)"
                              : "CURVE: this sender's NAME.key_secret (needs --server-key)");
    if (isReceiver) {
        app.add_option("--allow-keys", s.allowKeys,
                       "CURVE: senders let in: a folder of their *.key files, one .key file, or "
                       "'*' for any sender that knows this receiver's public key");
        app.add_option("--allow-ip", s.allowIps,
                       "Let in only senders from this address block (CIDR); repeatable; with "
                       "or without CURVE")
            ->check(addressBlockValidator());
    } else {
        app.add_option("--server-key", s.serverKeyFile,
                       "CURVE: the receiver's public NAME.key (needs --secret-key)");
    }
}

// --- A flaky link (issue 19): heartbeats. ---

void addLinkOptions(CLI::App& app, CommonOptions& o) {
    app.add_option("--heartbeat", o.heartbeatSeconds,
                   "Seconds between ZeroMQ heartbeats; a peer silent for as long again is "
                   "reported and its connection made anew (0 = off)")
        ->check(CLI::Range(0.0, 3600.0))
        ->capture_default_str();
}

// Checks that the key flags come in the pairs CURVE needs.
void validateSecurity(const CommonOptions& o, bool isReceiver) {
    const transport::SecurityConfig& s = o.security;
    if (isReceiver) {
        if (s.curve() && s.allowKeys.empty()) {
            throw UsageError("--allow-keys: --secret-key needs it: a folder of the senders' "
                             "public .key files, one .key file, or '*' for any sender");
        }
        if (!s.allowKeys.empty() && !s.curve()) {
            throw UsageError("--secret-key: --allow-keys needs this receiver's NAME.key_secret "
                             "(make one with --keygen NAME)");
        }
        if (!s.allowIps.empty() && o.protocol == Protocol::Ipc) {
            throw UsageError("--allow-ip: ipc peers have no address; limit who may open the "
                             "socket file with its folder's permissions instead");
        }
        return;
    }
    if (s.curve() != !s.serverKeyFile.empty()) {
        throw UsageError("--secret-key/--server-key: CURVE needs both, this sender's "
                         "NAME.key_secret and the receiver's public NAME.key");
    }
}

// --- end of the CURVE block ---

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
    validateWire(o);
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

// ---- ngsend's source settings: stdin frames and NetGear_Async's source options ----------

// The largest --stabilize-radius: a window this wide already smooths out whole pans.
constexpr int kMaxStabilizeRadius = 1000;

// The flags of this block whose use the others constrain.
struct SourceSettingFlags {
    CLI::Option* pixFmt = nullptr;
    CLI::Option* radius = nullptr;
    CLI::Option* border = nullptr;
};

SourceSettingFlags addSourceSettings(CLI::App& app, source::SourceOptions& o) {
    using source::PixelFormat;
    SourceSettingFlags flags;
    flags.pixFmt =
        app.add_option("--pix-fmt", o.pixFmt, "-s raw:-: the layout of the frames on stdin")
            ->transform(oneOf("pixel format",
                              {{"bgr24", std::to_string(int(PixelFormat::Bgr24))},
                               {"rgb24", std::to_string(int(PixelFormat::Rgb24))},
                               {"gray", std::to_string(int(PixelFormat::Gray))},
                               {"yuv420p", std::to_string(int(PixelFormat::Yuv420p))},
                               {"nv12", std::to_string(int(PixelFormat::Nv12))}},
                              "bgr24, rgb24, gray, yuv420p or nv12"))
            ->default_str("bgr24");
    app.add_option("--colorspace", o.colorspace,
                   "Convert frames before sending, as vidgear's COLOR_BGR2* (gray sends 1 "
                   "channel): " + source::colorspaceChoices())
        ->transform(CLI::Validator(
            [](std::string& value) -> std::string {
                const auto colorspace = source::findColorspace(value);
                if (!colorspace) {
                    return "'" + value + "' is not a colour space: use " +
                           source::colorspaceChoices() + " (or vidgear's COLOR_BGR2... name)";
                }
                value = colorspace->name;
                return "";
            },
            "NAME"));
    app.add_option("--backend", o.backend,
                   "OpenCV VideoCapture backend for files, cameras and URLs [default: FFmpeg "
                   "for files and URLs, V4L2 for cameras]")
        ->transform(oneOf("backend",
                          {{"any", "any"}, {"ffmpeg", "ffmpeg"}, {"gstreamer", "gstreamer"},
                           {"v4l2", "v4l2"}},
                          "any, ffmpeg, gstreamer or v4l2"));
    app.add_option("--time-delay", o.timeDelaySeconds,
                   "Wait SECONDS after opening the source before the first frame (camera "
                   "warm-up)")
        ->check(nonNegative());
    app.add_flag("--stabilize", o.stabilize,
                 "Stabilise the video (optical flow, moving average of the camera path); "
                 "frames leave --stabilize-radius frames late");
    flags.radius = app.add_option("--stabilize-radius", o.stabilizeRadius,
                                  "--stabilize: frames each side of the moving average")
                       ->check(CLI::Range(1, kMaxStabilizeRadius))
                       ->capture_default_str();
    flags.border = app.add_option("--stabilize-border", o.stabilizeBorder,
                                  "--stabilize: how the edges a correction uncovers are filled")
                       ->transform(CLI::IsMember(source::kStabilizeBorders, CLI::ignore_case))
                       ->capture_default_str();
    return flags;
}

// Paths that name this process's stdin, which a stdin source already reads.
bool isStdinPath(const std::string& path) {
    return path == "-" || path == "/dev/stdin" || path == "/dev/fd/0" || path == "/proc/self/fd/0";
}

void validateSourceSettings(const CLI::App& app, const source::SourceOptions& o,
                            const SourceSettingFlags& flags, bool sizeGiven) {
    const bool y4mStdin = o.spec == "-";
    const bool rawStdin = o.spec == "raw:-";
    if (flags.pixFmt->count() > 0 && !rawStdin) {
        throw UsageError("--pix-fmt: only for -s raw:- (bare frames on stdin); a y4m stream "
                         "(-s -) and other sources carry their own layout");
    }
    if (y4mStdin && sizeGiven) {
        throw UsageError("--size: -s - takes the size from the YUV4MPEG2 header; leave --size "
                         "out (it is for -s raw:-, the test pattern and cameras)");
    }
    if ((y4mStdin || rawStdin) && o.resize) {
        throw UsageError("--resize: not available for frames from stdin; let the producer "
                         "scale them (e.g. ffmpeg -vf scale=W:H)");
    }
    if (!o.stabilize && flags.radius->count() + flags.border->count() > 0) {
        throw UsageError("--stabilize-radius/--stabilize-border: these tune stabilisation; add "
                         "--stabilize");
    }
    // Only one reader may own stdin: frames from it and a config file read from it both
    // cannot have it.
    if (y4mStdin || rawStdin) {
        const CLI::Option* config = app.get_config_ptr();
        if (config != nullptr) {
            for (const std::string& path : config->results()) {
                if (isStdinPath(path)) {
                    throw UsageError("--config " + path + ": stdin carries the frames (-s " +
                                     o.spec + "); put the flags in a file");
                }
            }
        }
    }
}

// ---- end of ngsend's source settings ------------------------------------------------------
// ---- Many senders into one receiver (fan-in) ----

// Longest --name: it travels in every header (ng_name) and becomes part of file names.
constexpr std::size_t kMaxSenderName = 64;

std::string hostName() {
    char buffer[256] = {};
    if (gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "ngsend";
    return buffer;
}

// -a given more than once: the first is --address, the others more endpoints of that socket.
void splitAddresses(TextOptions& text, CommonOptions& o) {
    if (text.addresses.empty()) return;
    o.address = text.addresses.front();
    o.moreAddresses.assign(text.addresses.begin() + 1, text.addresses.end());
}

void checkMoreAddresses(const CommonOptions& o) {
    if (o.moreAddresses.empty() || o.pattern != transport::Pattern::Pair) return;
    throw UsageError("--address: given more than once, but PAIR (--pattern 0) has one peer; "
                     "use --pattern 2 (every peer gets every frame) or 3 (frames dealt in turn)");
}

void addSenderNameOption(CLI::App& app, SendOptions& out) {
    app.add_option("--name", out.name,
                   "How receivers of many senders call this one: its summary entry and the "
                   "{name} in their -o [default: the host name]");
}

void checkSenderName(SendOptions& out) {
    if (out.name.empty()) out.name = hostName();
    if (out.name.size() > kMaxSenderName) {
        throw UsageError("--name: '" + out.name + "' is longer than " +
                         std::to_string(kMaxSenderName) + " bytes; give a shorter name");
    }
}

void addSendersOption(CLI::App& app, RecvOptions& out) {
    app.add_option("--senders", out.senders,
                   "End the stream once N senders have ended theirs [default: when a sender "
                   "ends and no other is streaming]")
        ->check(CLI::Range(1, 1 << 20));
}


// Recording (issue 24): the video files' codec and encoder settings, segments and retention.
void addRecordingOptions(CLI::App& app, RecvOptions& out) {
    app.add_option("--video-codec", out.videoCodec,
                   "Video files: copy (store the received JPEGs as they are), h264, mjpeg or "
                   "ffv1 [default: copy for a JPEG stream into .mkv/.avi, else h264 (.avi: "
                   "mjpeg)]")
        ->check(CLI::IsMember({"auto", "copy", "h264", "mjpeg", "ffv1"}));
    app.add_option("--video-preset", out.videoPreset,
                   "h264: x264's preset, ultrafast … veryslow (slower: smaller files, more CPU)")
        ->capture_default_str();
    app.add_option("--video-crf", out.videoCrf,
                   "h264: quality, 0 (lossless) … 51 (worst); each +6 about halves the size")
        ->check(CLI::Range(0, 51))
        ->capture_default_str();
    const auto duration = [](std::int64_t& us, const char* flag) {
        return [&us, flag](const std::string& value) {
            const std::optional<std::int64_t> parsed = parseDurationUs(value);
            if (!parsed) {
                throw CLI::ValidationError(flag, "'" + value + "' is not a duration: use a "
                                           "number with s, m, h or d, e.g. 10m or 2s");
            }
            us = *parsed;
        };
    };
    app.add_option_function<std::string>("--segment", duration(out.segmentUs, "--segment"),
                                         "Video files: start a new file every DURATION (e.g. "
                                         "10m); name them with strftime fields, e.g. -o "
                                         "'rec/%Y-%m-%d/%H%M%S.mkv'");
    app.add_option_function<std::string>("--keep", duration(out.keepUs, "--keep"),
                                         "With --segment: delete segments that ended longer "
                                         "than DURATION ago (e.g. 7d)");
    app.add_option_function<std::string>(
        "--keep-size",
        [&out](const std::string& value) {
            const std::optional<std::uint64_t> parsed = parseByteSize(value);
            if (!parsed) {
                throw CLI::ValidationError("--keep-size", "'" + value + "' is not a size: use a "
                                           "number with k, M, G or T, e.g. 500M or 20G");
            }
            out.keepBytes = *parsed;
        },
        "With --segment: delete the oldest segments of each output beyond SIZE (e.g. 20G)");
}
// ---- Fit the link (issue 19): --max-bitrate and --jpeg-min-quality --------------------

CLI::Validator bitRateValidator() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            if (!parseBitRate(value)) {
                return "'" + value + "' is not a bit rate: use bits per second above 0, with "
                       "k, M or G for thousands, millions, billions, e.g. 4M, 500k, 2.5M";
            }
            return "";
        },
        "RATE");
}

struct BitrateFlags {
    std::string maxBitrate;
    CLI::Option* limit = nullptr;
    CLI::Option* minQuality = nullptr;
};

void addBitrateOptions(CLI::App& app, SendOptions& out, BitrateFlags& flags) {
    flags.limit = app.add_option("--max-bitrate", flags.maxBitrate,
                                 "JPEG: keep the stream under RATE bits/s (e.g. 4M, 500k) by "
                                 "lowering the quality frame by frame, down to "
                                 "--jpeg-min-quality, then skipping frames")
                      ->check(bitRateValidator());
    flags.minQuality = app.add_option("--jpeg-min-quality", out.jpegMinQuality,
                                      "JPEG with --max-bitrate: the lowest quality it may use")
                           ->check(CLI::Range(1, 100))
                           ->capture_default_str();
}

// After parsing: the limit as a number, and the flags' combinations checked.
void validateBitrate(const BitrateFlags& flags, SendOptions& out, bool jpeg) {
    if (flags.limit->count() == 0) {
        if (flags.minQuality->count() > 0) {
            throw UsageError("--jpeg-min-quality: the floor of --max-bitrate's quality "
                             "adaptation; add --max-bitrate RATE, or leave it out");
        }
        return;
    }
    if (!jpeg) {
        throw UsageError("--max-bitrate: adapts the JPEG quality, and raw frames have none; "
                         "add --compression jpeg");
    }
    out.maxBitrate = *parseBitRate(flags.maxBitrate);
    if (out.jpegMinQuality > out.jpeg.quality) {
        throw UsageError("--jpeg-min-quality: " + std::to_string(out.jpegMinQuality) +
                         " is above --jpeg-quality " + std::to_string(out.jpeg.quality) +
                         " (the ceiling); lower it or raise --jpeg-quality");
    }
}

}  // namespace

ParseResult parseSendOptions(int argc, char** argv, SendOptions& out) {
    CLI::App app{"ngsend: stream video frames over ZeroMQ, wire-compatible with NetGear_Async",
                 "ngsend"};
    Verbosity verbosity;
    TextOptions text;
    addCommonOptions(app, out.common, verbosity, text, false);
    addSecurityOptions(app, out.common, false);
    addLinkOptions(app, out.common);
    // The capture size's default is SourceOptions' own.
    std::string size = std::to_string(out.source.width) + "x" + std::to_string(out.source.height);
    app.add_option("-s,--source", out.source.spec,
                   "test, a video file, an image pattern (dir/%06d.png), a camera index, "
                   "picam[:N], a stream URL, - (YUV4MPEG2 on stdin) or raw:- (bare frames on "
                   "stdin, with --size and --pix-fmt)")
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
    // Frames back (bidirectional mode): where the receiver's frames go.
    app.add_option("--reply-output", out.replyOutputs,
                   "Bidirectional mode: write the frames the receiver sends back to OUT, "
                   "spelled as ngrecv's -o (window, a video file, an image pattern, - for y4m "
                   "on stdout, raw:-, null); repeatable [default: counted only]")
        ->needs(app.get_option("--bidirectional"));
    const SourceSettingFlags sourceFlags = addSourceSettings(app, out.source);
    BitrateFlags bitrateFlags;
    addBitrateOptions(app, out, bitrateFlags);

    // The Raspberry Pi camera (libcamera): listing and orientation.
    bool listCameras = false;
    app.add_flag("--list-cameras", listCameras,
                 "List V4L2 cameras (-s N) and libcamera cameras (-s picam:N), then exit");
    auto* hflip = app.add_flag("--hflip", out.source.hflip, "picam: mirror left-right");
    auto* vflip = app.add_flag("--vflip", out.source.vflip, "picam: mirror top-bottom");
    auto* rotation = app.add_option("--rotation", out.source.rotation,
                                    "picam: rotate by 0 or 180 degrees")
                         ->check(CLI::IsMember({0, 180}))
                         ->capture_default_str();
    addSenderNameOption(app, out);

    ParseResult result = runParser(app, argc, argv, [&] {
        splitAddresses(text, out.common);
        checkMoreAddresses(out.common);
        validateCommon(out.common);
        validateSourceSettings(app, out.source, sourceFlags, sizeOption->count() > 0);
        checkSenderName(out);
        validateSecurity(out.common, false);
        if (out.source.spec.empty()) throw UsageError("--source: empty; use e.g. -s test");
        if (hflip->count() + vflip->count() + rotation->count() > 0 &&
            out.source.spec.rfind("picam", 0) != 0) {
            throw UsageError("--hflip/--vflip/--rotation: these orient the Raspberry Pi "
                             "camera; use them with -s picam[:N]");
        }
        const bool jpegTuned =
            quality->count() + fast->count() + chroma->count() + threads->count() > 0;
        if (jpegTuned && compression != "jpeg") {
            throw UsageError("--jpeg-quality/--jpeg-fast/--jpeg-subsampling/--jpeg-threads: "
                             "these tune JPEG compression; add --compression jpeg");
        }
        validateBitrate(bitrateFlags, out, compression == "jpeg");
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
    if (result.run && listCameras) {
        std::fputs(source::listCameras().c_str(), stdout);
        return {false, kExitOk};
    }
    parseSize(size, out.source.width, out.source.height);
    out.source.sizeGiven = sizeOption->count() > 0;
    out.source.fps = out.fps > 0 ? out.fps : 0;
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
    addSecurityOptions(app, out.common, true);
    addLinkOptions(app, out.common);
    app.add_option("-o,--output", out.outputs,
                   "window, a video file (.mp4 .avi .mkv), an image pattern "
                   "(dir/frame_%06d.png), - (y4m on stdout), raw:- (BGR24 on stdout), null, "
                   "http://HOST:PORT (live view in a browser); "
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
    // Frames back (bidirectional mode): what ngrecv sends with each reply.
    app.add_option("--reply-source", out.replySource.spec,
                   "Bidirectional mode: send a frame from SRC with each reply, after any text; "
                   "SRC as ngsend's -s spells it (test, a video file, an image pattern, a camera "
                   "index, picam[:N], a URL); the newest captured frame goes back")
        ->needs(app.get_option("--bidirectional"));
    app.add_option_function<std::string>(
           "--reply-size",
           [&out](const std::string& value) {
               parseSize(value, out.replySource.width, out.replySource.height);
               out.replySource.sizeGiven = true;
           },
           "Capture size of --reply-source (test pattern, cameras) [default: " +
               std::to_string(out.replySource.width) + "x" +
               std::to_string(out.replySource.height) + "]")
        ->check(sizeValidator())
        ->needs(app.get_option("--reply-source"));
    addSendersOption(app, out);
    addRecordingOptions(app, out);
    // The HTTP output (issue 21): -o http://HOST:PORT serves MJPEG, snapshots and stats.
    app.add_option("--http-quality", out.httpQuality,
                   "-o http://: JPEG quality (1-100) of raw frames encoded for viewers; JPEG "
                   "streams are served as received [default: 80]")
        ->check(CLI::Range(1, 100));
    app.add_option("--http-max-clients", out.httpMaxClients,
                   "-o http://: video streams served at once; more get 503 [default: 16]")
        ->check(CLI::Range(1, 256));
    app.add_option("--http-token", out.httpToken,
                   "-o http://: every request must carry ?token=TOKEN or the header "
                   "'Authorization: Bearer TOKEN'")
        ->check([](const std::string& value) {
            return value.empty() ? std::string("the token must not be empty") : std::string();
        });

    ParseResult result = runParser(app, argc, argv, [&] {
        splitAddresses(text, out.common);
        checkMoreAddresses(out.common);
        validateCommon(out.common);
        validateSecurity(out.common, true);
        if ((reply->count() > 0 || out.replyStdin) && !out.common.bidirectional) {
            throw UsageError("--reply/--reply-stdin: replies need --bidirectional");
        }
    });
    parseFrameSize(text.maxFrameSize, out.common.maxFrameBytes);
    out.hasReply = reply->count() > 0;
    out.common.logLevel = resolveLogLevel(out.common.logLevel, verbosity);
    return result;
}

int runKeygen(const CommonOptions& options, const char* tool) {
    try {
        const auto [publicPath, secretPath] =
            transport::writeKeyPair(options.keysDir, options.keygen);
        std::printf("%s\n%s\n", publicPath.c_str(), secretPath.c_str());
        std::fprintf(stderr,
                     "%s: wrote the public key %s (copy it to the peer) and the secret key %s "
                     "(keep it here)\n",
                     tool, publicPath.c_str(), secretPath.c_str());
        return kExitOk;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
        return kExitUsage;
    }
}

}  // namespace ng::cli
