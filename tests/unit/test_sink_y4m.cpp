// Tests of the stdout sinks (y4m and raw BGR24), written to a temporary file instead.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "core/frame.hpp"
#include "sink/raw_sink.hpp"
#include "sink/y4m_sink.hpp"

namespace {

// A temporary file, removed on destruction; the sinks get its fd.
class TempFile {
public:
    TempFile() {
        std::string name = "/tmp/ng_sink_test_XXXXXX";
        fd_ = ::mkstemp(name.data());
        REQUIRE(fd_ >= 0);
        path_ = name;
    }
    ~TempFile() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    int fd() const { return fd_; }
    std::string contents() const {
        std::ifstream in(path_, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

private:
    int fd_ = -1;
    std::string path_;
};

// A frame over `pixels` (borrowed), as the receiver hands them to sinks.
ng::Frame frameOver(std::vector<std::uint8_t>& pixels, ng::FrameShape shape) {
    ng::Frame frame;
    frame.shape = shape;
    frame.pixels = pixels.data();
    return frame;
}

std::vector<std::uint8_t> solid(ng::FrameShape shape, std::uint8_t b, std::uint8_t g,
                                std::uint8_t r) {
    std::vector<std::uint8_t> pixels(shape.bytes());
    for (std::size_t i = 0; i < pixels.size(); i += 3) {
        pixels[i] = b;
        pixels[i + 1] = g;
        pixels[i + 2] = r;
    }
    return pixels;
}

}  // namespace

TEST_SUITE("sink") {
    TEST_CASE("y4m: frame rates as fractions") {
        using ng::sink::y4mRate;
        CHECK(y4mRate(30) == std::pair<std::int64_t, std::int64_t>{30, 1});
        CHECK(y4mRate(25) == std::pair<std::int64_t, std::int64_t>{25, 1});
        CHECK(y4mRate(29.97) == std::pair<std::int64_t, std::int64_t>{30000, 1001});
        CHECK(y4mRate(30000.0 / 1001) == std::pair<std::int64_t, std::int64_t>{30000, 1001});
        CHECK(y4mRate(23.976) == std::pair<std::int64_t, std::int64_t>{24000, 1001});
        CHECK(y4mRate(59.94) == std::pair<std::int64_t, std::int64_t>{60000, 1001});
        CHECK(y4mRate(12.5) == std::pair<std::int64_t, std::int64_t>{25, 2});
        CHECK(y4mRate(0) == std::pair<std::int64_t, std::int64_t>{30, 1});
        CHECK(y4mRate(-5) == std::pair<std::int64_t, std::int64_t>{30, 1});
    }

    TEST_CASE("y4m: header and I420 frame layout") {
        TempFile file;
        ng::sink::Y4mSink sink(file.fd());
        CHECK_FALSE(sink.usesStdout());
        const ng::FrameShape shape{4, 6, 3};
        ng::sink::StreamInfo info;
        info.shape = shape;
        info.fps = 29.97;
        sink.open(info);

        // Two frames: mid grey BGR, then a grey (1-channel) frame of another size, which is
        // converted and scaled to the first frame's size.
        auto bgr = solid(shape, 128, 128, 128);
        CHECK(sink.write(frameOver(bgr, shape)));
        std::vector<std::uint8_t> grey(8 * 12, 128);
        CHECK(sink.write(frameOver(grey, ng::FrameShape{8, 12, 1})));
        sink.close();
        sink.close();

        const std::string header = "YUV4MPEG2 W6 H4 F30000:1001 Ip A1:1 C420jpeg\n";
        const std::size_t frameBytes = 6 * 4 + 2 * (3 * 2);
        const std::string out = file.contents();
        REQUIRE(out.size() == header.size() + 2 * (6 + frameBytes));
        CHECK(out.compare(0, header.size(), header) == 0);

        // Reference conversion: OpenCV's own BGR -> I420, limited range.
        cv::Mat reference;
        cv::cvtColor(cv::Mat(4, 6, CV_8UC3, bgr.data()), reference, cv::COLOR_BGR2YUV_I420);
        REQUIRE(reference.total() == frameBytes);
        for (int i = 0; i < 2; ++i) {
            const std::size_t at = header.size() + static_cast<std::size_t>(i) * (6 + frameBytes);
            CHECK(out.compare(at, 6, "FRAME\n") == 0);
            CHECK(std::memcmp(out.data() + at + 6, reference.data, frameBytes) == 0);
        }
        // Mid grey is Y = 126 in limited range, chroma neutral.
        CHECK(static_cast<std::uint8_t>(out[header.size() + 6]) == 126);
        CHECK(static_cast<std::uint8_t>(out[header.size() + 6 + 24]) == 128);
    }

    TEST_CASE("y4m: in real time, gaps repeat the previous frame and early frames are dropped") {
        TempFile file;
        ng::sink::Y4mSink sink(file.fd());
        const ng::FrameShape shape{2, 2, 3};
        ng::sink::StreamInfo info;
        info.shape = shape;
        info.fps = 10;
        info.realTime = true;
        sink.open(info);
        // Capture times in ms: 0, 100, then 400 (two slots lost), 430 (the 400 ms slot is
        // taken: dropped), 510 (nearest slot 500).
        const std::int64_t start = 1'700'000'000'000'000;
        const int times[] = {0, 100, 400, 430, 510};
        std::vector<std::vector<std::uint8_t>> pictures;
        for (int i = 0; i < 5; ++i) {
            pictures.push_back(solid(shape, static_cast<std::uint8_t>(40 * i), 0, 0));
            ng::Frame frame = frameOver(pictures.back(), shape);
            frame.captureTimeUs = start + times[i] * 1000;
            CHECK(sink.write(frame));
        }
        sink.close();

        const std::string header = "YUV4MPEG2 W2 H2 F10:1 Ip A1:1 C420jpeg\n";
        const std::size_t frameBytes = 6 + 4 + 2;
        const std::string out = file.contents();
        REQUIRE(out.size() == header.size() + 6 * frameBytes);  // slots 0 to 5
        // Which frame each slot shows, told apart by its blue (so its luma).
        const int shown[] = {0, 1, 1, 1, 2, 4};
        for (int slot = 0; slot < 6; ++slot) {
            cv::Mat reference;
            cv::cvtColor(cv::Mat(2, 2, CV_8UC3, pictures[shown[slot]].data()), reference,
                         cv::COLOR_BGR2YUV_I420);
            INFO("slot " << slot);
            CHECK(std::memcmp(out.data() + header.size() + slot * frameBytes + 6, reference.data,
                              reference.total()) == 0);
        }
    }

    TEST_CASE("y4m: odd sizes are written as 4:4:4 with the same colours") {
        TempFile file;
        ng::sink::Y4mSink sink(file.fd());
        const ng::FrameShape shape{3, 5, 3};
        ng::sink::StreamInfo info;
        info.shape = shape;
        info.fps = 25;
        sink.open(info);
        auto red = solid(shape, 0, 0, 255);
        sink.write(frameOver(red, shape));
        sink.close();

        const std::string header = "YUV4MPEG2 W5 H3 F25:1 Ip A1:1 C444\n";
        const std::string out = file.contents();
        REQUIRE(out.size() == header.size() + 6 + 3 * 15);
        CHECK(out.compare(0, header.size(), header) == 0);
        CHECK(out.compare(header.size(), 6, "FRAME\n") == 0);

        // Pure red in the I420 path, for comparison.
        cv::Mat i420;
        cv::Mat redEven(2, 2, CV_8UC3, cv::Scalar(0, 0, 255));
        cv::cvtColor(redEven, i420, cv::COLOR_BGR2YUV_I420);
        const auto* planes = reinterpret_cast<const std::uint8_t*>(out.data() + header.size() + 6);
        for (int i = 0; i < 15; ++i) {
            CHECK(std::abs(planes[i] - i420.data[0]) <= 1);       // Y
            CHECK(std::abs(planes[15 + i] - i420.data[4]) <= 1);  // Cb
            CHECK(std::abs(planes[30 + i] - i420.data[5]) <= 1);  // Cr
        }
    }

    TEST_CASE("y4m: a closed pipe is a clear error") {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        ::close(fds[0]);
        // SIGPIPE would kill the test binary; the pipeline ignores it the same way.
        auto* previous = ::signal(SIGPIPE, SIG_IGN);
        ng::sink::Y4mSink sink(fds[1]);
        ng::sink::StreamInfo info;
        info.shape = ng::FrameShape{2, 2, 3};
        CHECK_THROWS_WITH(sink.open(info), "stdout closed (the reader of -o - exited)");
        ::signal(SIGPIPE, previous);
        ::close(fds[1]);
    }

    TEST_CASE("raw: bare BGR24, grey and BGRA converted, other sizes scaled") {
        TempFile file;
        ng::sink::RawSink sink(file.fd());
        const ng::FrameShape shape{2, 3, 3};
        ng::sink::StreamInfo info;
        info.shape = shape;
        sink.open(info);

        auto bgr = solid(shape, 1, 2, 3);
        sink.write(frameOver(bgr, shape));
        std::vector<std::uint8_t> grey(shape.height * shape.width, 77);
        sink.write(frameOver(grey, ng::FrameShape{2, 3, 1}));
        std::vector<std::uint8_t> bgra(4 * 6 * 4);
        for (std::size_t i = 0; i < bgra.size(); i += 4) {
            bgra[i] = 10;
            bgra[i + 1] = 20;
            bgra[i + 2] = 30;
            bgra[i + 3] = 255;
        }
        sink.write(frameOver(bgra, ng::FrameShape{4, 6, 4}));
        sink.close();

        const std::string out = file.contents();
        REQUIRE(out.size() == 3 * shape.bytes());
        CHECK(std::memcmp(out.data(), bgr.data(), shape.bytes()) == 0);
        CHECK(std::string(shape.bytes(), '\x4d') == out.substr(shape.bytes(), shape.bytes()));
        const auto expected = solid(shape, 10, 20, 30);
        CHECK(std::memcmp(out.data() + 2 * shape.bytes(), expected.data(), shape.bytes()) == 0);
    }
}
