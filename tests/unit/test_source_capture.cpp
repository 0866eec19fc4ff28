// Tests of the OpenCV capture plugin: image sequences and video files read back exactly,
// --loop, --resize, and the errors for cameras and URLs that are not there.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "core/frame.hpp"
#include "sink/sink.hpp"
#include "source/source.hpp"
#include "source/test_pattern.hpp"

namespace fs = std::filesystem;

using ng::test::TempDir;

namespace {

// Writes test-pattern frames 0..count-1 of `shape` through the sink for `spec`.
void writeTestFrames(const std::string& spec, ng::FrameShape shape, int count) {
    auto sink = ng::sink::makeSink(spec);
    ng::sink::StreamInfo info;
    info.shape = shape;
    info.fps = 25;
    sink->open(info);
    ng::source::TestPatternRenderer renderer(shape);
    std::vector<std::uint8_t> pixels(shape.bytes());
    for (int i = 0; i < count; ++i) {
        renderer.render(static_cast<std::uint64_t>(i), pixels.data());
        ng::Frame frame;
        frame.shape = shape;
        frame.pixels = pixels.data();
        sink->write(frame);
    }
    sink->close();
}

std::vector<std::uint8_t> testFrame(std::uint64_t index, ng::FrameShape shape) {
    std::vector<std::uint8_t> pixels(shape.bytes());
    ng::source::renderTestFrame(index, shape, pixels.data());
    return pixels;
}

// A folder holding test-pattern frames 0..count-1 as the image sequence `pattern`.
struct ImageSequence {
    explicit ImageSequence(int count) { writeTestFrames(pattern, shape, count); }

    TempDir dir{"ng_capture_test"};
    const ng::FrameShape shape{48, 64, 3};
    const std::string pattern = dir.path() + "/f_%04d.png";
};

ng::source::SourceOptions optionsFor(const std::string& spec) {
    ng::source::SourceOptions options;
    options.spec = spec;
    return options;
}

// The source for `options`, started as ngsend starts it.
std::unique_ptr<ng::source::Source> startSource(const ng::source::SourceOptions& options) {
    auto source = ng::source::makeSource(options);
    source->start();
    return source;
}

std::string startError(const std::string& spec) {
    return ng::test::messageOf<std::runtime_error>([&] { startSource(optionsFor(spec)); });
}

// Checks that `source` gives exactly the test-pattern frames `indices` of `shape`, then ends.
void checkReadsBack(ng::source::Source& source, const std::vector<std::uint64_t>& indices,
                    ng::FrameShape shape) {
    for (std::uint64_t i : indices) {
        CAPTURE(i);
        auto frame = source.next(std::chrono::milliseconds(1000));
        REQUIRE(frame);
        REQUIRE(frame->shape == shape);
        CHECK(frame->headroom == ng::kWireHeadroom);
        CHECK(std::memcmp(frame->pixels, testFrame(i, shape).data(), shape.bytes()) == 0);
    }
    CHECK_FALSE(source.next(std::chrono::milliseconds(1000)));
    CHECK(source.ended());
}

}  // namespace

TEST_SUITE("source") {
    TEST_CASE("capture plugin: an image sequence reads back exactly, then ends") {
        const ImageSequence sequence(5);
        auto source = startSource(optionsFor(sequence.pattern));
        CHECK(source->nominalFps() == doctest::Approx(25));
        CHECK(source->describe() == "image sequence " + sequence.pattern);
        checkReadsBack(*source, {0, 1, 2, 3, 4}, sequence.shape);
        source->stop();
    }

    TEST_CASE("capture plugin: an image sequence goes on past missing files") {
        const ImageSequence sequence(7);
        // Numbered from 1, as ffmpeg writes them: f_0003.png holds frame 2. CAP_IMAGES
        // stopped at the first gap, and frames 3 to 6 were lost without a word.
        fs::remove(sequence.dir.path() + "/f_0003.png");
        fs::remove(sequence.dir.path() + "/f_0005.png");
        fs::remove(sequence.dir.path() + "/f_0006.png");

        auto source = startSource(optionsFor(sequence.pattern));
        checkReadsBack(*source, {0, 1, 3, 6}, sequence.shape);
        source->stop();
    }

    TEST_CASE("capture plugin: --loop restarts and --resize scales") {
        const ImageSequence sequence(3);
        ng::source::SourceOptions options = optionsFor(sequence.pattern);
        options.loop = true;
        options.resize = true;
        options.width = 32;
        options.height = 20;
        auto source = startSource(options);
        std::vector<std::vector<std::uint8_t>> seen;
        for (int i = 0; i < 7; ++i) {
            auto frame = source->next(std::chrono::milliseconds(1000));
            REQUIRE(frame);
            CHECK(frame->shape == ng::FrameShape{20, 32, 3});
            seen.emplace_back(frame->pixels, frame->pixels + frame->bytes());
        }
        CHECK_FALSE(source->ended());
        CHECK(seen[0] == seen[3]);
        CHECK(seen[1] == seen[4]);
        CHECK(seen[0] == seen[6]);
        CHECK(seen[0] != seen[1]);
        source->stop();
    }

    TEST_CASE("capture plugin: a video file written by the video sink reads back") {
        TempDir dir("ng_capture_test");
        const ng::FrameShape shape{120, 160, 3};
        const std::string path = dir.path() + "/clip.avi";
        writeTestFrames(path, shape, 10);

        auto source = startSource(optionsFor(path));
        CHECK(source->nominalFps() == doctest::Approx(25));
        int frames = 0;
        while (auto frame = source->next(std::chrono::milliseconds(1000))) {
            CHECK(frame->shape == shape);
            ++frames;
        }
        CHECK(frames == 10);
        CHECK(source->ended());
    }

    TEST_CASE("capture plugin: missing cameras, streams and sequences name the fix") {
        const std::string camera = startError("63");
        CHECK(camera.find("cannot open camera 63") == 0);
        CHECK(camera.find("v4l2-ctl --list-devices") != std::string::npos);

        // Port 1 on localhost refuses at once; the password never reaches a message.
        const std::string stream = startError("rtsp://user:secret@127.0.0.1:1/live");
        CHECK(stream.find("cannot open stream rtsp://user:***@127.0.0.1:1/live") == 0);
        CHECK(stream.find("secret") == std::string::npos);

        TempDir dir("ng_capture_test");
        const std::string sequence = startError(dir.path() + "/none_%05d.png");
        CHECK(sequence.find("cannot open image sequence") == 0);

        const std::string file = dir.path() + "/junk.mp4";
        std::ofstream(file) << "not a video";
        CHECK(startError(file).find("cannot open video file '" + file + "'") == 0);
    }
}
