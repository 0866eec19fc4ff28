// Unit tests of lib/codec/bitrate_governor: the --max-bitrate controller, driven by a fake
// JPEG size model and a fake clock.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "codec/bitrate_governor.hpp"

using ng::codec::BitrateGovernor;
using ng::codec::GovernorPlan;
using ng::codec::GovernorSettings;

namespace {

constexpr double kFps = 30;
constexpr double kLimit = 4e6;  // bits per second
constexpr std::int64_t kFrameUs = 33333;

// A stand-in for the encoder whose curve is not the governor's own: bytes grow
// exponentially with quality, on top of a fixed header, times the scene's busyness.
std::size_t fakeJpegBytes(double busyness, int quality) {
    return static_cast<std::size_t>(600 + busyness * 4000 * std::exp(quality / 40.0));
}

struct Sent {
    double seconds;
    int quality;  // 0 for a skipped frame
    std::size_t bytes;
};

// Runs the governor for `seconds` of 30 fps frames from `startFrame` on, with the scene's
// busyness at each second given by `busyness`. Encodes complete `lag` frames late, as with
// several encoders at work.
std::vector<Sent> stream(BitrateGovernor& governor, double seconds,
                         const std::function<double(double)>& busyness, int lag = 0,
                         std::int64_t startFrame = 0) {
    std::vector<Sent> out;
    std::deque<std::pair<GovernorPlan, std::size_t>> pending;
    const auto frames = static_cast<std::int64_t>(seconds * kFps);
    for (std::int64_t i = startFrame; i < startFrame + frames; ++i) {
        const double t = static_cast<double>(i) / kFps;
        const GovernorPlan plan = governor.plan(i * kFrameUs);
        if (!plan.send) {
            out.push_back({t, 0, 0});
        } else {
            const std::size_t bytes = fakeJpegBytes(busyness(t), plan.quality);
            out.push_back({t, plan.quality, bytes});
            pending.emplace_back(plan, bytes);
        }
        while (pending.size() > static_cast<std::size_t>(lag)) {
            governor.encoded(pending.front().first, pending.front().second);
            pending.pop_front();
        }
    }
    return out;
}

// Bits per second sent from `from` to `to` seconds.
double rate(const std::vector<Sent>& sent, double from, double to) {
    double bytes = 0;
    for (const Sent& s : sent) {
        if (s.seconds >= from && s.seconds < to) bytes += static_cast<double>(s.bytes);
    }
    return bytes * 8 / (to - from);
}

struct Range {
    int min = 101;
    int max = 0;
    int skipped = 0;
};

Range qualities(const std::vector<Sent>& sent, double from, double to) {
    Range r;
    for (const Sent& s : sent) {
        if (s.seconds < from || s.seconds >= to) continue;
        if (s.quality == 0) {
            ++r.skipped;
            continue;
        }
        r.min = std::min(r.min, s.quality);
        r.max = std::max(r.max, s.quality);
    }
    return r;
}

GovernorSettings settings() {
    GovernorSettings s;
    s.bitsPerSecond = kLimit;
    s.maxQuality = 90;
    s.minQuality = 30;
    s.fps = kFps;
    return s;
}

// The busyness whose frames fit the limit at about quality q, at `fps`.
double busynessFor(int quality, double fps = kFps) {
    const double perFrame = kLimit / 8 / fps;
    return (perFrame - 600) / (4000 * std::exp(quality / 40.0));
}

}  // namespace

