// Unit tests of lib/cli: cli.md's spellings parse, bad values are refused with exit 2.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/options.hpp"
#include "core/errors.hpp"

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

}  // namespace

TEST_SUITE("cli") {

TEST_CASE("defaults match cli.md") {
    ng::cli::SendOptions s;
    REQUIRE(send({}, s).run);
    CHECK(s.source.spec == "test");
    CHECK(s.source.width == 640);
    CHECK(s.source.height == 480);
    CHECK(s.common.port == 5555);
    CHECK(s.common.timeoutSeconds == 15);
    CHECK(s.common.pattern == ng::transport::Pattern::Pair);
    const auto sendEnd = ng::cli::endpointFor(s.common, false);
    CHECK(sendEnd.url() == "tcp://localhost:5555");
    CHECK_FALSE(sendEnd.bind);

    ng::cli::RecvOptions r;
    REQUIRE(recv({}, r).run);
    const auto recvEnd = ng::cli::endpointFor(r.common, true);
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
    const auto e = ng::cli::endpointFor(s.common, false);
    CHECK(e.bind);
    CHECK(e.url() == "tcp://*:6000");

    ng::cli::RecvOptions r;
    REQUIRE(recv({"--connect", "-a", "10.0.0.2"}, r).run);
    const auto c = ng::cli::endpointFor(r.common, true);
    CHECK_FALSE(c.bind);
    CHECK(c.url() == "tcp://10.0.0.2:5555");
}

TEST_CASE("ipc endpoints use the address as the socket path") {
    ng::cli::RecvOptions r;
    REQUIRE(recv({"--protocol", "ipc", "-a", "/tmp/x.sock"}, r).run);
    CHECK(ng::cli::endpointFor(r.common, true).url() == "ipc:///tmp/x.sock");
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
    // The largest accepted: one msgpack bin holds at most 4 GiB - 1 bytes.
    ng::cli::RecvOptions big;
    REQUIRE(recv({"--max-frame-size", "65535x16384x4"}, big).run);
    CHECK(big.common.maxFrameBytes == std::size_t{65535} * 16384 * 4);

    const std::vector<std::string> bad = {
        "640x480",   "64x64x2",     "0x64x3",     "64x0x3",       "64x64x0",  "x64x3",
        "64x64x",    "64x64x3x1",   "-64x64x3",   "64.5x64x3",    "abc",      "",
        "65536x2x1", "65535x65535x4", "99999999999999999999x1x1"};
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

}  // TEST_SUITE
