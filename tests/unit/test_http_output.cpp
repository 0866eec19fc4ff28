// Tests of the HTTP output's pure parts: its address, access rules, latest-frame slots,
// MJPEG framing, page and the summary JSON it serves.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "codec/jpeg.hpp"
#include "core/errors.hpp"
#include "core/live_stats.hpp"
#include "core/loopback_host.hpp"
#include "core/stream_stats.hpp"
#include "sink/http_settings.hpp"
#include "sink/plugins/http_access.hpp"
#include "sink/plugins/http_latest_frame.hpp"
#include "sink/plugins/http_mjpeg.hpp"
#include "sink/plugins/http_page.hpp"
#include "sink/sink.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;

namespace {

// A raw 1x1 frame whose one byte is `value`, owning its pixels.
ng::Frame rawFrame(std::uint8_t value, std::uint64_t seq) {
    auto pixels = std::make_shared<std::vector<std::uint8_t>>(3, value);
    ng::Frame frame;
    frame.shape = {1, 1, 3};
    frame.pixels = pixels->data();
    frame.owner = pixels;
    frame.seq = seq;
    return frame;
}

// Stands in for the JPEG encoder: a "JPEG" of the first pixel byte.
ng::Frame fakeEncode(const ng::Frame& raw, int& calls) {
    ++calls;
    auto bytes = std::make_shared<std::vector<std::uint8_t>>(1, raw.pixels[0]);
    ng::Frame jpeg = raw;
    jpeg.codec = ng::Codec::Jpeg;
    jpeg.pixels = bytes->data();
    jpeg.codedBytes = 1;
    jpeg.owner = bytes;
    return jpeg;
}

std::string usageErrorOf(const std::string& spec) {
    return ng::test::messageOf<ng::UsageError>([&] { ng::sink::parseHttpAddress(spec); });
}

}  // namespace

