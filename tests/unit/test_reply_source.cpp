// Unit tests of ngrecv's reply sources: text, and frames captured to send back.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/errors.hpp"
#include "pipeline/reply_source.hpp"

using ng::pipeline::ReplySource;
using namespace std::chrono_literals;

namespace {
const std::atomic<bool> kNoStop{false};
}  // namespace

TEST_SUITE("pipeline") {

TEST_CASE("a frame reply source answers at once with the newest frame, after the text") {
    ng::source::SourceOptions options;
    options.spec = "test";
    options.width = 32;
    options.height = 24;
    auto replies = ReplySource::withFrames(ReplySource::fixed("hi"), options, 5000ms, kNoStop);
    const ng::transport::ReplyContent first = replies->next();
    CHECK(first.data.text == "hi");
    REQUIRE(!first.frame.empty());
    CHECK(first.frame.shape == ng::FrameShape{24, 32, 3});

    // Capture goes on at the source's own pace: later answers carry later frames, and no
    // answer waits for one.
    std::uint64_t newest = first.frame.seq;
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (newest == first.frame.seq && std::chrono::steady_clock::now() < end) {
        const auto start = std::chrono::steady_clock::now();
        const ng::transport::ReplyContent reply = replies->next();
        CHECK(std::chrono::steady_clock::now() - start < 250ms);
        REQUIRE(!reply.frame.empty());
        CHECK(reply.frame.seq >= newest);
        newest = reply.frame.seq;
        std::this_thread::sleep_for(10ms);
    }
    CHECK(newest > first.frame.seq);
    CHECK(replies->framesSent() >= 2);
}

TEST_CASE("a frame reply source that cannot be opened fails at once, naming it") {
    ng::source::SourceOptions options;
    options.spec = "/no/such/clip.mp4";
    CHECK_THROWS_AS(ReplySource::withFrames(ReplySource::none(), options, 1000ms, kNoStop),
                    ng::UsageError);
}

}  // TEST_SUITE