TEST_SUITE("codec") {
    TEST_CASE("the governor's size model grows with quality, as JPEG size does") {
        for (int q = 1; q <= 100; ++q) {
            CHECK(BitrateGovernor::relativeSize(q) > BitrateGovernor::relativeSize(q - 1));
        }
        CHECK(BitrateGovernor::relativeSize(50) == doctest::Approx(1.0));
    }

    TEST_CASE("a simple scene streams at the ceiling quality, unthrottled") {
        BitrateGovernor governor(settings());
        const auto sent = stream(governor, 5, [](double) { return busynessFor(150); });
        const Range r = qualities(sent, 0, 5);
        CHECK(r.min == 90);
        CHECK(r.max == 90);
        CHECK(r.skipped == 0);
        CHECK(governor.skipped() == 0);
    }

    TEST_CASE("a steady scene settles on one quality or two, under the limit") {
        for (int lag : {0, 3}) {
            CAPTURE(lag);
            BitrateGovernor governor(settings());
            const double busy = busynessFor(60);
            const auto sent = stream(
                governor, 20, [&](double) { return busy; }, lag);
            // From the ceiling down to where the frames fit, within a second.
            const Range settled = qualities(sent, 2, 20);
            CHECK(settled.skipped == 0);
            CHECK(settled.max - settled.min <= 3);
            CHECK(settled.min >= 52);
            CHECK(settled.max <= 62);
            CHECK(rate(sent, 0, 10) <= kLimit);
            CHECK(rate(sent, 10, 20) <= kLimit);
            CHECK(rate(sent, 10, 20) >= 0.85 * kLimit);  // the budget is used, not wasted
            const auto range = governor.qualities();
            CHECK(range.max == 90);  // the first frames
            CHECK(range.recentMax - range.recentMin <= 3);
            CHECK(range.last == sent.back().quality);
        }
    }

    TEST_CASE("a busy scene steps the quality down at once, and it comes back after") {
        BitrateGovernor governor(settings());
        const double calm = busynessFor(70);
        const double busy = busynessFor(40);
        auto scene = [&](double t) { return t >= 10 && t < 20 ? busy : calm; };
        const auto sent = stream(governor, 30, scene);
        const Range before = qualities(sent, 5, 10);
        const Range during = qualities(sent, 10.5, 20);
        const Range after = qualities(sent, 22, 30);
        CHECK(before.min >= 62);
        CHECK(during.max <= 48);  // within half a second of the change
        CHECK(during.min >= 32);
        CHECK(after.min >= 62);
        CHECK(before.skipped + during.skipped + after.skipped == 0);
        // The spike cost at most what the bucket holds.
        CHECK(rate(sent, 5, 15) <= kLimit);
        CHECK(rate(sent, 10, 11) <= 1.6 * kLimit);
    }

    TEST_CASE("when even the floor is too big, frames are skipped and the rate holds") {
        BitrateGovernor governor(settings());
        // Frames at the floor are twice the share of the limit.
        const double huge = 2 * busynessFor(30);
        const auto sent = stream(
            governor, 20, [&](double) { return huge; }, 2);
        const Range r = qualities(sent, 2, 20);
        CHECK(r.max == 30);
        CHECK(r.skipped > 0.4 * 18 * kFps);
        CHECK(r.skipped < 0.6 * 18 * kFps);
        CHECK(governor.skipped() >= static_cast<std::uint64_t>(r.skipped));
        CHECK(rate(sent, 0, 10) <= kLimit);
        CHECK(rate(sent, 10, 20) <= kLimit);
    }

    TEST_CASE("after skipping, a calm scene brings the quality back to the ceiling") {
        BitrateGovernor governor(settings());
        const double huge = 3 * busynessFor(30);
        const double calm = busynessFor(150);
        auto scene = [&](double t) { return t < 5 ? huge : calm; };
        const auto sent = stream(governor, 15, scene);
        CHECK(qualities(sent, 0, 5).skipped > 0);
        const Range after = qualities(sent, 10, 15);
        CHECK(after.skipped == 0);
        CHECK(after.min == 90);
    }

    TEST_CASE("a frame bigger than the whole bucket still goes, once the bucket is full") {
        GovernorSettings s = settings();
        s.bitsPerSecond = 40000;  // a second's budget is 5 KB, every frame is bigger
        BitrateGovernor governor(s);
        const auto sent = stream(governor, 20, [](double) { return busynessFor(60); });
        const Range r = qualities(sent, 0, 20);
        CHECK(r.skipped < static_cast<int>(sent.size()));
        CHECK(rate(sent, 2, 20) <= 2 * s.bitsPerSecond);
    }

    TEST_CASE("an unknown frame rate is measured from the frames") {
        GovernorSettings s = settings();
        s.fps = 0;
        BitrateGovernor governor(s);
        // 10 fps, so each frame's share is three times a 30 fps frame's.
        double bytes = 0;
        for (std::int64_t i = 0; i < 200; ++i) {
            const GovernorPlan plan = governor.plan(i * 100000);
            if (!plan.send) continue;
            const std::size_t size = fakeJpegBytes(busynessFor(60, 10), plan.quality);
            governor.encoded(plan, size);
            if (i >= 100) bytes += static_cast<double>(size);
        }
        CHECK(bytes * 8 / 10 <= kLimit);
        CHECK(bytes * 8 / 10 >= 0.8 * kLimit);
        CHECK(governor.quality() >= 52);
        CHECK(governor.quality() <= 62);
    }
}
