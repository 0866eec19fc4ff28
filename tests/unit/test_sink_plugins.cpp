// Tests of the sink plugins' errors, checked at start-up: the window without a display,
// video files in missing folders. (Playing back what they write is covered by
// test_source_capture.cpp and e2e.)
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "sink/sink.hpp"
#include "test_support.hpp"

using ng::test::ScopedEnv;

namespace {

std::string openError(const std::string& spec) {
    auto sink = ng::sink::makeSink(spec);
    ng::sink::StreamInfo info;
    info.shape = ng::FrameShape{48, 64, 3};
    const std::string error = ng::test::messageOf<std::runtime_error>([&] { sink->open(info); });
    if (error.empty()) sink->close();
    return error;
}

}  // namespace

TEST_SUITE("sink") {
    TEST_CASE("window plugin: no display is an error, not a crash") {
        {
            ScopedEnv x("DISPLAY", nullptr);
            ScopedEnv w("WAYLAND_DISPLAY", nullptr);
            CHECK(openError("window") ==
                  "-o window: no display (set DISPLAY, or use -o null / -o out.mp4)");
            // makeOutputs() checks it at start-up, as a usage error.
            CHECK_THROWS_AS(ng::sink::makeOutputs({"window"}), ng::UsageError);
        }
        {
            // Qt would abort the process on a display nobody serves.
            ScopedEnv x("DISPLAY", ":977");
            ScopedEnv w("WAYLAND_DISPLAY", nullptr);
            CHECK(openError("window").find("no X server answers on DISPLAY=:977") !=
                  std::string::npos);
        }
    }

    TEST_CASE("video plugin: a missing folder is created at start-up") {
        ng::test::TempDir dir("ng_video_test");
        const std::string folder = dir.path() + "/a/b";
        auto sink = ng::sink::makeSink(folder + "/out.MP4");
        CHECK(std::filesystem::is_directory(folder));
    }

    TEST_CASE("video plugin: a folder that is a file is a usage error naming it") {
        ng::test::TempDir dir("ng_video_test");
        std::ofstream(dir.path() + "/file").put('x');
        try {
            ng::sink::makeSink(dir.path() + "/file/out.mp4");
            FAIL("makeSink() should have thrown");
        } catch (const ng::UsageError& e) {
            CHECK(std::string(e.what()).find("'" + dir.path() + "/file' is a file, not a folder") !=
                  std::string::npos);
        }
    }
}
