// The spellings of --video-codec and the checks of a video output's settings at start-up.
#include "sink/video_settings.hpp"

#include <algorithm>
#include <array>

#include "core/errors.hpp"
#include "sink/output_folder.hpp"

namespace ng::sink {

namespace {
// x264's presets. Checked here, since FFmpeg's H.264 fallback (MPEG-4 part 2) would
// otherwise hide a misspelt one.
constexpr std::array<const char*, 10> kX264Presets = {
    "ultrafast", "superfast", "veryfast", "faster",   "fast",
    "medium",    "slow",      "slower",   "veryslow", "placebo"};
}  // namespace

bool parseVideoCodec(const std::string& text, VideoCodec& codec) {
    for (const VideoCodec c : {VideoCodec::Auto, VideoCodec::Copy, VideoCodec::H264,
                               VideoCodec::Mjpeg, VideoCodec::Ffv1}) {
        if (text == videoCodecName(c)) {
            codec = c;
            return true;
        }
    }
    return false;
}

std::string videoCodecName(VideoCodec codec) {
    switch (codec) {
        case VideoCodec::Auto:
            return "auto";
        case VideoCodec::Copy:
            return "copy";
        case VideoCodec::H264:
            return "h264";
        case VideoCodec::Mjpeg:
            return "mjpeg";
        case VideoCodec::Ffv1:
            return "ffv1";
    }
    return "auto";
}

void checkVideoSettings(const std::string& spec, const VideoSettings& settings) {
    const std::string ext = lowerExtension(spec);
    if (settings.codec == VideoCodec::Ffv1 && (ext == ".mp4" || ext == ".mov")) {
        throw UsageError("output '" + spec + "': --video-codec ffv1 does not fit in " + ext +
                         "; record it to .mkv or .avi");
    }
    if ((settings.keepUs > 0 || settings.keepBytes > 0) && settings.segmentUs <= 0) {
        throw UsageError("output '" + spec +
                         "': --keep and --keep-size delete old segments, "
                         "and there are none without --segment (e.g. --segment 10m)");
    }
    if (std::none_of(kX264Presets.begin(), kX264Presets.end(),
                     [&](const char* p) { return settings.preset == p; })) {
        throw UsageError("--video-preset " + settings.preset +
                         ": not an x264 preset; use ultrafast, superfast, veryfast, faster, "
                         "fast, medium, slow, slower or veryslow");
    }
    if (settings.crf < 0 || settings.crf > 51) {
        throw UsageError("--video-crf " + std::to_string(settings.crf) +
                         ": x264's quality runs from 0 (lossless) to 51; 23 is its default");
    }
}

}  // namespace ng::sink
