// Unit tests of lib/cli: docs/cli.md's spellings parse, bad values are refused with exit 2.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "cli/config_file.hpp"
#include "cli/one_line.hpp"
#include "cli/options.hpp"
#include "core/errors.hpp"
#include "pipeline/channel_config.hpp"
#include "test_support.hpp"

namespace {

// Owns argv storage for one parse call.
struct Args {
    explicit Args(std::vector<std::string> words) : storage(std::move(words)) {
        for (auto& w : storage) pointers.push_back(w.data());
    }
    int argc() { return static_cast<int>(pointers.size()); }
    char** argv() { return pointers.data(); }
    std::vector<std::string> storage;
    std::vector<char*> pointers;
};

ng::cli::ParseResult send(std::vector<std::string> words, ng::cli::SendOptions& out) {
    words.insert(words.begin(), "ngsend");
    Args args(std::move(words));
    return ng::cli::parseSendOptions(args.argc(), args.argv(), out);
}

ng::cli::ParseResult recv(std::vector<std::string> words, ng::cli::RecvOptions& out) {
    words.insert(words.begin(), "ngrecv");
    Args args(std::move(words));
    return ng::cli::parseRecvOptions(args.argc(), args.argv(), out);
}

// The endpoint a tool uses, as its pipeline derives it from the shared flags.
ng::transport::Endpoint endpointOf(const ng::cli::CommonOptions& common, bool isReceiver) {
    return ng::pipeline::channelConfigFor(common, isReceiver).endpoint;
}

// Writes `text` to a config file in `dir`; returns its path.
std::string writeConfig(const ng::test::TempDir& dir, const std::string& text) {
    const std::string path = dir.path() + "/tool.ini";
    std::ofstream(path) << text;
    return path;
}

// The message checkConfigFile gives for `text` against `keys`; "" when it accepts it.
std::string configError(const std::string& text, const std::vector<std::string>& keys) {
    ng::test::TempDir dir("ng_cli_config");
    return ng::test::messageOf<ng::UsageError>(
        [&] { ng::cli::checkConfigFile(writeConfig(dir, text), keys); });
}

}  // namespace

