// Video-file plugin: -o out.mp4 / .mkv / .mov / .avi through cv::VideoWriter (FFmpeg).
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/videoio.hpp>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "sink/bgr_converter.hpp"
#include "sink/sink_plugins.hpp"

namespace ng::sink {

namespace {

// Containers take the rate as given; an absurd one (metadata glitch) would make players
// misbehave, so fall back to the usual default.
constexpr double kDefaultFps = 30;
constexpr double kMaxFps = 1000;

std::string lowerExtension(const std::string& path) {
    const auto dot = path.rfind('.');
    std::string ext = dot == std::string::npos ? std::string{} : path.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

std::string folderOf(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

bool isFolder(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Codecs to try, best first. H.264 ('avc1', libx264 through FFmpeg) plays everywhere;
// MPEG-4 part 2 ('mp4v') is the fallback when FFmpeg has no H.264 encoder. AVI gets
// Motion JPEG, which every AVI reader handles.
std::vector<std::string> codecsFor(const std::string& ext) {
    if (ext == ".avi") return {"MJPG", "mp4v"};
    return {"avc1", "mp4v"};
}

class VideoFileSink : public Sink {
public:
    explicit VideoFileSink(std::string path) : path_(std::move(path)) {}
    ~VideoFileSink() override { close(); }

    void open(const StreamInfo& info) override {
        const std::string folder = folderOf(path_);
        if (!isFolder(folder)) {
            throw std::runtime_error("output '" + path_ + "': folder '" + folder +
                                     "' does not exist (create it first: mkdir -p " + folder + ")");
        }
        size_ = cv::Size(info.shape.width, info.shape.height);
        const double fps =
            std::isfinite(info.fps) && info.fps > 0 && info.fps <= kMaxFps ? info.fps : kDefaultFps;
        // OpenCV logs an error for every codec it cannot open; we try several and report
        // the outcome ourselves.
        const auto previous = cv::utils::logging::getLogLevel();
        if (spdlog::get_level() > spdlog::level::debug) {
            cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        }
        std::string tried;
        for (const std::string& codec : codecsFor(lowerExtension(path_))) {
            const int fourcc = cv::VideoWriter::fourcc(codec[0], codec[1], codec[2], codec[3]);
            if (writer_.open(path_, cv::CAP_FFMPEG, fourcc, fps, size_, true)) {
                codec_ = codec;
                break;
            }
            tried += (tried.empty() ? "" : ", ") + codec;
        }
        cv::utils::logging::setLogLevel(previous);
        if (!writer_.isOpened()) {
            throw std::runtime_error("cannot write video '" + path_ +
                                     "': FFmpeg could open "
                                     "none of the codecs " +
                                     tried + " at " + std::to_string(size_.width) + "x" +
                                     std::to_string(size_.height) +
                                     " (is the folder writable? or try -o out.avi)");
        }
        spdlog::debug("video {}: {} {}x{} at {} fps", path_, codec_, size_.width, size_.height,
                      fps);
    }

    bool write(const Frame& frame) override {
        if (!writer_.isOpened())
            throw std::runtime_error("video " + path_ + ": written after close");
        writer_.write(converter_.convert(frame, size_));
        return true;
    }

    void close() override {
        // Releasing the writer writes the container trailer (the mp4 index); without it
        // the file does not play. Safe to call again: release() on a closed writer is a no-op.
        if (writer_.isOpened()) writer_.release();
    }

    std::string describe() const override { return "video " + path_; }

private:
    std::string path_;
    cv::VideoWriter writer_;
    cv::Size size_;
    std::string codec_;
    BgrConverter converter_;
};

}  // namespace

}  // namespace ng::sink

extern "C" __attribute__((visibility("default"))) ng::sink::Sink* ng_create_video_file_sink(
    const std::string& spec) {
    static_assert(std::is_same_v<decltype(&ng_create_video_file_sink), ng::sink::CreateSinkFn>);
    return std::make_unique<ng::sink::VideoFileSink>(spec).release();
}
