// AvEncoder: BGR pictures -> compressed packets through libavcodec (h264, mjpeg, ffv1, mpeg4).
#pragma once

#include <cstdint>
#include <functional>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "av_common.hpp"
#include "sink/video_settings.hpp"

namespace ng::sink::av {

// One encoder for one file: a new file gets a new encoder, so every file starts with a key
// frame and plays on its own. Its memory is bounded by the settings: x264 holds
// `lookahead` pictures plus one per frame thread.
class AvEncoder {
public:
    using PacketSink = std::function<void(AVPacket&, AVRational timeBase)>;

    // Opens the first of `encoders` (FFmpeg names, best first) that accepts the size.
    // Throws std::runtime_error naming `path`, the encoders tried and why each failed.
    AvEncoder(const std::vector<std::string>& encoders, cv::Size size, AVRational frameRate,
              AVRational timeBase, bool globalHeader, const VideoSettings& settings,
              const std::string& path);

    const std::string& name() const { return name_; }
    const AVCodecContext& context() const { return *encoder_; }

    // Encodes `bgr` (of the encoder's size) at `pts` (in the time base); packets that come
    // out go to `out`. With `bgr` empty the previous picture is encoded again.
    void encode(const cv::Mat& bgr, std::int64_t pts, const PacketSink& out);
    // Drains what the encoder still holds (x264's lookahead) into `out`.
    void flush(const PacketSink& out);

private:
    int open(const AVCodec& codec, const VideoSettings& settings, bool globalHeader);
    void drain(const PacketSink& out);
    void check(int rc, const char* doing) const;

    std::string path_;
    std::string name_;
    cv::Size size_;
    AVRational frameRate_;
    AVRational timeBase_;
    CodecPtr encoder_;
    FramePtr picture_;
    PacketPtr packet_;
    ScalerPtr scaler_;
};

}  // namespace ng::sink::av