TEST_SUITE("cli") {

TEST_CASE("defaults match docs/cli.md") {
    ng::cli::SendOptions s;
    REQUIRE(send({}, s).run);
    CHECK(s.source.spec == "test");
    CHECK(s.source.width == 640);
    CHECK(s.source.height == 480);
    CHECK(s.common.port == 5555);
    CHECK(s.common.timeoutSeconds == 15);
    CHECK(s.common.pattern == ng::transport::Pattern::Pair);
    const auto sendEnd = endpointOf(s.common, false);
    CHECK(sendEnd.url() == "tcp://localhost:5555");
    CHECK_FALSE(sendEnd.bind);

    ng::cli::RecvOptions r;
    REQUIRE(recv({}, r).run);
    const auto recvEnd = endpointOf(r.common, true);
    CHECK(recvEnd.url() == "tcp://*:5555");
    CHECK(recvEnd.bind);
}

TEST_CASE("patterns parse by number and by name") {
    const std::vector<std::pair<std::string, ng::transport::Pattern>> cases = {
        {"0", ng::transport::Pattern::Pair},     {"pair", ng::transport::Pattern::Pair},
        {"1", ng::transport::Pattern::ReqRep},   {"reqrep", ng::transport::Pattern::ReqRep},
        {"2", ng::transport::Pattern::PubSub},   {"pubsub", ng::transport::Pattern::PubSub},
        {"3", ng::transport::Pattern::PushPull}, {"PUSHPULL", ng::transport::Pattern::PushPull}};
    for (const auto& [word, pattern] : cases) {
        CAPTURE(word);
        ng::cli::SendOptions s;
        REQUIRE(send({"--pattern", word}, s).run);
        CHECK(s.common.pattern == pattern);
    }
}

TEST_CASE("--bind and --connect swap which end binds") {
    ng::cli::SendOptions s;
    REQUIRE(send({"--bind", "-p", "6000"}, s).run);
    const auto e = endpointOf(s.common, false);
    CHECK(e.bind);
    CHECK(e.url() == "tcp://*:6000");

    ng::cli::RecvOptions r;
    REQUIRE(recv({"--connect", "-a", "10.0.0.2"}, r).run);
    const auto c = endpointOf(r.common, true);
    CHECK_FALSE(c.bind);
    CHECK(c.url() == "tcp://10.0.0.2:5555");
}

TEST_CASE("ipc endpoints use the address as the socket path") {
    ng::cli::RecvOptions r;
    REQUIRE(recv({"--protocol", "ipc", "-a", "/tmp/x.sock"}, r).run);
    CHECK(endpointOf(r.common, true).url() == "ipc:///tmp/x.sock");
}

TEST_CASE("bad values are refused with exit code 2") {
    const std::vector<std::vector<std::string>> bad = {
        {"--port", "70000"},  {"--pattern", "7"},       {"--protocol", "udp"},
        {"--timeout", "-1"},  {"--size", "640"},        {"--size", "0x480"},
        {"--frames", "-5"},   {"--bind", "--connect"},  {"--no-such-flag"},
        {"--fps", "-3"},      {"--log-level", "loud"},  {"--pattern", "2", "--bidirectional"},
        {"--protocol", "ipc"}};
    for (const auto& words : bad) {
        CAPTURE(words.front());
        ng::cli::SendOptions s;
        const ng::cli::ParseResult result = send(words, s);
        CHECK_FALSE(result.run);
        CHECK(result.exitCode == ng::kExitUsage);
    }
}

TEST_CASE("--max-frame-size sets the largest frame in bytes, default 4096x4096x4") {
    ng::cli::RecvOptions defaults;
    REQUIRE(recv({}, defaults).run);
    CHECK(defaults.common.maxFrameBytes == std::size_t{4096} * 4096 * 4);

    ng::cli::RecvOptions r;
    REQUIRE(recv({"--max-frame-size", "64x48x3"}, r).run);
    CHECK(r.common.maxFrameBytes == 64 * 48 * 3);
    ng::cli::SendOptions s;
    REQUIRE(send({"--max-frame-size", "1920X1080x1"}, s).run);
    CHECK(s.common.maxFrameBytes == 1920 * 1080);
    // The largest accepted: each side at most source::kMaxSide, 4 channels.
    ng::cli::RecvOptions big;
    REQUIRE(recv({"--max-frame-size", "16384x16384x4"}, big).run);
    CHECK(big.common.maxFrameBytes == std::size_t{16384} * 16384 * 4);

    const std::vector<std::string> bad = {
        "640x480",   "64x64x2",     "0x64x3",     "64x0x3",       "64x64x0",  "x64x3",
        "64x64x",    "64x64x3x1",   "-64x64x3",   "64.5x64x3",    "abc",      "",
        "16385x2x1", "65535x65535x4", "99999999999999999999x1x1"};
    for (const auto& value : bad) {
        CAPTURE(value);
        ng::cli::RecvOptions o;
        const ng::cli::ParseResult result = recv({"--max-frame-size", value}, o);
        CHECK_FALSE(result.run);
        CHECK(result.exitCode == ng::kExitUsage);
        ng::cli::SendOptions so;
        CHECK(send({"--max-frame-size", value}, so).exitCode == ng::kExitUsage);
    }
}

TEST_CASE("replies need bidirectional mode and exclude each other") {
    ng::cli::RecvOptions a;
    CHECK(recv({"--reply", "hi"}, a).exitCode == ng::kExitUsage);
    ng::cli::RecvOptions b;
    CHECK(recv({"--bidirectional", "--reply", "hi", "--reply-stdin"}, b).exitCode ==
          ng::kExitUsage);
    ng::cli::RecvOptions c;
    REQUIRE(recv({"--bidirectional", "--reply", "hi"}, c).run);
    CHECK(c.hasReply);
    CHECK(c.reply == "hi");
}

TEST_CASE("frames back: the flags need bidirectional mode; --reply-size sizes the source") {
    ng::cli::RecvOptions a;
    CHECK(recv({"--reply-source", "test"}, a).exitCode == ng::kExitUsage);
    ng::cli::RecvOptions b;
    CHECK(recv({"--bidirectional", "--reply-size", "320x240"}, b).exitCode == ng::kExitUsage);
    ng::cli::RecvOptions c;
    CHECK(recv({"--bidirectional", "--reply-source", "test", "--reply-size", "0x5"}, c).exitCode ==
          ng::kExitUsage);
    ng::cli::RecvOptions d;
    REQUIRE(recv({"--bidirectional", "--reply", "hi", "--reply-source", "clip.mp4", "--reply-size",
                  "320x240"},
                 d)
                .run);
    CHECK(d.replySource.spec == "clip.mp4");
    CHECK(d.replySource.width == 320);
    CHECK(d.replySource.height == 240);
    CHECK(d.replySource.sizeGiven);
    ng::cli::RecvOptions e;
    REQUIRE(recv({}, e).run);
    CHECK(e.replySource.spec.empty());

    ng::cli::SendOptions f;
    CHECK(send({"--reply-output", "null"}, f).exitCode == ng::kExitUsage);
    ng::cli::SendOptions g;
    REQUIRE(
        send({"--bidirectional", "--reply-output", "window", "--reply-output", "back.mkv"}, g).run);
    CHECK(g.replyOutputs == std::vector<std::string>{"window", "back.mkv"});
}

TEST_CASE("JPEG flags set the codec, its settings and the encoders") {
    ng::cli::SendOptions plain;
    REQUIRE(send({}, plain).run);
    CHECK(plain.compression == ng::Codec::Raw);
    CHECK(plain.jpegThreads == 0);

    ng::cli::SendOptions s;
    REQUIRE(send({"--compression", "jpeg", "--jpeg-quality", "75", "--jpeg-fast",
                  "--jpeg-subsampling", "444", "--jpeg-threads", "3"},
                 s)
                .run);
    CHECK(s.compression == ng::Codec::Jpeg);
    CHECK(s.jpeg.quality == 75);
    CHECK(s.jpeg.fast);
    CHECK(s.jpeg.subsampling == ng::codec::Subsampling::S444);
    CHECK(s.jpegThreads == 3);
}

TEST_CASE("-v, -q and --log-level set the level") {
    ng::cli::SendOptions a;
    REQUIRE(send({"-vv"}, a).run);
    CHECK(a.common.logLevel == "trace");
    ng::cli::SendOptions b;
    REQUIRE(send({"-q"}, b).run);
    CHECK(b.common.logLevel == "warn");
    ng::cli::SendOptions c;
    REQUIRE(send({"--log-level", "error"}, c).run);
    CHECK(c.common.logLevel == "error");
    ng::cli::SendOptions d;
    REQUIRE(send({}, d).run);
    CHECK(d.common.logLevel.empty());
}

TEST_CASE("--help and --version exit 0 without running") {
    ng::cli::SendOptions s;
    const auto help = send({"--help"}, s);
    CHECK_FALSE(help.run);
    CHECK(help.exitCode == 0);
    ng::cli::RecvOptions r;
    const auto version = recv({"--version"}, r);
    CHECK_FALSE(version.run);
    CHECK(version.exitCode == 0);
}

TEST_CASE("a config file with an unknown key or an unreadable line is a usage error") {
    const std::vector<std::string> keys = {"address", "port", "pattern", "latest", "v"};
    CHECK(configError("# comment\n; comment\n\naddress = 10.0.0.1\nport=6000\nlatest\n"
                      "pattern = 3  # PUSH/PULL\n",
                      keys)
              .empty());
    const std::string typo = configError("port = 6000\nadress = 10.0.0.1\n", keys);
    CHECK(typo.find("tool.ini line 2: unknown key 'adress'") != std::string::npos);
    CHECK(typo.find("nearest valid key: address") != std::string::npos);
    CHECK(configError("[ngsend]\nport = 6000\n", keys).find("line 1: sections such as "
                                                            "[ngsend]") != std::string::npos);
    CHECK(configError("port = 1\nthis is not a setting\n", keys).find("line 2:") !=
          std::string::npos);
    CHECK(configError("v\n", keys).find("line 1:") != std::string::npos);
    CHECK(configError("= 3\n", keys).find("has no key") != std::string::npos);
    CHECK(configError("pattern = [1,\n2\n", keys).find("never closed") != std::string::npos);
    CHECK(ng::cli::nearestWord("ouptut", {"output", "outputs", "port"}) == "output");
}

TEST_CASE("--config: a typo or a key of the other tool exits 2; the shipped examples parse") {
    ng::test::TempDir dir("ng_cli_config");
    ng::cli::SendOptions typo;
    CHECK(send({"--config", writeConfig(dir, "adress = 10.0.0.1\n")}, typo).exitCode ==
          ng::kExitUsage);
    ng::cli::SendOptions otherTool;
    CHECK(send({"--config", writeConfig(dir, "output = x.mp4\n")}, otherTool).exitCode ==
          ng::kExitUsage);
    ng::cli::RecvOptions fine;
    REQUIRE(recv({"--config", writeConfig(dir, "address = 127.0.0.1\nlatest = true\n")}, fine)
                .run);
    CHECK(fine.common.address == "127.0.0.1");
    CHECK(fine.common.latest);

    const std::string configDir = std::string(NG_FIXTURE_DIR) + "/../../config";
    ng::cli::SendOptions sendExample;
    CHECK(send({"--config", configDir + "/ngsend.example.ini"}, sendExample).run);
    ng::cli::RecvOptions recvExample;
    CHECK(recv({"--config", configDir + "/ngrecv.example.ini"}, recvExample).run);
}

TEST_CASE("every size flag takes sides of 1 to kMaxSide, through one parser") {
    const std::string max = std::to_string(ng::source::kMaxSide);
    const std::string over = std::to_string(ng::source::kMaxSide + 1);
    ng::cli::SendOptions s;
    REQUIRE(send({"--size", max + "x" + max, "--max-frame-size", max + "x" + max + "x4"}, s)
                .run);
    CHECK(s.source.width == ng::source::kMaxSide);
    CHECK(s.common.maxFrameBytes == std::size_t(ng::source::kMaxSide) * ng::source::kMaxSide * 4);
    ng::cli::SendOptions wide;
    CHECK(send({"--size", over + "x1"}, wide).exitCode == ng::kExitUsage);
    ng::cli::RecvOptions frame;
    CHECK(recv({"--max-frame-size", over + "x1x1"}, frame).exitCode == ng::kExitUsage);
}

TEST_CASE("--size is marked as given, so a file source can say it needs --resize") {
    ng::cli::SendOptions plain;
    REQUIRE(send({}, plain).run);
    CHECK_FALSE(plain.source.sizeGiven);
    ng::cli::SendOptions sized;
    REQUIRE(send({"--size", "320x240"}, sized).run);
    CHECK(sized.source.sizeGiven);
}

TEST_CASE("--jpeg-fast where the encoder always uses the accurate DCT is a usage error") {
    ng::cli::SendOptions s;
    CHECK(send({"--compression", "jpeg", "--jpeg-fast", "--jpeg-quality",
                std::to_string(ng::codec::kAlwaysAccurateQuality)},
               s)
              .exitCode == ng::kExitUsage);
}

TEST_CASE("a binding end resolves a host name; the connecting end leaves it to ZeroMQ") {
    ng::cli::RecvOptions r;
    REQUIRE(recv({"-a", "localhost", "-p", "6000"}, r).run);
    const auto bound = endpointOf(r.common, true);
    CHECK(bound.bind);
    CHECK(bound.url() == "tcp://127.0.0.1:6000");
    ng::cli::RecvOptions lo;
    REQUIRE(recv({"-a", "lo"}, lo).run);
    CHECK(endpointOf(lo.common, true).address == "lo");  // an interface name ZeroMQ knows
    ng::cli::RecvOptions bad;
    REQUIRE(recv({"-a", "no-such-host.invalid"}, bad).run);
    CHECK_THROWS_AS(endpointOf(bad.common, true), ng::UsageError);
    ng::cli::SendOptions s;
    REQUIRE(send({"-a", "localhost"}, s).run);
    CHECK(endpointOf(s.common, false).url() == "tcp://localhost:5555");
}

TEST_CASE("per-frame text is escaped onto one line") {
    CHECK(ng::cli::oneLine("plain text") == "plain text");
    CHECK(ng::cli::oneLine("two\nlines\r") == "two\\nlines\\r");
    CHECK(ng::cli::oneLine("back\\slash\ttab\x1b") == "back\\\\slash\\ttab\\x1b");
}

}  // TEST_SUITE

