// Tests of the built-in test pattern: determinism, odd sizes, pooled buffers.
#include <doctest/doctest.h>

#include <cstring>
#include <deque>
#include <vector>

#include "source/source.hpp"
#include "source/test_pattern.hpp"

using ng::FrameShape;
using ng::source::renderTestFrame;
using ng::source::TestPatternRenderer;

namespace {

std::vector<std::uint8_t> render(std::uint64_t index, const FrameShape& shape) {
    std::vector<std::uint8_t> pixels(shape.bytes());
    renderTestFrame(index, shape, pixels.data());
    return pixels;
}

}  // namespace

TEST_SUITE("source") {
    TEST_CASE("test pattern: a frame is a pure function of its index") {
        const FrameShape shape{480, 640, 3};
        CHECK(render(5, shape) == render(5, shape));
        CHECK(render(5, shape) != render(6, shape));
        CHECK(render(0, shape) != render(1, shape));

        // Rendering other frames in between (another pace) changes nothing.
        TestPatternRenderer renderer(shape);
        std::vector<std::uint8_t> a(shape.bytes()), b(shape.bytes());
        renderer.render(5, a.data());
        for (std::uint64_t i = 100; i < 103; ++i) renderer.render(i, b.data());
        renderer.render(5, b.data());
        CHECK(a == b);
        CHECK(a == render(5, shape));
    }

    TEST_CASE("test pattern: the picture moves outside the counter too") {
        const FrameShape shape{480, 640, 3};
        const auto f5 = render(5, shape);
        const auto f6 = render(6, shape);
        // The sweeping line crosses the bottom row too, far from the counter.
        const std::size_t lastRow = shape.rowBytes() * static_cast<std::size_t>(shape.height - 1);
        CHECK(std::memcmp(f5.data() + lastRow, f6.data() + lastRow, shape.rowBytes()) != 0);
        // Far indices do not overflow or repeat trivially.
        CHECK(render(1000000007ULL, shape) != render(1000000008ULL, shape));
    }

    TEST_CASE("test pattern: updating a frame in place equals rendering it afresh") {
        for (const FrameShape shape : {FrameShape{480, 640, 3}, FrameShape{479, 641, 3},
                                       FrameShape{16, 16, 3}, FrameShape{1, 1, 3},
                                       FrameShape{3, 1000, 3}}) {
            CAPTURE(shape.width);
            CAPTURE(shape.height);
            TestPatternRenderer renderer(shape);
            // Steps forwards, backwards, across digit-count changes and far jumps.
            const std::uint64_t path[] = {0, 1, 2, 9, 10, 99, 100, 7, 123456, 5, 1000000007ULL, 3};
            std::vector<std::uint8_t> buffer(shape.bytes() + 1, 0xAB);
            renderer.render(path[0], buffer.data());
            for (std::size_t k = 1; k < std::size(path); ++k) {
                CAPTURE(path[k]);
                renderer.update(path[k - 1], path[k], buffer.data());
                CHECK(std::memcmp(buffer.data(), render(path[k], shape).data(), shape.bytes()) ==
                      0);
                CHECK(buffer.back() == 0xAB);
            }
        }
    }

    TEST_CASE("test pattern: small steps update only what changed, whatever crosses what") {
        // Steps of 1 to 4 frames, forwards and back, as recycled buffers come back. On a
        // small frame the box soon crosses the counter's corner and the sweeping line.
        for (const FrameShape shape :
             {FrameShape{48, 64, 3}, FrameShape{120, 90, 3}, FrameShape{480, 640, 3}}) {
            CAPTURE(shape.width);
            CAPTURE(shape.height);
            TestPatternRenderer renderer(shape);
            std::vector<std::uint8_t> buffer(shape.bytes() + 1, 0xAB);
            std::vector<std::uint8_t> fresh(shape.bytes());
            std::uint64_t index = 0;
            renderer.render(index, buffer.data());
            for (int k = 0; k < 400; ++k) {
                const std::uint64_t next = k % 7 == 6 ? index - 1 : index + 1 + k % 4;
                renderer.update(index, next, buffer.data());
                index = next;
                renderer.render(index, fresh.data());
                CAPTURE(index);
                REQUIRE(std::memcmp(buffer.data(), fresh.data(), shape.bytes()) == 0);
            }
            CHECK(buffer.back() == 0xAB);
        }
    }

    TEST_CASE("test pattern source: recycled buffers in any order still hold the right frame") {
        ng::source::SourceOptions options;
        options.width = 320;
        options.height = 240;
        auto source = ng::source::makeSource(options);
        source->start();
        const FrameShape shape{240, 320, 3};
        std::deque<std::pair<std::uint64_t, ng::Frame>> held;  // (index, frame)
        std::uint64_t next = 0;
        for (int round = 0; round < 8; ++round) {
            // Hold a varying number of frames and release them from either end, so the pool
            // hands back buffers that are one or several frames old.
            for (int k = 0; k <= round % 4; ++k) {
                auto frame = source->next(std::chrono::milliseconds(0));
                REQUIRE(frame);
                held.emplace_back(next++, *frame);
            }
            for (const auto& [index, frame] : held) {
                CAPTURE(index);
                CHECK(std::memcmp(frame.pixels, render(index, shape).data(), shape.bytes()) == 0);
            }
            while (held.size() > static_cast<std::size_t>(round % 2)) {
                if (round % 2) held.pop_front(); else held.pop_back();
            }
        }
    }

    TEST_CASE("test pattern: odd and tiny sizes") {
        for (const FrameShape shape :
             {FrameShape{479, 641, 3}, FrameShape{16, 16, 3}, FrameShape{1, 1, 3},
              FrameShape{3, 1000, 3}, FrameShape{1000, 3, 3}}) {
            CAPTURE(shape.width);
            CAPTURE(shape.height);
            // A guard byte after the frame catches writes past the end.
            std::vector<std::uint8_t> pixels(shape.bytes() + 1, 0xAB);
            for (std::uint64_t i : {0ULL, 1ULL, 77ULL, 123456ULL}) {
                renderTestFrame(i, shape, pixels.data());
                CHECK(pixels.back() == 0xAB);
            }
            std::vector<std::uint8_t> again(shape.bytes());
            renderTestFrame(123456, shape, again.data());
            CHECK(std::memcmp(pixels.data(), again.data(), again.size()) == 0);
        }
    }

    TEST_CASE("test pattern: only BGR of a positive size") {
        CHECK_THROWS_AS(TestPatternRenderer(FrameShape{0, 640, 3}), std::invalid_argument);
        CHECK_THROWS_AS(TestPatternRenderer(FrameShape{480, 640, 1}), std::invalid_argument);
    }

    TEST_CASE("test pattern source: frames in pooled buffers, equal to the renderer's") {
        ng::source::SourceOptions options;
        options.width = 641;
        options.height = 479;
        auto source = ng::source::makeSource(options);
        source->start();
        CHECK(source->nominalFps() == doctest::Approx(30));
        CHECK(source->describe().find("641x479") != std::string::npos);

        const FrameShape shape{479, 641, 3};
        const std::uint8_t* firstBuffer = nullptr;
        for (std::uint64_t i = 0; i < 4; ++i) {
            auto frame = source->next(std::chrono::milliseconds(0));
            REQUIRE(frame);
            CHECK(frame->shape == shape);
            CHECK(frame->headroom == ng::kWireHeadroom);
            CHECK(std::memcmp(frame->pixels, render(i, shape).data(), shape.bytes()) == 0);
            // Each frame is released before the next is taken, so the pool hands the same
            // buffer back: steady state allocates nothing.
            if (i == 0)
                firstBuffer = frame->pixels;
            else
                CHECK(frame->pixels == firstBuffer);
            CHECK_FALSE(source->ended());
        }

        // Frames kept alive get distinct buffers.
        auto a = source->next(std::chrono::milliseconds(0));
        auto b = source->next(std::chrono::milliseconds(0));
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->pixels != b->pixels);
        source->stop();
    }
}
