// Unit tests of lib/core: bounded queue policies, frame pool recycling, pacing, stats.
#include <doctest/doctest.h>

#include <cstring>
#include <thread>

#include "core/bounded_queue.hpp"
#include "core/clock.hpp"
#include "core/frame_pool.hpp"
#include "core/stream_stats.hpp"

using namespace std::chrono_literals;

TEST_SUITE("core") {

TEST_CASE("a blocking queue loses nothing and hands items over in order") {
    ng::BoundedQueue<int> queue(2, ng::OverflowPolicy::Block);
    std::thread producer([&] {
        for (int i = 0; i < 1000; ++i) REQUIRE(queue.push(i));
        queue.close();
    });
    int expected = 0;
    while (auto item = queue.pop()) CHECK(*item == expected++);
    producer.join();
    CHECK(expected == 1000);
    CHECK(queue.dropped() == 0);
}

TEST_CASE("a drop-oldest queue keeps the newest items and counts the rest") {
    ng::BoundedQueue<int> queue(3, ng::OverflowPolicy::DropOldest);
    for (int i = 0; i < 10; ++i) queue.push(i);
    CHECK(queue.dropped() == 7);
    CHECK(*queue.pop(0ms) == 7);
    CHECK(*queue.pop(0ms) == 8);
    CHECK(*queue.pop(0ms) == 9);
    CHECK_FALSE(queue.pop(0ms).has_value());
}

TEST_CASE("closing a queue fails pushes, drains pops and wakes a blocked producer") {
    ng::BoundedQueue<int> queue(1, ng::OverflowPolicy::Block);
    queue.push(1);
    bool pushed = true;
    std::thread blocked([&] { pushed = queue.push(2); });
    std::this_thread::sleep_for(20ms);
    queue.close();
    blocked.join();
    CHECK_FALSE(pushed);
    CHECK(*queue.pop() == 1);
    CHECK_FALSE(queue.pop().has_value());
}

TEST_CASE("the frame pool recycles a released buffer and reserves wire headroom") {
    // A buffer's contentTag survives recycling, so it tells a recycled buffer from a new one.
    constexpr std::uint64_t kTag = 42;
    ng::FramePool pool;
    const ng::FrameShape shape{4, 5, 3};
    std::uint8_t* first = nullptr;
    std::uint64_t* tag = nullptr;
    const std::uint8_t* firstPixels = nullptr;
    {
        ng::Frame frame = pool.acquire(shape, first, &tag);
        firstPixels = frame.pixels;
        CHECK(*tag == ng::FrameBuffer::kUnknownContent);
        *tag = kTag;
        CHECK(frame.headroom == ng::kWireHeadroom);
        CHECK(frame.bytes() == 60);
        std::memset(first - frame.headroom, 0xAB, frame.headroom + frame.bytes());  // all writable
    }
    std::uint8_t* second = nullptr;
    ng::Frame again = pool.acquire(shape, second, &tag);
    CHECK(again.pixels == firstPixels);
    CHECK(*tag == kTag);

    SUBCASE("a buffer of the old size is not kept once the size changed") {
        std::uint8_t* other = nullptr;
        ng::Frame bigger = pool.acquire({8, 8, 3}, other);
        again = {};  // released after the change: too small to hand out again
        ng::Frame next = pool.acquire({8, 8, 3}, other, &tag);
        CHECK(*tag == ng::FrameBuffer::kUnknownContent);
    }
}

TEST_CASE("a frame released after its pool is gone is freed safely") {
    ng::Frame survivor;
    {
        ng::FramePool pool;
        std::uint8_t* pixels = nullptr;
        survivor = pool.acquire({2, 2, 1}, pixels);
        pixels[0] = 7;
    }
    CHECK(survivor.pixels[0] == 7);
    survivor = {};  // must not touch freed pool state (ASan would tell)
}

TEST_CASE("the pacer spaces iterations by the period and never waits at fps 0") {
    std::atomic<bool> stop{false};
    ng::Pacer unpaced(0);
    const auto t0 = ng::SteadyClock::now();
    for (int i = 0; i < 1000; ++i) unpaced.wait(stop);
    CHECK(ng::SteadyClock::now() - t0 < 50ms);

    ng::Pacer paced(100);  // 10 ms period
    const auto t1 = ng::SteadyClock::now();
    for (int i = 0; i < 6; ++i) paced.wait(stop);  // the first slot is immediate
    CHECK(ng::SteadyClock::now() - t1 >= 45ms);
}

TEST_CASE("a stop request cuts a pacer's wait short") {
    std::atomic<bool> stop{false};
    ng::Pacer slow(0.5);  // 2 s period
    slow.wait(stop);
    std::thread stopper([&] {
        std::this_thread::sleep_for(30ms);
        stop = true;
    });
    const auto t0 = ng::SteadyClock::now();
    slow.wait(stop);
    stopper.join();
    CHECK(ng::SteadyClock::now() - t0 < 1s);
}

TEST_CASE("stream stats count frames and report latency percentiles") {
    ng::StreamStats stats;
    for (int i = 1; i <= 100; ++i) {
        stats.addFrame(10);
        stats.addLatency(i * 1000);  // 1..100 ms
    }
    stats.addDropped(3);
    stats.addError();
    const ng::StatsSnapshot s = stats.snapshot();
    CHECK(s.frames == 100);
    CHECK(s.bytes == 1000);
    CHECK(s.dropped == 3);
    CHECK(s.errors == 1);
    const ng::LatencySummary latency = stats.latency();
    CHECK(latency.count == 100);
    CHECK(latency.p50Ms == doctest::Approx(51));
    CHECK(latency.p99Ms == doctest::Approx(100));
    CHECK(latency.maxMs == doctest::Approx(100));
}

TEST_CASE("JSON helpers escape text and refuse non-finite numbers") {
    CHECK(ng::jsonString("a\"b\\c\nd") == "\"a\\\"b\\\\c\\nd\"");
    CHECK(ng::jsonString(std::string("\x01", 1)) == "\"\\u0001\"");
    CHECK(ng::jsonNumber(2.5) == "2.5");
    CHECK(ng::jsonNumber(1.0 / 0.0) == "null");
}

}  // TEST_SUITE
