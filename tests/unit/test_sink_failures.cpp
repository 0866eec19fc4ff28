// Tests of SinkStage's failure handling: a failed output stops alone, the others go on.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/bounded_queue.hpp"
#include "core/stream_stats.hpp"
#include "pipeline/sink_stage.hpp"
#include "sink/sink.hpp"

namespace {

// Counts frames; throws from write() number `failAt` (1-based; 0 = never) or from close().
class ScriptedSink : public ng::sink::Sink {
public:
    ScriptedSink(int failAt, bool failClose, bool instant)
        : failAt_(failAt), failClose_(failClose), instant_(instant) {}
    void open(const ng::sink::StreamInfo& /*info*/) override {}
    bool write(const ng::Frame& /*frame*/) override {
        if (++calls_ == failAt_) throw std::runtime_error("disk full");
        return true;
    }
    void close() override {
        if (failClose_) throw std::runtime_error("cannot finalise");
    }
    bool writesInstantly() const override { return instant_; }
    bool takesJpeg() const override { return true; }
    std::string describe() const override { return "scripted"; }

private:
    int failAt_;
    bool failClose_;
    bool instant_;
    int calls_ = 0;
};

ng::sink::Output scripted(const std::string& spec, int failAt, bool failClose = false,
                          bool instant = false) {
    return {spec, "test", std::make_unique<ScriptedSink>(failAt, failClose, instant)};
}

struct Run {
    std::vector<ng::pipeline::OutputReport> reports;
    std::uint64_t written = 0;
    std::uint64_t errors = 0;
    bool failed = false;
};

Run deliver(std::vector<ng::sink::Output> outputs, int frames) {
    ng::StreamStats stats;
    ng::BoundedQueue<ng::Frame> queue(4, ng::OverflowPolicy::Block);
    std::atomic<bool> stop{false};
    static std::vector<std::uint8_t> pixels(4 * 4 * 3, 0);
    Run run;
    ng::pipeline::SinkStage sinks(std::move(outputs), {}, queue, 30, stats, stop);
    for (int i = 0; i < frames; ++i) {
        ng::Frame frame;
        frame.shape = ng::FrameShape{4, 4, 3};
        frame.pixels = pixels.data();
        if (!sinks.deliver(frame)) break;
    }
    sinks.join();
    run.reports = sinks.reports();
    run.written = sinks.framesWritten();
    run.errors = stats.snapshot().errors;
    run.failed = sinks.failed();
    return run;
}

}  // namespace

TEST_SUITE("sink") {
    TEST_CASE("sink stage: a failing output stops alone and the others get every frame") {
        for (const bool instant : {false, true}) {
            CAPTURE(instant);
            std::vector<ng::sink::Output> outputs;
            outputs.push_back(scripted("bad", 3, false, instant));
            outputs.push_back(scripted("good", 0, false, instant));
            const Run run = deliver(std::move(outputs), 10);
            REQUIRE(run.reports.size() == 2);
            CHECK(run.written == 10);
            CHECK(run.reports[0].spec == "bad");
            CHECK(run.reports[0].failed);
            CHECK(run.reports[0].error == "disk full");
            CHECK(run.reports[0].written == 2);
            CHECK(run.reports[0].refused == 8);
            CHECK_FALSE(run.reports[1].failed);
            CHECK(run.reports[1].written == 10);
            CHECK(run.reports[1].refused == 0);
            CHECK(run.errors == 1);
            CHECK_FALSE(run.failed);
        }
    }

    TEST_CASE("sink stage: a close that throws is a failed output") {
        std::vector<ng::sink::Output> outputs;
        outputs.push_back(scripted("video", 0, /*failClose=*/true));
        const Run run = deliver(std::move(outputs), 5);
        REQUIRE(run.reports.size() == 1);
        CHECK(run.reports[0].failed);
        CHECK(run.reports[0].written == 5);
        CHECK(run.reports[0].error.find("cannot finalise") != std::string::npos);
        CHECK(run.errors == 1);
    }

    TEST_CASE("sink stage: when every output failed, the stream stops") {
        std::vector<ng::sink::Output> outputs;
        outputs.push_back(scripted("a", 1, false, /*instant=*/true));
        const Run run = deliver(std::move(outputs), 5);
        CHECK(run.failed);
        CHECK(run.written == 1);  // deliver() said stop after the first frame
        CHECK(run.reports[0].refused == 1);
        CHECK(run.errors == 1);
    }
}