TEST_SUITE("http") {
    TEST_CASE("parseHttpAddress: host and port, every interface, a free port, IPv6") {
        using ng::sink::parseHttpAddress;
        CHECK_FALSE(parseHttpAddress("out.mkv"));
        auto a = parseHttpAddress("http://127.0.0.1:8080");
        REQUIRE(a);
        CHECK(a->host == "127.0.0.1");
        CHECK(a->port == 8080);
        a = parseHttpAddress("http://:0/");
        REQUIRE(a);
        CHECK(a->host.empty());
        CHECK(a->port == 0);
        a = parseHttpAddress("http://[::1]:9");
        REQUIRE(a);
        CHECK(a->host == "::1");
        CHECK(usageErrorOf("http://host").find("port is missing") != std::string::npos);
        CHECK(usageErrorOf("http://host:99999").find("0-65535") != std::string::npos);
        CHECK(usageErrorOf("http://host:80/live").find("path") != std::string::npos);
        CHECK(usageErrorOf("http://::1:80").find("brackets") != std::string::npos);
        CHECK(ng::sink::outputKind("http://:8080") == "http");
    }

    TEST_CASE("an HTTP output serves every sender: {name} in it is refused") {
        const std::string error = ng::test::messageOf<ng::UsageError>(
            [] { ng::sink::checkPerSenderSpec("http://{name}:8080"); });
        CHECK(error.find("leave {name} out") != std::string::npos);
    }

    TEST_CASE("isLoopbackHost: only this machine") {
        CHECK(ng::isLoopbackHost("127.0.0.1"));
        CHECK(ng::isLoopbackHost("::1"));
        CHECK(ng::isLoopbackHost("localhost"));
        CHECK_FALSE(ng::isLoopbackHost(""));
        CHECK_FALSE(ng::isLoopbackHost("0.0.0.0"));
        CHECK_FALSE(ng::isLoopbackHost("192.168.1.2"));
    }

    TEST_CASE("tokenAccepted: none asked, ?token= or a Bearer header") {
        using ng::sink::http::tokenAccepted;
        CHECK(tokenAccepted("", "", ""));
        CHECK(tokenAccepted("s3cret", "s3cret", ""));
        CHECK(tokenAccepted("s3cret", "", "Bearer s3cret"));
        CHECK_FALSE(tokenAccepted("s3cret", "", ""));
        CHECK_FALSE(tokenAccepted("s3cret", "s3cre", ""));
        CHECK_FALSE(tokenAccepted("s3cret", "", "Basic s3cret"));
        CHECK_FALSE(tokenAccepted("s3cret", "", "Bearer s3cret2"));
    }

    TEST_CASE("ClientLimit: at most N tickets, each returned when dropped") {
        ng::sink::http::ClientLimit limit(2);
        auto a = limit.tryEnter();
        auto b = limit.tryEnter();
        CHECK(a);
        CHECK(b);
        CHECK_FALSE(limit.tryEnter());
        CHECK(limit.active() == 2);
        a.reset();
        CHECK(limit.active() == 1);
        CHECK(limit.tryEnter());
    }

    TEST_CASE("LatestFrame: a viewer gets the newest frame, skipping what it missed") {
        ng::sink::http::LatestFrame latest;
        CHECK_FALSE(latest.newest());
        CHECK_FALSE(latest.waitNewer(0, 1ms));
        latest.publish(rawFrame(1, 10));
        latest.publish(rawFrame(2, 11));
        latest.publish(rawFrame(3, 12));
        auto frame = latest.waitNewer(0, 1ms);
        REQUIRE(frame);
        CHECK(frame->frame().seq == 12);
        CHECK(frame->version() == 3);
        // Nothing newer than what it sent: it waits.
        CHECK_FALSE(latest.waitNewer(frame->version(), 1ms));
    }

    TEST_CASE("LatestFrame: a stalled viewer holds one frame, the writer never waits") {
        ng::sink::http::LatestFrame latest;
        latest.publish(rawFrame(1, 0));
        std::shared_ptr<ng::sink::http::ServedFrame> held = latest.newest();
        std::weak_ptr<const void> firstPixels = held->frame().owner;
        for (std::uint64_t seq = 1; seq < 100; ++seq) latest.publish(rawFrame(2, seq));
        // The held frame lives on; the 98 between were freed as they were replaced.
        CHECK(held->frame().seq == 0);
        CHECK_FALSE(firstPixels.expired());
        held.reset();
        CHECK(firstPixels.expired());
        CHECK(latest.newest()->frame().seq == 99);
    }

    TEST_CASE("LatestFrame: a waiting viewer wakes for a frame and for close()") {
        ng::sink::http::LatestFrame latest;
        std::atomic<std::uint64_t> got{0};
        std::thread viewer([&] {
            if (auto frame = latest.waitNewer(0, 5s)) got = frame->frame().seq + 1;
        });
        latest.publish(rawFrame(1, 41));
        viewer.join();
        CHECK(got == 42);
        std::thread closing([&] { CHECK_FALSE(latest.waitNewer(1, 5s)); });
        latest.close();
        closing.join();
        CHECK(latest.closed());
        latest.publish(rawFrame(1, 43));
        CHECK_FALSE(latest.newest());
    }

    TEST_CASE("ServedFrame: a raw frame is encoded once for all viewers; a JPEG never") {
        int calls = 0;
        const ng::sink::http::ServedFrame::Encode encode = [&](const ng::Frame& raw) {
            return fakeEncode(raw, calls);
        };
        ng::sink::http::ServedFrame raw(rawFrame(7, 0), 1);
        CHECK(raw.jpeg(encode).size == 1);
        CHECK(raw.jpeg(encode).data[0] == 7);
        CHECK(calls == 1);

        int unused = 0;
        ng::Frame received = fakeEncode(rawFrame(9, 0), unused);
        ng::sink::http::ServedFrame jpeg(received, 1);
        CHECK(jpeg.jpeg(encode).data == received.pixels);
        CHECK(calls == 1);
    }

    TEST_CASE("mjpegPartHeader: boundary, type, length and frame number") {
        using namespace ng::sink::http;
        CHECK(mjpegContentType() == "multipart/x-mixed-replace; boundary=ngframe");
        CHECK(mjpegPartHeader(1234, 56) ==
              "--ngframe\r\nContent-Type: image/jpeg\r\nContent-Length: 1234\r\n"
              "X-Frame-Seq: 56\r\n\r\n");
    }

    TEST_CASE("the page polls /stats.json, shows streams, and loads nothing from elsewhere") {
        const std::string& page = ng::sink::http::indexPage();
        CHECK(page.find("stats.json") != std::string::npos);
        CHECK(page.find("stream.mjpg?sender=") != std::string::npos);
        CHECK(page.find("waiting for a sender") != std::string::npos);
        CHECK(page.find("http://") == std::string::npos);
        CHECK(page.find("https://") == std::string::npos);
        CHECK(page.find("//cdn") == std::string::npos);
    }

    TEST_CASE("summaryJson: the --summary object, as the HTTP output serves it live") {
        ng::StatsSnapshot s;
        s.frames = 3;
        s.dropped = 1;
        const std::string json = ng::summaryJson(s, {{"tool", ng::jsonString("ngrecv")}});
        CHECK(json.rfind("{\"frames\": 3, ", 0) == 0);
        CHECK(json.find("\"dropped\": 1") != std::string::npos);
        CHECK(json.find("\"tool\": \"ngrecv\"}") != std::string::npos);
        ng::LiveStats live;
        CHECK(*live.latest() == "{}");
        live.publish(json);
        CHECK(*live.latest() == json);
    }

    TEST_CASE("a decoded JPEG frame keeps its sender, so per-sender outputs get the right one") {
        auto pixels = std::make_shared<std::vector<std::uint8_t>>(16 * 16 * 3, 100);
        ng::Frame raw;
        raw.shape = {16, 16, 3};
        raw.pixels = pixels->data();
        raw.owner = pixels;
        raw.seq = 5;
        raw.sender = 3;
        ng::codec::JpegEncoder encoder(ng::codec::JpegSettings{});
        const ng::Frame jpeg = encoder.encode(raw);
        CHECK(jpeg.sender == 3);
        ng::codec::JpegDecoder decoder;
        const ng::Frame decoded = decoder.decode(jpeg);
        CHECK(decoded.seq == 5);
        CHECK(decoded.sender == 3);
    }
}