TEST_CASE("stdin sources and NetGear_Async's source options parse into SourceOptions") {
    using ng::source::PixelFormat;
    ng::cli::SendOptions plain;
    REQUIRE(send({}, plain).run);
    CHECK(plain.source.pixFmt == PixelFormat::Bgr24);
    CHECK(plain.source.colorspace.empty());
    CHECK(plain.source.backend.empty());
    CHECK(plain.source.timeDelaySeconds == 0);
    CHECK_FALSE(plain.source.stabilize);
    CHECK(plain.source.stabilizeRadius == 25);
    CHECK(plain.source.stabilizeBorder == "black");

    ng::cli::SendOptions s;
    REQUIRE(send({"-s", "raw:-", "--size", "64x48", "--pix-fmt", "NV12", "--colorspace",
                  "COLOR_BGR2HSV", "--backend", "FFmpeg", "--time-delay", "1.5", "--stabilize",
                  "--stabilize-radius", "7", "--stabilize-border", "Replicate"},
                 s)
                .run);
    CHECK(s.source.pixFmt == PixelFormat::Nv12);
    CHECK(s.source.colorspace == "hsv");
    CHECK(s.source.backend == "ffmpeg");
    CHECK(s.source.timeDelaySeconds == 1.5);
    CHECK(s.source.stabilize);
    CHECK(s.source.stabilizeRadius == 7);
    CHECK(s.source.stabilizeBorder == "replicate");

    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"--pix-fmt", "nv12"},  // not -s raw:-
          {"-s", "raw:-", "--pix-fmt", "yuyv"},
          {"--colorspace", "sepia"},
          {"--backend", "dshow"},
          {"--time-delay", "-1"},
          {"--stabilize-radius", "5"},  // without --stabilize
          {"--stabilize", "--stabilize-radius", "0"},
          {"--stabilize", "--stabilize-border", "blur"},
          {"-s", "-", "--size", "64x48"},
          {"-s", "raw:-", "--size", "64x48", "--resize"}}) {
        ng::cli::SendOptions o;
        CHECK(send(bad, o).exitCode == ng::kExitUsage);
    }
}
