// Unit tests of lib/pipeline/encode_stage: several encoders at once still hand frames to the
// send loop in capture order, and a frame that cannot be encoded ends the stage cleanly.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "pipeline/encode_stage.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using ng::test::takeAll;

namespace {

// Gives the frames it was made with, in order, then reports itself finished. Not
// thread-safe, as an inline capture is not: EncodeStage must take from it one at a time.
class ListFeed : public ng::pipeline::FrameFeed {
public:
    explicit ListFeed(std::vector<ng::Frame> frames) : frames_(std::move(frames)) {}

    std::optional<ng::Frame> take(std::chrono::milliseconds /*wait*/) override {
        if (next_ == frames_.size()) return std::nullopt;
        return frames_[next_++];
    }
    bool finished() const override { return next_ == frames_.size(); }

private:
    std::vector<ng::Frame> frames_;
    std::size_t next_ = 0;
};

// A noisy BGR frame numbered `seq`: noise makes a large frame slow to encode.
ng::Frame noisyFrame(std::uint64_t seq, int width, int height) {
    auto pixels =
        std::make_shared<std::vector<std::uint8_t>>(static_cast<std::size_t>(width) * height * 3);
    std::uint32_t state = static_cast<std::uint32_t>(seq) * 2654435761u + 1;
    for (std::uint8_t& value : *pixels) {
        state = state * 1664525u + 1013904223u;
        value = static_cast<std::uint8_t>(state >> 24);
    }
    ng::Frame frame;
    frame.shape = {height, width, 3};
    frame.pixels = pixels->data();
    frame.owner = pixels;
    frame.seq = seq;
    return frame;
}

}  // namespace

TEST_SUITE("pipeline") {

TEST_CASE("encode stage: frames leave in capture order whichever encoder finishes first") {
    // Large and tiny frames alternate, so a later tiny frame is ready before the large one
    // taken just before it.
    std::vector<ng::Frame> captured;
    for (std::uint64_t seq = 0; seq < 60; ++seq) {
        captured.push_back(seq % 2 == 0 ? noisyFrame(seq, 512, 384) : noisyFrame(seq, 8, 8));
    }
    ListFeed feed(captured);
    ng::pipeline::EncodeStage stage(feed, ng::codec::JpegSettings{}, 3);
    const std::vector<ng::Frame> encoded = takeAll(stage);
    stage.join();

    CHECK_FALSE(stage.error());
    REQUIRE(encoded.size() == captured.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        CHECK(encoded[i].seq == i);
        CHECK(encoded[i].codec == ng::Codec::Jpeg);
        CHECK(encoded[i].shape.width == captured[i].shape.width);
    }
}

TEST_CASE("encode stage: a frame that cannot be encoded stops it, with the reason") {
    std::vector<ng::Frame> captured;
    for (std::uint64_t seq = 0; seq < 20; ++seq) captured.push_back(noisyFrame(seq, 64, 48));
    // No JPEG is 0 pixels wide.
    captured[10].shape = {48, 0, 3};
    ListFeed feed(captured);
    ng::pipeline::EncodeStage stage(feed, ng::codec::JpegSettings{}, 2);
    const std::vector<ng::Frame> encoded = takeAll(stage);
    stage.join();

    REQUIRE(stage.error());
    CHECK_THROWS_AS(std::rethrow_exception(stage.error()), ng::codec::JpegError);
    // What did leave is an unbroken run from the first frame, never the broken one.
    CHECK(encoded.size() <= 10);
    for (std::size_t i = 0; i < encoded.size(); ++i) CHECK(encoded[i].seq == i);
}

TEST_CASE("encode stage: join() while frames are still coming ends every worker") {
    std::vector<ng::Frame> captured;
    for (std::uint64_t seq = 0; seq < 200; ++seq) captured.push_back(noisyFrame(seq, 64, 48));
    ListFeed feed(captured);
    ng::pipeline::EncodeStage stage(feed, ng::codec::JpegSettings{}, 4);
    std::optional<ng::Frame> first = stage.take(5s);
    REQUIRE(first);  // the workers are running, and soon blocked on a full queue
    stage.join();
    // What was queued before the stop can still be taken, in order; then the feed ends.
    std::uint64_t expected = first->seq + 1;
    std::size_t left = 0;
    while (auto frame = stage.take(0ms)) {
        CHECK(frame->seq == expected++);
        ++left;
    }
    CHECK(left <= 2);
    CHECK(stage.finished());
    CHECK_FALSE(stage.error());
}

TEST_CASE("encode stage: --jpeg-threads 0 means one encoder per CPU, at most 4") {
    CHECK(ng::pipeline::encodeWorkerCount(3) == 3);
    const unsigned automatic = ng::pipeline::encodeWorkerCount(0);
    CHECK(automatic >= 1);
    CHECK(automatic <= 4);
    CHECK(automatic == std::min(std::max(std::thread::hardware_concurrency(), 1u), 4u));
}

}  // TEST_SUITE
