// Tests of the stdin sources' parts: the y4m header, bare frame layouts, and StdinSource on a pipe.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "source/raw_frame.hpp"
#include "source/stdin_source.hpp"
#include "source/y4m_header.hpp"
#include "test_support.hpp"

using namespace ng::source;
using namespace std::chrono_literals;

namespace {

std::string headerError(const std::string& line) {
    return ng::test::messageOf<std::runtime_error>([&] { parseY4mHeader(line); });
}

// A pipe whose write end the test fills and closes; the read end is the source's stdin.
struct Pipe {
    int read = -1, write = -1;
    Pipe() {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        read = fds[0];
        write = fds[1];
    }
    ~Pipe() {
        closeWrite();
        ::close(read);
    }
    void put(const std::string& bytes) {
        REQUIRE(::write(write, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    }
    void closeWrite() {
        if (write >= 0) ::close(write);
        write = -1;
    }
};

std::string bytesOf(std::size_t count, char value) { return std::string(count, value); }

}  // namespace

TEST_SUITE("source") {
    TEST_CASE("y4m header: size, rate and the C420 variants") {
        const Y4mHeader h = parseY4mHeader("YUV4MPEG2 W640 H480 F30000:1001 Ip A1:1 C420mpeg2");
        CHECK(h.width == 640);
        CHECK(h.height == 480);
        CHECK(h.fps() == doctest::Approx(29.97).epsilon(0.001));
        CHECK(h.layout == PixelFormat::Yuv420p);
        CHECK(h.frameBytes() == 640 * 480 * 3 / 2);
        for (const char* tag : {"420jpeg", "420mpeg2", "420paldv", "420"}) {
            CHECK(parseY4mHeader(std::string("YUV4MPEG2 W5 H3 C") + tag).frameBytes() ==
                  15 + 2 * 3 * 2);
        }
        CHECK(parseY4mHeader("YUV4MPEG2 W5 H3 C422").frameBytes() == 15 + 2 * 3 * 3);
        CHECK(parseY4mHeader("YUV4MPEG2 W5 H3 C444").frameBytes() == 45);
        CHECK(parseY4mHeader("YUV4MPEG2 W5 H3 Cmono").layout == PixelFormat::Gray);
        // No C tag means 420jpeg; no F tag means an unknown rate.
        const Y4mHeader bare = parseY4mHeader("YUV4MPEG2 H2 W4");
        CHECK(bare.chroma == "420jpeg");
        CHECK(bare.fps() == 0);
        CHECK(parseY4mHeader("YUV4MPEG2 W4 H2 XYSCSS=420JPEG XCOLORRANGE=FULL").range ==
              YuvRange::Full);
    }

    TEST_CASE("y4m header: what is refused names the field") {
        CHECK(headerError("RIFF W4 H2").find("not YUV4MPEG2") != std::string::npos);
        CHECK(headerError("YUV4MPEG2 H2").find("no W field") != std::string::npos);
        CHECK(headerError("YUV4MPEG2 W0 H2").find("bad width 'W0'") != std::string::npos);
        CHECK(headerError("YUV4MPEG2 W4 H99999").find("bad height") != std::string::npos);
        CHECK(headerError("YUV4MPEG2 W4 H2 Fx").find("bad frame rate") != std::string::npos);
        CHECK(headerError("YUV4MPEG2 W4 H2 C420p10").find("'C420p10' is not supported") !=
              std::string::npos);
        CHECK(isY4mFrameHeader("FRAME"));
        CHECK(isY4mFrameHeader("FRAME Ixyz"));
        CHECK_FALSE(isY4mFrameHeader("FRAMES"));
    }

    TEST_CASE("raw frames: sizes round chroma up on odd sides") {
        CHECK(rawFrameBytes(PixelFormat::Bgr24, 5, 3) == 45);
        CHECK(rawFrameBytes(PixelFormat::Gray, 5, 3) == 15);
        CHECK(rawFrameBytes(PixelFormat::Yuv420p, 5, 3) == 15 + 2 * 3 * 2);
        CHECK(rawFrameBytes(PixelFormat::Nv12, 5, 3) == 15 + 2 * 3 * 2);
        CHECK(rawFrameBytes(PixelFormat::Yuv420p, 4, 2) == 12);
        CHECK(convertedChannels(PixelFormat::Gray) == 1);
        CHECK(convertedChannels(PixelFormat::Nv12) == 3);
    }

    TEST_CASE("raw frames: odd sizes convert like even ones, yuv420p like nv12") {
        // A 5x3 frame whose top-left 4x2 corner has the samples of a 4x2 frame: the odd
        // size goes through our converter, the even one through OpenCV's.
        const std::vector<std::uint8_t> y = {16, 60, 120, 235, 50, 90, 200, 30};
        const std::uint8_t u[] = {90, 200}, v[] = {240, 40};
        std::vector<std::uint8_t> even(y);
        even.insert(even.end(), {u[0], u[1], v[0], v[1]});
        std::vector<std::uint8_t> odd(15 + 12, 128);
        for (int row = 0; row < 2; ++row)
            for (int x = 0; x < 4; ++x) odd[row * 5 + x] = y[row * 4 + x];
        odd[15] = u[0];
        odd[16] = u[1];
        odd[21] = v[0];
        odd[22] = v[1];
        std::vector<std::uint8_t> evenOut(4 * 2 * 3), oddOut(5 * 3 * 3);
        convertRawFrame(PixelFormat::Yuv420p, YuvRange::Limited, even.data(), 4, 2, evenOut.data());
        convertRawFrame(PixelFormat::Yuv420p, YuvRange::Limited, odd.data(), 5, 3, oddOut.data());
        for (int row = 0; row < 2; ++row) {
            for (int i = 0; i < 12; ++i) {
                CHECK(std::abs(evenOut[row * 12 + i] - oddOut[row * 15 + i]) <= 1);
            }
        }
        // The same samples interleaved (NV12), at the odd size.
        std::vector<std::uint8_t> nv12(odd.begin(), odd.begin() + 15);
        for (int i = 0; i < 6; ++i) {
            nv12.push_back(odd[15 + i]);
            nv12.push_back(odd[21 + i]);
        }
        std::vector<std::uint8_t> nv12Out(oddOut.size());
        convertRawFrame(PixelFormat::Nv12, YuvRange::Limited, nv12.data(), 5, 3, nv12Out.data());
        CHECK(nv12Out == oddOut);
        // Limited-range black and white.
        const std::uint8_t blackWhite[] = {16, 235, 128, 128, 128, 128, 128, 128, 128};
        std::uint8_t bw[6];
        convertRawFrame(PixelFormat::Yuv444p, YuvRange::Limited, blackWhite, 2, 1, bw);
        CHECK(bw[0] == 0);
        CHECK(bw[3] == 255);
    }

    TEST_CASE("StdinSource: raw frames, a wait mid-frame, and a truncated last frame") {
        Pipe pipe;
        SourceOptions options;
        options.width = 3;
        options.height = 2;
        options.pixFmt = PixelFormat::Rgb24;
        StdinSource source(StdinSource::Format::Raw, options, pipe.read);
        source.start();
        pipe.put(bytesOf(10, 1));  // more than half a frame
        CHECK_FALSE(source.next(20ms).has_value());
        CHECK_FALSE(source.ended());
        pipe.put(bytesOf(8, 2) + bytesOf(5, 3));  // the rest, then part of the next
        const auto frame = source.next(1s);
        REQUIRE(frame.has_value());
        CHECK(frame->shape == ng::FrameShape{2, 3, 3});
        CHECK(frame->pixels[17] == 2);
        pipe.closeWrite();
        CHECK_FALSE(source.next(1s).has_value());
        CHECK(source.ended());  // the 5-byte tail was dropped
    }

    TEST_CASE("StdinSource: y4m frames, and a header that lies about the size") {
        {
            Pipe pipe;
            pipe.put("YUV4MPEG2 W2 H2 F25:1 Cmono\nFRAME\n" + bytesOf(4, 9) + "FRAME\n" +
                     bytesOf(4, 7));
            pipe.closeWrite();
            StdinSource source(StdinSource::Format::Y4m, SourceOptions{}, pipe.read);
            source.start();
            CHECK(source.nominalFps() == 25);
            const auto first = source.next(1s);
            REQUIRE(first.has_value());
            CHECK(first->shape == ng::FrameShape{2, 2, 1});
            CHECK(first->pixels[0] == 9);
            const auto second = source.next(1s);
            REQUIRE(second.has_value());
            CHECK(second->pixels[3] == 7);
            CHECK_FALSE(source.next(1s).has_value());
            CHECK(source.ended());
        }
        {
            Pipe pipe;  // frames of 2x2 behind a header that says 3x2
            pipe.put("YUV4MPEG2 W3 H2 Cmono\nFRAME\n" + bytesOf(4, 9) + "FRAME\n" + bytesOf(4, 7));
            pipe.closeWrite();
            StdinSource source(StdinSource::Format::Y4m, SourceOptions{}, pipe.read);
            source.start();
            const std::string error =
                ng::test::messageOf<std::runtime_error>([&] { source.next(1s); });
            CHECK(error.find("the header does not describe the frames") != std::string::npos);
        }
    }
}
