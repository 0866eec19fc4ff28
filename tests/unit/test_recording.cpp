// Tests of the recording logic: segment names, retention, durations and sizes, video settings.
#include <doctest/doctest.h>

#include <ctime>
#include <string>
#include <vector>

#include "cli/quantity.hpp"
#include "core/errors.hpp"
#include "sink/retention.hpp"
#include "sink/segment_name.hpp"
#include "sink/video_settings.hpp"

using namespace ng::sink;

namespace {
// 2026-11-30 17:30:05 in local time, whatever the zone the tests run in.
std::time_t sampleTime() {
    std::tm tm{};
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = 10;
    tm.tm_mday = 30;
    tm.tm_hour = 17;
    tm.tm_min = 30;
    tm.tm_sec = 5;
    tm.tm_isdst = -1;
    return std::mktime(&tm);
}

std::vector<FinishedSegment> threeSegments() {
    // 100 bytes each, ending at 10 s, 20 s and 30 s.
    return {{"a.mkv", 100, 10'000'000}, {"b.mkv", 100, 20'000'000}, {"c.mkv", 100, 30'000'000}};
}
}  // namespace

TEST_SUITE("recording") {
    TEST_CASE("segment names: strftime fields, %% kept, folders before the first field") {
        CHECK(hasTimeFields("rec/%Y/x.mkv"));
        CHECK_FALSE(hasTimeFields("rec/100%%.mkv"));
        CHECK_FALSE(hasTimeFields("rec/x.mkv"));
        CHECK(expandTime("rec/cam/%Y-%m-%d/%H%M%S.mkv", sampleTime()) ==
              "rec/cam/2026-11-30/173005.mkv");
        CHECK(expandTime("rec/100%%.mkv", sampleTime()) == "rec/100%.mkv");
        CHECK(fixedFolder("rec/cam/%Y-%m-%d/%H%M%S.mkv") == "rec/cam");
        CHECK(fixedFolder("rec/cam/%H%M%S.mkv") == "rec/cam");
        CHECK(fixedFolder("%Y/x.mkv") == ".");
        CHECK(fixedFolder("rec/x.mkv") == "rec");
    }

    TEST_CASE("segment names: distinct within a run, a time field added when segmenting") {
        SegmentNamer timed("rec/%H%M%S.mkv", true);
        CHECK(timed.next(sampleTime()) == "rec/173005.mkv");
        CHECK(timed.next(sampleTime()) == "rec/173005-2.mkv");
        CHECK(timed.next(sampleTime()) == "rec/173005-3.mkv");
        CHECK(timed.next(sampleTime() + 1) == "rec/173006.mkv");

        SegmentNamer plain("rec/cam.mkv", true);
        CHECK(plain.next(sampleTime()) == "rec/cam-20261130-173005.mkv");

        SegmentNamer single("rec/cam.mkv", false);
        CHECK(single.next(sampleTime()) == "rec/cam.mkv");
    }

    TEST_CASE("retention: by age, by size, the larger wins, none when inactive") {
        const auto finished = threeSegments();
        CHECK(segmentsToDelete(finished, {}, 100'000'000, 0) == 0);
        // Ended more than 15 s before 40 s: the first two.
        CHECK(segmentsToDelete(finished, {15'000'000, 0}, 40'000'000, 0) == 2);
        CHECK(segmentsToDelete(finished, {15'000'000, 0}, 30'000'000, 0) == 1);
        // 300 bytes finished + 50 open must fit in 200: drop the two oldest.
        CHECK(segmentsToDelete(finished, {0, 200}, 40'000'000, 50) == 2);
        CHECK(segmentsToDelete(finished, {0, 300}, 40'000'000, 0) == 0);
        CHECK(segmentsToDelete(finished, {15'000'000, 200}, 30'000'000, 50) == 2);
    }

    TEST_CASE("retention: the open segment is never chosen, however small the limit") {
        const auto finished = threeSegments();
        CHECK(segmentsToDelete(finished, {0, 1}, 0, 1'000'000) == finished.size());
        CHECK(segmentsToDelete({}, {0, 1}, 0, 1'000'000) == 0);
        CHECK(segmentsToDelete(finished, {1, 0}, 1'000'000'000, 0) == finished.size());
    }

    TEST_CASE("durations and sizes as the recording flags spell them") {
        using ng::cli::parseByteSize;
        using ng::cli::parseDurationUs;
        CHECK(parseDurationUs("2s") == 2'000'000);
        CHECK(parseDurationUs("2") == 2'000'000);
        CHECK(parseDurationUs("10m") == 600'000'000);
        CHECK(parseDurationUs("1.5h") == 5'400'000'000);
        CHECK(parseDurationUs("7d") == 604'800'000'000);
        CHECK(parseDurationUs("500ms") == 500'000);
        CHECK_FALSE(parseDurationUs("0s"));
        CHECK_FALSE(parseDurationUs("-1s"));
        CHECK_FALSE(parseDurationUs("10x"));
        CHECK_FALSE(parseDurationUs("s"));
        CHECK_FALSE(parseDurationUs(""));
        CHECK(parseByteSize("1000") == 1000u);
        CHECK(parseByteSize("500k") == 512'000u);
        CHECK(parseByteSize("2M") == 2'097'152u);
        CHECK(parseByteSize("2MiB") == 2'097'152u);
        CHECK(parseByteSize("2MB") == 2'097'152u);
        CHECK(parseByteSize("1G") == 1'073'741'824u);
        CHECK_FALSE(parseByteSize("0"));
        CHECK_FALSE(parseByteSize("2X"));
        CHECK_FALSE(parseByteSize("iB"));
    }

    TEST_CASE("quantities: bit rates count in thousands, as links are rated") {
        using ng::cli::parseBitRate;
        CHECK(parseBitRate("4M") == 4e6);
        CHECK(parseBitRate("500k") == 5e5);
        CHECK(parseBitRate("2.5M") == 2.5e6);
        CHECK(parseBitRate("4mbit") == 4e6);
        CHECK(parseBitRate("800000bps") == 8e5);
        CHECK(parseBitRate("1G") == 1e9);
        CHECK_FALSE(parseBitRate("0"));
        CHECK_FALSE(parseBitRate("-4M"));
        CHECK_FALSE(parseBitRate("4MB"));
        CHECK_FALSE(parseBitRate("fast"));
    }

    TEST_CASE("video settings: codec spellings and the start-up checks") {
        VideoCodec codec = VideoCodec::Auto;
        CHECK(parseVideoCodec("copy", codec));
        CHECK(codec == VideoCodec::Copy);
        CHECK(parseVideoCodec("ffv1", codec));
        CHECK(codec == VideoCodec::Ffv1);
        CHECK_FALSE(parseVideoCodec("h265", codec));

        VideoSettings settings;
        CHECK_NOTHROW(checkVideoSettings("a.mkv", settings));
        settings.codec = VideoCodec::Ffv1;
        CHECK_THROWS_AS(checkVideoSettings("a.mp4", settings), ng::UsageError);
        CHECK_NOTHROW(checkVideoSettings("a.mkv", settings));
        settings = {};
        settings.preset = "veryfst";
        CHECK_THROWS_AS(checkVideoSettings("a.mkv", settings), ng::UsageError);
        settings = {};
        settings.keepBytes = 1000;
        CHECK_THROWS_AS(checkVideoSettings("a.mkv", settings), ng::UsageError);
        settings.segmentUs = 1'000'000;
        CHECK_NOTHROW(checkVideoSettings("a.mkv", settings));
    }
}
