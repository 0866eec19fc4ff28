// Tests of the image-sequence sink: numbering, exact PNG pixels, channels, folder errors.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "core/frame.hpp"
#include "sink/sink.hpp"
#include "source/test_pattern.hpp"

namespace fs = std::filesystem;

using ng::test::TempDir;

namespace {

ng::Frame frameOver(std::vector<std::uint8_t>& pixels, ng::FrameShape shape) {
    ng::Frame frame;
    frame.shape = shape;
    frame.pixels = pixels.data();
    return frame;
}

}  // namespace

TEST_SUITE("sink") {
    TEST_CASE("image sink: PNG files numbered from 1 with the exact pixels") {
        TempDir dir("ng_images_test");
        auto sink = ng::sink::makeSink(dir.path() + "/frame_%06d.png");
        const ng::FrameShape shape{479, 641, 3};
        ng::sink::StreamInfo info;
        info.shape = shape;
        sink->open(info);

        std::vector<std::vector<std::uint8_t>> frames;
        for (std::uint64_t i = 0; i < 3; ++i) {
            frames.emplace_back(shape.bytes());
            ng::source::renderTestFrame(i, shape, frames.back().data());
            CHECK(sink->write(frameOver(frames.back(), shape)));
        }
        sink->close();

        CHECK_FALSE(fs::exists(dir.path() + "/frame_000000.png"));
        CHECK_FALSE(fs::exists(dir.path() + "/frame_000004.png"));
        for (int i = 0; i < 3; ++i) {
            const std::string path = dir.path() + "/frame_00000" + std::to_string(i + 1) + ".png";
            CAPTURE(path);
            const cv::Mat image = cv::imread(path, cv::IMREAD_UNCHANGED);
            REQUIRE_FALSE(image.empty());
            CHECK(image.cols == shape.width);
            CHECK(image.rows == shape.height);
            REQUIRE(image.type() == CV_8UC3);
            REQUIRE(image.isContinuous());
            CHECK(std::memcmp(image.data, frames[static_cast<std::size_t>(i)].data(),
                              shape.bytes()) == 0);
        }
    }

    TEST_CASE("image sink: grey stays grey, BGRA keeps alpha in PNG and loses it in JPEG") {
        TempDir dir("ng_images_test");
        std::vector<std::uint8_t> grey(4 * 5);
        for (std::size_t i = 0; i < grey.size(); ++i) grey[i] = static_cast<std::uint8_t>(i * 10);
        std::vector<std::uint8_t> bgra(4 * 5 * 4, 200);
        for (std::size_t i = 3; i < bgra.size(); i += 4) bgra[i] = 99;

        auto png = ng::sink::makeSink(dir.path() + "/p%d.png");
        png->open(ng::sink::StreamInfo{});
        png->write(frameOver(grey, ng::FrameShape{4, 5, 1}));
        png->write(frameOver(bgra, ng::FrameShape{4, 5, 4}));
        png->close();
        const cv::Mat g = cv::imread(dir.path() + "/p1.png", cv::IMREAD_UNCHANGED);
        REQUIRE(g.type() == CV_8UC1);
        CHECK(std::memcmp(g.data, grey.data(), grey.size()) == 0);
        const cv::Mat a = cv::imread(dir.path() + "/p2.png", cv::IMREAD_UNCHANGED);
        REQUIRE(a.type() == CV_8UC4);
        CHECK(std::memcmp(a.data, bgra.data(), bgra.size()) == 0);

        auto jpg = ng::sink::makeSink(dir.path() + "/j%03d.jpg");
        jpg->open(ng::sink::StreamInfo{});
        jpg->write(frameOver(bgra, ng::FrameShape{4, 5, 4}));
        jpg->close();
        const cv::Mat j = cv::imread(dir.path() + "/j001.jpg", cv::IMREAD_UNCHANGED);
        REQUIRE(j.type() == CV_8UC3);
        CHECK(std::abs(j.at<cv::Vec3b>(1, 1)[0] - 200) <= 3);
    }

    TEST_CASE("image sink: a missing folder is created at start-up") {
        TempDir dir("ng_images_test");
        const std::string missing = dir.path() + "/not_here/deeper";
        auto sink = ng::sink::makeSink(missing + "/frame_%06d.png");
        CHECK(fs::is_directory(missing));
        sink->open(ng::sink::StreamInfo{});
        std::vector<std::uint8_t> pixels(2 * 2 * 3, 0);
        CHECK(sink->write(frameOver(pixels, ng::FrameShape{2, 2, 3})));
        CHECK(fs::exists(missing + "/frame_000001.png"));
    }

    TEST_CASE("image sink: a failed write names the file") {
        TempDir dir("ng_images_test");
        // A folder where the file should go makes imwrite fail.
        fs::create_directory(dir.path() + "/x1.png");
        auto sink = ng::sink::makeSink(dir.path() + "/x%d.png");
        sink->open(ng::sink::StreamInfo{});
        std::vector<std::uint8_t> pixels(2 * 2 * 3, 0);
        CHECK_THROWS_WITH(sink->write(frameOver(pixels, ng::FrameShape{2, 2, 3})),
                          doctest::Contains((dir.path() + "/x1.png").c_str()));
    }
}
