// The one-thread JPEG reference for scripts/bench: encodes and decodes one test-pattern
// frame in a loop, with TurboJPEG (as ngsend/ngrecv do, by default and with --jpeg-fast)
// and with OpenCV's imencode/imdecode, and prints frames/s of each as one JSON object.
//
// usage: jpeg_loop WIDTH HEIGHT QUALITY FRAMES
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "codec/jpeg.hpp"
#include "source/test_pattern.hpp"

namespace {

using Clock = std::chrono::steady_clock;

template <typename Fn>
double framesPerSecond(int frames, Fn&& once) {
    const auto start = Clock::now();
    for (int i = 0; i < frames; ++i) once();
    const std::chrono::duration<double> took = Clock::now() - start;
    return frames / took.count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: jpeg_loop WIDTH HEIGHT QUALITY FRAMES\n");
        return 2;
    }
    const int width = std::atoi(argv[1]), height = std::atoi(argv[2]);
    const int quality = std::atoi(argv[3]), frames = std::atoi(argv[4]);
    const ng::FrameShape shape{height, width, 3};
    auto pixels = std::make_shared<std::vector<std::uint8_t>>(shape.bytes());
    ng::source::renderTestFrame(7, shape, pixels->data());
    ng::Frame raw;
    raw.shape = shape;
    raw.pixels = pixels->data();
    raw.owner = pixels;

    // TurboJPEG through the project's own codec: handles and buffers reused.
    struct Loop {
        double encodeFps, decodeFps;
        std::size_t bytes;
    };
    const auto turboJpeg = [&](bool fast) {
        ng::codec::JpegSettings settings;
        settings.quality = quality;
        settings.fast = fast;
        ng::codec::JpegEncoder encoder(settings);
        ng::codec::JpegDecoder decoder;
        const ng::Frame jpeg = encoder.encode(raw);
        const double encodeFps = framesPerSecond(frames, [&] { encoder.encode(raw); });
        const double decodeFps = framesPerSecond(frames, [&] { decoder.decode(jpeg); });
        return Loop{encodeFps, decodeFps, jpeg.codedBytes};
    };
    const Loop accurate = turboJpeg(false);
    // TurboJPEG always uses the accurate DCT at the top qualities: nothing to compare there.
    const bool fastApplies = quality < ng::codec::kAlwaysAccurateQuality;
    const Loop fast = fastApplies ? turboJpeg(true) : accurate;

    // --jpeg-fast against the default, encoding in alternating short rounds and keeping
    // each one's best, so that load from other processes hits both alike.
    double fastEncodeRatio = 1;
    if (fastApplies) {
        ng::codec::JpegSettings settings;
        settings.quality = quality;
        ng::codec::JpegEncoder accurateEncoder(settings);
        settings.fast = true;
        ng::codec::JpegEncoder fastEncoder(settings);
        constexpr int kRounds = 10;
        const int perRound = std::max(1, frames / kRounds);
        double bestAccurate = 0, bestFast = 0;
        for (int round = 0; round < kRounds; ++round) {
            bestAccurate = std::max(bestAccurate, framesPerSecond(perRound, [&] {
                                        accurateEncoder.encode(raw);
                                    }));
            bestFast = std::max(bestFast,
                                framesPerSecond(perRound, [&] { fastEncoder.encode(raw); }));
        }
        fastEncodeRatio = bestFast / bestAccurate;
    }

    // OpenCV, the same settings (4:2:0 is its default too).
    const cv::Mat mat(height, width, CV_8UC3, pixels->data());
    const std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY, quality};
    std::vector<std::uint8_t> encoded;
    cv::imencode(".jpg", mat, encoded, params);
    const double cvEncode =
        framesPerSecond(frames, [&] { cv::imencode(".jpg", mat, encoded, params); });
    cv::Mat decoded;
    const double cvDecode =
        framesPerSecond(frames, [&] { decoded = cv::imdecode(encoded, cv::IMREAD_COLOR); });

    std::printf(
        "{\"turbojpeg\": {\"encode_fps\": %.1f, \"decode_fps\": %.1f, \"bytes\": %zu}, "
        "\"turbojpeg_fast\": {\"encode_fps\": %.1f, \"decode_fps\": %.1f, \"bytes\": %zu, "
        "\"encode_ratio\": %.2f}, "
        "\"opencv\": {\"encode_fps\": %.1f, \"decode_fps\": %.1f, \"bytes\": %zu}}\n",
        accurate.encodeFps, accurate.decodeFps, accurate.bytes, fast.encodeFps, fast.decodeFps,
        fast.bytes, fastEncodeRatio, cvEncode, cvDecode, encoded.size());
    return 0;
}
