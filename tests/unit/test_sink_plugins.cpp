// Tests of the sink plugins' errors: the window without a display, video files in missing
// folders. (Playing back what they write is covered by test_source_capture.cpp and e2e.)
#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include "test_support.hpp"
#include "sink/sink.hpp"

using ng::test::ScopedEnv;

namespace {

std::string openError(const std::string& spec) {
    auto sink = ng::sink::makeSink(spec);
    ng::sink::StreamInfo info;
    info.shape = ng::FrameShape{48, 64, 3};
    try {
        sink->open(info);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    sink->close();
    return "";
}

}  // namespace

TEST_SUITE("sink") {
    TEST_CASE("window plugin: no display is an error, not a crash") {
        {
            ScopedEnv x("DISPLAY", nullptr);
            ScopedEnv w("WAYLAND_DISPLAY", nullptr);
            CHECK(openError("window") ==
                  "cannot open a window: no display (set DISPLAY, or use -o null / -o out.mp4)");
        }
        {
            // Qt would abort the process on a display nobody serves.
            ScopedEnv x("DISPLAY", ":977");
            ScopedEnv w("WAYLAND_DISPLAY", nullptr);
            CHECK(openError("window").find("no X server answers on DISPLAY=:977") !=
                  std::string::npos);
        }
    }

    TEST_CASE("video plugin: a missing folder is named at open") {
        const std::string message = openError("/nonexistent_ng_dir/out.MP4");
        CHECK(message.find("folder '/nonexistent_ng_dir' does not exist") != std::string::npos);
    }
}
