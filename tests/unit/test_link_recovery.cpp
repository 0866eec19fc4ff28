// Unit tests of what makes a cut link lose nothing (issue 19): the receiver's dropping of
// frames a sender sent again, and its count.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "core/stream_stats.hpp"
#include "pipeline/frame_accounting.hpp"

namespace {

ng::Frame stamped(std::uint64_t seq) {
    ng::Frame frame;
    frame.seq = seq;
    frame.captureTimeUs = 1000 + static_cast<std::int64_t>(seq);  // ngsend stamps every frame
    return frame;
}

// Feeds one frame as ngrecv does: passed on (and recorded) unless it is a repeat.
bool take(ng::pipeline::FrameAccounting& accounting, std::uint64_t seq,
          const std::string& instance) {
    const ng::Frame frame = stamped(seq);
    if (accounting.isRepeat(frame, instance)) return false;
    accounting.onFrame(frame, 5000);
    return true;
}

}  // namespace

TEST_SUITE("link_recovery") {
    TEST_CASE("a frame sent again is dropped and counted, in total and per sender") {
        ng::StreamStats total, own;
        ng::pipeline::FrameAccounting accounting(total, &own);
        CHECK(take(accounting, 0, "a"));
        CHECK(take(accounting, 1, "a"));
        CHECK_FALSE(take(accounting, 1, "a"));  // its answer was lost: the same request again
        CHECK(take(accounting, 2, "a"));
        CHECK_FALSE(take(accounting, 0, "a"));
        CHECK(accounting.duplicates() == 2);
        CHECK(total.snapshot().duplicates == 2);
        CHECK(own.snapshot().duplicates == 2);
        CHECK(total.snapshot().frames == 3);
        CHECK(accounting.lostInTransit() == 0);
    }

    TEST_CASE("frames sent again after a gap fill nothing and are still repeats") {
        ng::StreamStats total;
        ng::pipeline::FrameAccounting accounting(total);
        CHECK(take(accounting, 0, "a"));
        CHECK(take(accounting, 3, "a"));  // 1 and 2 lost
        CHECK(accounting.lostInTransit() == 2);
        CHECK_FALSE(take(accounting, 2, "a"));  // too late: outputs never go back in time
        CHECK(accounting.duplicates() == 1);
    }

    TEST_CASE("a restarted sender's low numbers are new frames, not repeats") {
        ng::StreamStats total;
        ng::pipeline::FrameAccounting accounting(total);
        CHECK(take(accounting, 0, "a"));
        CHECK(take(accounting, 1, "a"));
        CHECK(take(accounting, 0, "b"));  // a new process of the same sender
        CHECK(take(accounting, 1, "b"));
        CHECK_FALSE(take(accounting, 1, "b"));
        CHECK(accounting.duplicates() == 1);
        CHECK(total.snapshot().frames == 4);
    }

    TEST_CASE("frames without a number (vidgear) are never taken for repeats") {
        ng::StreamStats total;
        ng::pipeline::FrameAccounting accounting(total);
        ng::Frame plain;  // no seq, no capture time
        CHECK_FALSE(accounting.isRepeat(plain, ""));
        accounting.onFrame(plain, 5000);
        CHECK_FALSE(accounting.isRepeat(plain, ""));
        CHECK(accounting.duplicates() == 0);
    }
}
