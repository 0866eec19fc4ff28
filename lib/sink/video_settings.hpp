// VideoSettings: how video-file outputs encode, cut and prune what they record (issue 24).
#pragma once

#include <cstdint>
#include <string>

namespace ng::sink {

// Auto: copy for a JPEG stream into .mkv/.avi, else the container's encoder (h264, or
// mjpeg for .avi). Copy stores the received JPEGs as MJPEG packets, with no decode.
enum class VideoCodec { Auto, Copy, H264, Mjpeg, Ffv1 };

struct VideoSettings {
    VideoCodec codec = VideoCodec::Auto;
    std::string preset = "veryfast";  // x264's preset
    int crf = 23;                     // x264's constant rate factor
    // x264 looks this many frames ahead; each frame it holds is a picture in memory.
    int lookahead = 5;
    std::int64_t segmentUs = 0;   // 0 = one file; else a new file on the first key frame after
    std::int64_t keepUs = 0;      // 0 = keep all; else delete segments ended longer ago
    std::uint64_t keepBytes = 0;  // 0 = keep all; else delete the oldest beyond this size
};

// "copy", "h264", "mjpeg", "ffv1", "auto"; false for any other spelling.
bool parseVideoCodec(const std::string& text, VideoCodec& codec);
std::string videoCodecName(VideoCodec codec);

// The start-up checks of `settings` for the video output `spec` (its extension and the
// codec; retention needs segments). Throws UsageError naming the flag and the fix.
void checkVideoSettings(const std::string& spec, const VideoSettings& settings);

}  // namespace ng::sink
