// Unit tests of the pieces both pipeline halves share: the --latest frame queue and its drop
// count, the rate-limited warning, and the plugin factory's error.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/plugin_factory.hpp"
#include "pipeline/frame_queue.hpp"
#include "pipeline/limited_warning.hpp"
#include "test_support.hpp"

using ng::test::ScopedEnv;
using ng::test::TempDir;

namespace {

ng::Frame frameNumber(std::uint64_t seq) {
    ng::Frame frame;
    frame.seq = seq;
    return frame;
}

using Told = std::vector<std::pair<std::uint64_t, std::uint64_t>>;  // (skipped, total) each time

// A warning whose skipped-count lines are recorded in `told`.
ng::pipeline::LimitedWarning recordingWarning(std::uint64_t limit, std::chrono::seconds period,
                                              Told& told) {
    return ng::pipeline::LimitedWarning(
        "skipped a test frame", limit, period,
        [&told](std::uint64_t skipped, std::uint64_t total) { told.emplace_back(skipped, total); });
}

}  // namespace

TEST_SUITE("pipeline") {

TEST_CASE("a --latest frame queue keeps the newest frame and LatestDrops counts the others") {
    ng::StreamStats stats;
    ng::BoundedQueue<ng::Frame> queue = ng::pipeline::makeFrameQueue(4, /*latest=*/true);
    ng::pipeline::LatestDrops drops(queue, stats, /*latest=*/true);
    for (std::uint64_t seq = 0; seq < 3; ++seq) CHECK(queue.push(frameNumber(seq)));
    drops.update();
    CHECK(drops.counted() == 2);
    CHECK(stats.snapshot().dropped == 2);
    CHECK(queue.push(frameNumber(3)));
    drops.update();
    drops.update();  // counted once however often it is asked
    CHECK(drops.counted() == 3);
    CHECK(stats.snapshot().dropped == 3);
    std::optional<ng::Frame> newest = queue.pop(std::chrono::milliseconds(0));
    REQUIRE(newest);
    CHECK(newest->seq == 3);
}

TEST_CASE("without --latest the frame queue holds `depth` frames and drops none") {
    ng::StreamStats stats;
    ng::BoundedQueue<ng::Frame> queue = ng::pipeline::makeFrameQueue(4, /*latest=*/false);
    ng::pipeline::LatestDrops drops(queue, stats, /*latest=*/false);
    for (std::uint64_t seq = 0; seq < 4; ++seq) CHECK(queue.push(frameNumber(seq)));
    CHECK(queue.size() == 4);
    drops.update();
    CHECK(drops.counted() == 0);
    CHECK(stats.snapshot().dropped == 0);
}

TEST_CASE("a warning limited for the whole run tells all the skipped ones once, with the total") {
    Told told;
    {
        ng::pipeline::LimitedWarning warning = recordingWarning(2, std::chrono::seconds(0), told);
        for (int i = 0; i < 5; ++i) warning.warn("broken");
        CHECK(told.empty());
        warning.flush();
        CHECK(told == Told{{3, 5}});
        warning.flush();  // nothing new to tell
        CHECK(told.size() == 1);
        warning.warn("broken");
    }
    CHECK(told == Told{{3, 5}, {1, 6}});  // the destructor tells the last one
}

TEST_CASE("a warning limited per second tells nothing when it stays within the limit") {
    Told told;
    {
        ng::pipeline::LimitedWarning warning = recordingWarning(3, std::chrono::seconds(1), told);
        for (int i = 0; i < 3; ++i) warning.warn("broken");
    }
    CHECK(told.empty());
}

TEST_CASE("a factory in a plugin that cannot load names what needed it and why") {
    TempDir empty;
    ScopedEnv dir("NG_PLUGIN_DIR", empty.path().c_str());
    using Factory = int* (*)(int);
    try {
        ng::createFromPlugin<Factory>("no_such_plugin", "ng_create_nothing",
                                      "source 'x' needs the test plugin", 1);
        FAIL("no error");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CHECK(what.rfind("source 'x' needs the test plugin: cannot load plugin "
                         "libng_no_such_plugin.so",
                         0) == 0);
    }
}

}  // TEST_SUITE
