// Unit tests of lib/pipeline/capture_stage: stamping, limits, end and failure of a source,
// on a capture thread and on the caller's thread alike.
#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/bounded_queue.hpp"
#include "pipeline/capture_stage.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using ng::test::takeAll;

namespace {

// Gives `total` 1x1 gray frames whose only pixel is the frame's index, then ends; or throws
// at frame `failAt`. Records the thread that called next().
class CountingSource : public ng::source::Source {
public:
    CountingSource(int total, bool neverWaits, int failAt = -1)
        : total_(total), neverWaits_(neverWaits), failAt_(failAt) {}

    void start() override {}
    std::optional<ng::Frame> next(std::chrono::milliseconds /*timeout*/) override {
        callers.push_back(std::this_thread::get_id());
        if (given_ == failAt_) throw std::runtime_error("camera unplugged");
        if (given_ == total_) {
            ended_ = true;
            return std::nullopt;
        }
        auto pixel = std::make_shared<std::uint8_t>(static_cast<std::uint8_t>(given_++));
        ng::Frame frame;
        frame.shape = {1, 1, 1};
        frame.pixels = pixel.get();
        frame.owner = pixel;
        return frame;
    }
    bool ended() const override { return ended_; }
    double nominalFps() const override { return 0; }
    void stop() override {}
    bool neverWaits() const override { return neverWaits_; }
    std::string describe() const override { return "counting source"; }

    std::vector<std::thread::id> callers;

private:
    int total_;
    bool neverWaits_;
    int failAt_;
    int given_ = 0;
    bool ended_ = false;
};

}  // namespace

TEST_SUITE("pipeline") {

TEST_CASE("capture stamps every frame in order until the source ends on either thread") {
    for (bool neverWaits : {false, true}) {
        CAPTURE(neverWaits);
        CountingSource source(7, neverWaits);
        ng::BoundedQueue<ng::Frame> queue(2, ng::OverflowPolicy::Block);
        ng::pipeline::CaptureStage capture(source, queue, /*fps=*/0, /*maxFrames=*/0);
        const std::vector<ng::Frame> frames = takeAll(capture);
        REQUIRE(frames.size() == 7);
        for (std::size_t i = 0; i < frames.size(); ++i) {
            CHECK(frames[i].seq == i);
            CHECK(frames[i].pixels[0] == i);
            CHECK(frames[i].captureTimeUs > 0);
        }
        CHECK(capture.error() == nullptr);
        // Only a source that never waits, unpaced, runs on the caller's thread.
        const bool onCaller = source.callers.front() == std::this_thread::get_id();
        CHECK(onCaller == neverWaits);
    }
}

TEST_CASE("a paced source keeps its capture thread even when it never waits") {
    CountingSource source(3, /*neverWaits=*/true);
    ng::BoundedQueue<ng::Frame> queue(2, ng::OverflowPolicy::Block);
    ng::pipeline::CaptureStage capture(source, queue, /*fps=*/1000, /*maxFrames=*/0);
    CHECK(takeAll(capture).size() == 3);
    const bool onCaller = source.callers.front() == std::this_thread::get_id();
    CHECK_FALSE(onCaller);
}

TEST_CASE("capture stops at maxFrames without asking the source for more") {
    for (bool neverWaits : {false, true}) {
        CAPTURE(neverWaits);
        CountingSource source(100, neverWaits);
        ng::BoundedQueue<ng::Frame> queue(2, ng::OverflowPolicy::Block);
        ng::pipeline::CaptureStage capture(source, queue, /*fps=*/0, /*maxFrames=*/5);
        CHECK(takeAll(capture).size() == 5);
        CHECK(source.callers.size() == 5);
    }
}

TEST_CASE("a failing source ends capture and reports its error after the frames before it") {
    for (bool neverWaits : {false, true}) {
        CAPTURE(neverWaits);
        CountingSource source(100, neverWaits, /*failAt=*/4);
        ng::BoundedQueue<ng::Frame> queue(8, ng::OverflowPolicy::Block);
        ng::pipeline::CaptureStage capture(source, queue, /*fps=*/0, /*maxFrames=*/0);
        CHECK(takeAll(capture).size() == 4);
        REQUIRE(capture.error() != nullptr);
        CHECK_THROWS_WITH_AS(std::rethrow_exception(capture.error()), "camera unplugged",
                             std::runtime_error);
    }
}

TEST_CASE("stop() ends an endless capture promptly on either thread") {
    for (bool neverWaits : {false, true}) {
        CAPTURE(neverWaits);
        CountingSource source(1 << 30, neverWaits);
        ng::BoundedQueue<ng::Frame> queue(2, ng::OverflowPolicy::Block);
        ng::pipeline::CaptureStage capture(source, queue, /*fps=*/0, /*maxFrames=*/0);
        CHECK(capture.take(1s).has_value());
        capture.join();
        takeAll(capture);  // what was queued before the stop, then finished
        CHECK(capture.finished());
        CHECK_FALSE(capture.take(0ms).has_value());
    }
}

}  // TEST_SUITE
