// Tests of makeSink(): which spelling makes which sink, and the errors for bad ones.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "core/errors.hpp"
#include "sink/image_pattern.hpp"
#include "sink/null_sink.hpp"
#include "sink/output_folder.hpp"
#include "sink/sink.hpp"
#include "test_support.hpp"

using ng::sink::ImagePattern;
using ng::sink::makeSink;

namespace {

std::string usageErrorOf(const std::string& spec) {
    return ng::test::messageOf<ng::UsageError>([&] { makeSink(spec); });
}

}  // namespace

TEST_SUITE("sink") {
    TEST_CASE("lowerExtension: the last component's, lower case, with the dot") {
        using ng::sink::lowerExtension;
        CHECK(lowerExtension("out/Clip.MKV") == ".mkv");
        CHECK(lowerExtension("a.b/c.d.png") == ".png");
        CHECK(lowerExtension("run.v2/clip") == "");
        CHECK(lowerExtension("clip") == "");
    }

    TEST_CASE("makeSink: built-in sinks by spelling") {
        CHECK(makeSink("null")->describe() == "null");
        CHECK_FALSE(makeSink("null")->usesStdout());
        CHECK(makeSink("-")->describe() == "y4m on stdout");
        CHECK(makeSink("-")->usesStdout());
        CHECK(makeSink("raw:-")->usesStdout());
        // Image folders are made at once: keep them in a temporary folder.
        ng::test::TempDir dir("ng_factory_test");
        const std::string images = dir.path() + "/frames/frame_%06d.png";
        CHECK(makeSink(images)->describe() == "images " + images);
        CHECK(makeSink(dir.path() + "/shot%d.JPG")->describe() ==
              "images " + dir.path() + "/shot%d.JPG");
        for (const char* name : {"a_%03d.jpeg", "a_%03d.bmp", "a_%03d.ppm", "a_%03d.tif",
                                 "a_%03d.tiff", "a_%03d.webp", "100%%_%04d.png"}) {
            CAPTURE(name);
            CHECK_NOTHROW(makeSink(dir.path() + "/" + name));
        }
    }

    TEST_CASE("expandName: {name} becomes a safe file-name part; per-sender specs") {
        using ng::sink::expandName;
        CHECK(expandName("cams/{name}/%06d.jpg", "cam1") == "cams/cam1/%06d.jpg");
        CHECK(expandName("{name}-{name}.mkv", "a") == "a-a.mkv");
        CHECK(expandName("{name}.mkv", "../etc/x y") == ".._etc_x_y.mkv");
        CHECK(expandName("{name}.mkv", "..") == "_.mkv");
        CHECK(expandName("{name}.mkv", "cam#2") == "cam#2.mkv");
        CHECK(ng::sink::isPerSender("window"));
        CHECK(ng::sink::isPerSender("{name}.mkv"));
        CHECK_FALSE(ng::sink::isPerSender("out.mkv"));
        CHECK_THROWS_AS(ng::sink::checkPerSenderSpec("{name}"), ng::UsageError);
    }

    TEST_CASE("makeSink: unknown spellings are usage errors naming the output") {
        for (const char* spec : {"foo.xyz", "", "windows", "raw:", "stdout", "out"}) {
            CAPTURE(spec);
            const std::string message = usageErrorOf(spec);
            CHECK(message.find(std::string("output '") + spec + "'") == 0);
            CHECK(message.find("window") != std::string::npos);
            CHECK(message.find("null") != std::string::npos);
        }
        // A single image names the fix: a pattern.
        CHECK(usageErrorOf("shot.png").find("frame_%06d.png") != std::string::npos);
        // Malformed frame numbers.
        for (const char* spec : {"a_%3d.png", "a_%d_%d.png", "a_%x.png", "a_%.png"}) {
            CAPTURE(spec);
            CHECK(usageErrorOf(spec).find("%0Nd") != std::string::npos);
        }
        // An image pattern with a non-image extension is not an image sink.
        CHECK_FALSE(usageErrorOf("frames_%04d.txt").empty());
    }

    TEST_CASE("null sink accepts every frame and honours the contract") {
        ng::sink::NullSink sink;
        ng::sink::StreamInfo info;
        info.shape = ng::FrameShape{2, 2, 3};
        sink.open(info);
        ng::Frame frame;
        CHECK(sink.write(frame));
        CHECK(sink.write(frame));
        sink.close();
        sink.close();
    }

    TEST_CASE("image pattern: parse and format") {
        auto p = ImagePattern::parse("out/frame_%06d.png");
        REQUIRE(p);
        CHECK(p->format(1) == "out/frame_000001.png");
        CHECK(p->format(1234567) == "out/frame_1234567.png");
        CHECK(p->extension() == ".png");
        CHECK(p->folder() == "out");

        auto plain = ImagePattern::parse("%d.JPG");
        REQUIRE(plain);
        CHECK(plain->format(42) == "42.JPG");
        CHECK(plain->extension() == ".jpg");
        CHECK(plain->folder() == ".");

        auto percent = ImagePattern::parse("/tmp/100%%_%02d.png");
        REQUIRE(percent);
        CHECK(percent->format(3) == "/tmp/100%_03.png");
        CHECK(percent->folder() == "/tmp");

        CHECK(ImagePattern::parse("run_%03d/x.png")->folder().empty());
        CHECK(ImagePattern::parse("v1.2/frame_%d")->extension().empty());
        CHECK_FALSE(ImagePattern::parse("plain.png"));
        CHECK_FALSE(ImagePattern::parse("a%s.png"));
        CHECK_FALSE(ImagePattern::parse("a%d%d.png"));
        CHECK_FALSE(ImagePattern::parse("a%5d.png"));
        CHECK_FALSE(ImagePattern::parse("a%"));
    }

    TEST_CASE("displayAvailable follows DISPLAY and WAYLAND_DISPLAY") {
        const char* oldX = std::getenv("DISPLAY");
        const char* oldW = std::getenv("WAYLAND_DISPLAY");
        const std::string savedX = oldX ? oldX : "";
        const std::string savedW = oldW ? oldW : "";

        ::unsetenv("DISPLAY");
        ::unsetenv("WAYLAND_DISPLAY");
        CHECK_FALSE(ng::sink::displayAvailable());
        ::setenv("DISPLAY", "", 1);
        CHECK_FALSE(ng::sink::displayAvailable());
        ::setenv("WAYLAND_DISPLAY", "wayland-0", 1);
        CHECK(ng::sink::displayAvailable());
        ::unsetenv("WAYLAND_DISPLAY");
        ::setenv("DISPLAY", ":0", 1);
        CHECK(ng::sink::displayAvailable());

        if (oldX)
            ::setenv("DISPLAY", savedX.c_str(), 1);
        else
            ::unsetenv("DISPLAY");
        if (oldW)
            ::setenv("WAYLAND_DISPLAY", savedW.c_str(), 1);
        else
            ::unsetenv("WAYLAND_DISPLAY");
    }

    TEST_CASE("makeOutputs: kinds, and outputs that cannot go together") {
        const auto outputs = ng::sink::makeOutputs({"null", "raw:-"});
        REQUIRE(outputs.size() == 2);
        CHECK(outputs[0].spec == "null");
        CHECK(outputs[0].kind == "null");
        CHECK(outputs[1].kind == "raw");
        CHECK(ng::sink::outputKind("x.mkv") == "video");
        CHECK(ng::sink::outputKind("f_%03d.png") == "images");
        CHECK(ng::sink::outputKind("-") == "y4m");
        CHECK(ng::sink::outputKind("x.txt").empty());
        try {
            ng::sink::makeOutputs({"-", "null", "raw:-"});
            FAIL("two outputs on stdout should be a usage error");
        } catch (const ng::UsageError& e) {
            CHECK(std::string(e.what()).find("'-' and 'raw:-' both write to stdout") !=
                  std::string::npos);
        }
        CHECK_THROWS_AS(ng::sink::makeOutputs({"null", "null"}), ng::UsageError);
    }
}
