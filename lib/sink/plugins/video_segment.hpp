// VideoSegment: one playable file of a recording: its muxer, and an encoder unless it copies.
#pragma once

#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "av_common.hpp"
#include "av_encoder.hpp"
#include "av_muxer.hpp"
#include "sink/video_settings.hpp"

namespace ng::sink::av {

// What every file of one output shares.
struct SegmentFormat {
    cv::Size size;
    AVRational frameRate{30, 1};
    AVRational timeBase{1, 30};         // of the timestamps given to write*()
    bool copy = false;                  // store JPEGs as MJPEG packets; else encode pictures
    std::vector<std::string> encoders;  // FFmpeg names, best first (when not copying)
};

// Opens the file at once (header written); timestamps start at 0 in each file. Every
// packet is a key frame when copying, and a new encoder starts each file with one.
class VideoSegment {
public:
    VideoSegment(const std::string& path, const SegmentFormat& format,
                 const VideoSettings& settings);

    // `bgr` of the format's size; empty: the previous picture again.
    void writePicture(const cv::Mat& bgr, std::int64_t pts);
    // A whole JPEG stream; nullptr: the previous one again.
    void writeJpeg(const std::uint8_t* jpeg, std::size_t bytes, std::int64_t pts);
    // Drains the encoder and writes the trailer: the file is complete. Idempotent.
    void finish();

    const std::string& path() const { return muxer_.path(); }
    const std::string& encoderName() const;
    std::uint64_t frames() const { return frames_; }
    std::uint64_t bytes() const { return muxer_.bytesWritten(); }

private:
    void writePacket(AVPacket& packet, AVRational timeBase);

    SegmentFormat format_;
    AvMuxer muxer_;
    std::unique_ptr<AvEncoder> encoder_;
    PacketPtr last_;  // copying: the previous JPEG, for repeats
    std::uint64_t frames_ = 0;
    bool finished_ = false;
};

}  // namespace ng::sink::av
