// Capture plugin: video files, image sequences, V4L2 cameras and stream URLs via cv::VideoCapture.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cmath>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>
#include <regex>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "core/frame_pool.hpp"
#include "source/capture_plugin.hpp"

namespace ng::source {

namespace {

// How long FFmpeg may wait for a network stream to open or to deliver the next frame
// before the read fails and the source ends.
constexpr int kUrlOpenTimeoutMs = 10000;
constexpr int kUrlReadTimeoutMs = 10000;
// ffmpeg's image2 demuxer reads image sequences at 25 fps unless told otherwise.
constexpr double kImageSequenceFps = 25;
// Rates above this come from broken container metadata (e.g. 90000 from a timebase).
constexpr double kMaxPlausibleFps = 1000;

// A numbered file that is missing ends an image sequence only if none of the next this
// many numbers exists either: a gap of a few lost files is skipped with a warning.
constexpr int kImageSequenceLookAhead = 100;

bool pathExists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// The files of a printf-style pattern such as dir/f_%06d.png, numbered from 0 or 1 as
// ffmpeg's image2 and OpenCV's CAP_IMAGES number them. Read here rather than through
// CAP_IMAGES, which ends the sequence silently at the first missing number.
class ImageSequence {
public:
    explicit ImageSequence(const std::string& pattern) {
        static const std::regex number("%(0?)([0-9]*)d");
        std::smatch match;
        if (!std::regex_search(pattern, match, number)) return;
        prefix_ = match.prefix();
        suffix_ = match.suffix();
        zeroPad_ = match[1].length() > 0;
        width_ = match[2].length() > 0 ? std::stoi(match[2]) : 0;
    }

    // The file of number `index`.
    std::string path(int index) const {
        std::string digits = std::to_string(index);
        if (static_cast<int>(digits.size()) < width_) {
            digits.insert(0, static_cast<std::size_t>(width_) - digits.size(),
                          zeroPad_ ? '0' : ' ');
        }
        return prefix_ + digits + suffix_;
    }

    // The first number whose file exists, from `from` up to the look-ahead; -1 if none.
    int nextExisting(int from, int lookAhead) const {
        for (int index = from; index <= from + lookAhead; ++index) {
            if (pathExists(path(index))) return index;
        }
        return -1;
    }

private:
    std::string prefix_, suffix_;
    bool zeroPad_ = false;
    int width_ = 0;
};

// rtsp://user:secret@host/... -> rtsp://user:***@host/..., so logs do not leak passwords.
std::string redactUrl(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const auto hostStart = scheme + 3;
    const auto at = url.find('@', hostStart);
    const auto slash = url.find('/', hostStart);
    if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
    const auto colon = url.find(':', hostStart);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// OpenCV logs its own warnings to stderr ("can't open camera by index"); our error
// messages say the same with the fix, so keep OpenCV quiet unless debugging.
void quietOpenCv() {
    if (spdlog::get_level() > spdlog::level::debug) {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
    }
}

// --backend's words and OpenCV's VideoCapture API preferences.
cv::VideoCaptureAPIs backendApi(const std::string& backend) {
    if (backend == "any") return cv::CAP_ANY;
    if (backend == "ffmpeg") return cv::CAP_FFMPEG;
    if (backend == "gstreamer") return cv::CAP_GSTREAMER;
    if (backend == "v4l2") return cv::CAP_V4L2;
    throw std::runtime_error("--backend: unknown backend '" + backend +
                             "' (use any, ffmpeg, gstreamer or v4l2)");
}

// The backends this OpenCV build can use, for the error that names them.
std::string availableBackends() {
    std::string names;
    for (const cv::VideoCaptureAPIs api : cv::videoio_registry::getBackends()) {
        names += (names.empty() ? "" : ", ") + cv::videoio_registry::getBackendName(api);
    }
    return names.empty() ? "none" : names;
}

class OpenCvCapture : public Source {
public:
    explicit OpenCvCapture(const CaptureRequest& request)
        : kind_(request.kind), options_(request.options) {
        quietOpenCv();
        if (!options_.backend.empty()) {
            api_ = backendApi(options_.backend);
            if (api_ != cv::CAP_ANY && !cv::videoio_registry::hasBackend(api_)) {
                throw std::runtime_error(
                    "--backend " + options_.backend + ": this OpenCV (" + CV_VERSION +
                    ") has no " + cv::videoio_registry::getBackendName(api_) +
                    " capture backend (available: " + availableBackends() +
                    "); pick one of those or leave --backend out");
            }
        }
    }

    void start() override {
        open();
        if (kind_ == CaptureKind::ImageSequence) {
            fps_ = kImageSequenceFps;
            spdlog::debug("{}: starts at {}", describe(), sequence_.path(nextIndex_));
        } else {
            const double fps = capture_.get(cv::CAP_PROP_FPS);
            fps_ = std::isfinite(fps) && fps > 0 && fps <= kMaxPlausibleFps ? fps : 0;
            if (kind_ == CaptureKind::File) {
                const double count = capture_.get(cv::CAP_PROP_FRAME_COUNT);
                declaredFrames_ = std::isfinite(count) && count > 0
                                      ? static_cast<std::uint64_t>(std::llround(count))
                                      : 0;
            }
            spdlog::debug("{}: opened with backend {}, {}x{} at {} fps, {} frames declared",
                          describe(), capture_.getBackendName(),
                          static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_WIDTH)),
                          static_cast<int>(capture_.get(cv::CAP_PROP_FRAME_HEIGHT)), fps_,
                          declaredFrames_);
        }
        if (options_.sizeGiven && !options_.resize && kind_ != CaptureKind::Camera) {
            spdlog::warn("{}: --size {}x{} is ignored: it sets the size of the test pattern "
                         "and cameras only; add --resize to scale these frames to it",
                         describe(), options_.width, options_.height);
        }
    }

    std::optional<Frame> next(std::chrono::milliseconds /*timeout*/) override {
        // VideoCapture::read blocks until a frame arrives (URLs: up to kUrlReadTimeoutMs);
        // this runs on the capture thread, so blocking only delays this source.
        if (ended_) return std::nullopt;
        if (auto frame = readFrame()) {
            ++framesSinceOpen_;
            return frame;
        }
        if (kind_ == CaptureKind::File && framesSinceOpen_ < declaredFrames_ && !warnedShort_) {
            warnedShort_ = true;  // once, not on every --loop pass
            spdlog::warn("{}: ended after {} of the {} frames its header declares (a "
                         "truncated or damaged file?)",
                         describe(), framesSinceOpen_, declaredFrames_);
        }
        const bool rewindable = kind_ == CaptureKind::File || kind_ == CaptureKind::ImageSequence;
        // A file that gave no frame at all since it was opened would loop forever.
        if (options_.loop && rewindable && framesSinceOpen_ > 0) {
            spdlog::debug("{}: end reached, starting again (--loop)", describe());
            // Reopening is the one rewind that works for every container and codec;
            // seeking to frame 0 is unreliable for some.
            capture_.release();
            open();
            if (auto frame = readFrame()) {
                framesSinceOpen_ = 1;
                return frame;
            }
        }
        ended_ = true;
        if (kind_ == CaptureKind::Url || kind_ == CaptureKind::Camera) {
            spdlog::info("{}: no more frames (stream closed, or none within {} s)", describe(),
                         kUrlReadTimeoutMs / 1000);
        }
        return std::nullopt;
    }

    bool ended() const override { return ended_; }
    double nominalFps() const override { return fps_; }
    void stop() override { capture_.release(); }

    std::string describe() const override {
        switch (kind_) {
            case CaptureKind::File:
                return "file " + options_.spec;
            case CaptureKind::ImageSequence:
                return "image sequence " + options_.spec;
            case CaptureKind::Camera:
                return "camera " + options_.spec;
            case CaptureKind::Url:
                return "stream " + redactUrl(options_.spec);
        }
        return options_.spec;
    }

private:
    void open() {
        framesSinceOpen_ = 0;
        switch (kind_) {
            case CaptureKind::File:
                openFile();
                break;
            case CaptureKind::ImageSequence:
                openImageSequence();
                break;
            case CaptureKind::Camera:
                openCamera();
                break;
            case CaptureKind::Url:
                openUrl();
                break;
        }
    }

    void openFile() {
        // FFmpeg only: it reads every container and still image worth supporting, and the
        // other backends (GStreamer) would only add their own noise to a failure.
        if (capture_.open(options_.spec, api(cv::CAP_FFMPEG))) return;
        throw std::runtime_error("cannot open video file '" + options_.spec + "': not a video " +
                                 backendName("FFmpeg") + " can read (check it with: ffprobe '" +
                                 options_.spec + "')");
    }

    void openImageSequence() {
        nextIndex_ = sequence_.nextExisting(0, 1);
        if (nextIndex_ >= 0) return;
        throw std::runtime_error("cannot open image sequence '" + options_.spec +
                                 "': no file matches the pattern (numbering must start at 0 "
                                 "or 1, as ffmpeg's image2 writes it; check the folder and "
                                 "the number of digits)");
    }

    void openCamera() {
        const bool isIndex = options_.spec.rfind("/dev/", 0) != 0;
        const std::string device = isIndex ? "/dev/video" + options_.spec : options_.spec;
        const bool opened = isIndex ? capture_.open(std::stoi(options_.spec), api(cv::CAP_V4L2))
                                    : capture_.open(device, api(cv::CAP_V4L2));
        if (!opened) {
            const std::string why = pathExists(device)
                                        ? device +
                                              " exists but cannot capture (is another program "
                                              "using it, or is it a metadata node?)"
                                        : "no such device (" + device + ")";
            throw std::runtime_error("cannot open camera " + options_.spec + " with " +
                                     backendName("V4L2") + ": " + why +
                                     "; is a camera attached? try v4l2-ctl --list-devices");
        }
        // Drivers pick the nearest mode they support; the first frame tells the truth.
        capture_.set(cv::CAP_PROP_FRAME_WIDTH, options_.width);
        capture_.set(cv::CAP_PROP_FRAME_HEIGHT, options_.height);
    }

    void openUrl() {
        const std::vector<int> params = {cv::CAP_PROP_OPEN_TIMEOUT_MSEC, kUrlOpenTimeoutMs,
                                         cv::CAP_PROP_READ_TIMEOUT_MSEC, kUrlReadTimeoutMs};
        if (capture_.open(options_.spec, api(cv::CAP_FFMPEG), params)) return;
        throw std::runtime_error(
            "cannot open stream " + redactUrl(options_.spec) + " with " + backendName("FFmpeg") +
            ": refused, or no stream within " +
            std::to_string(kUrlOpenTimeoutMs / 1000) +
            " s; is the server up and the URL right? (check it with: ffprobe URL; for RTSP "
            "over TCP set OPENCV_FFMPEG_CAPTURE_OPTIONS=rtsp_transport;tcp)");
    }

    // The API preference to open with: --backend's, else `otherwise`, the kind's own.
    int api(int otherwise) const { return options_.backend.empty() ? otherwise : api_; }

    // For errors: the backend tried, named as the user asked for it.
    std::string backendName(const std::string& otherwise) const {
        if (options_.backend.empty()) return otherwise;
        return "--backend " + options_.backend;
    }

    // Reads one frame into a pooled buffer. Returns nullopt at the end of the input.
    std::optional<Frame> readFrame() {
        if (kind_ == CaptureKind::ImageSequence) return readImage();
        const FrameShape target = targetShape(shape_);
        if (shapeKnown_ && target == shape_) {
            // The usual case: OpenCV writes the decoded frame straight into the pooled
            // buffer, because a Mat of the right size and type is not reallocated.
            std::uint8_t* pixels = nullptr;
            Frame frame = pool_.acquire(shape_, pixels);
            cv::Mat view(shape_.height, shape_.width, CV_8UC(shape_.channels), pixels);
            if (!capture_.read(view) || view.empty()) return std::nullopt;
            if (view.data == pixels) return frame;
            // The stream changed size or type and OpenCV allocated a new Mat: adopt it.
            return adopt(view);
        }
        if (!capture_.read(scratch_) || scratch_.empty()) return std::nullopt;
        return adopt(scratch_);
    }

    // The next file of the image sequence. A missing number, or a file that is not an
    // image, is skipped with a warning naming it when a later number exists; the sequence
    // ends where kImageSequenceLookAhead numbers in a row are missing.
    std::optional<Frame> readImage() {
        while (nextIndex_ >= 0) {
            const int index = nextIndex_;
            const std::string path = sequence_.path(index);
            if (!pathExists(path)) {
                const int found = sequence_.nextExisting(index + 1, kImageSequenceLookAhead);
                if (found < 0) return std::nullopt;  // the end of the sequence
                const std::string missing =
                    found == index + 1 ? path
                                       : path + " to " + sequence_.path(found - 1) + " (" +
                                             std::to_string(found - index) + " files)";
                spdlog::warn("{}: {} missing, going on with {}", describe(), missing,
                             sequence_.path(found));
                nextIndex_ = found;
                continue;
            }
            ++nextIndex_;
            cv::Mat image = cv::imread(path, cv::IMREAD_UNCHANGED);
            if (image.empty()) {
                spdlog::warn("{}: {} is not an image OpenCV can read, skipped", describe(),
                             path);
                continue;
            }
            return adopt(image);
        }
        return std::nullopt;
    }

    // Copies (or, with --resize, scales) a frame OpenCV allocated itself into a pooled
    // buffer, and remembers its shape so the next read can go straight into the pool.
    std::optional<Frame> adopt(cv::Mat& image) {
        if (image.depth() != CV_8U) {
            // 16-bit images (PNG, TIFF) keep their top 8 bits.
            image.convertTo(image, CV_8U, image.depth() == CV_16U ? 1.0 / 256 : 1.0);
        }
        if (image.channels() != 1 && image.channels() != 3 && image.channels() != 4) {
            throw std::runtime_error(describe() + ": frames with " +
                                     std::to_string(image.channels()) +
                                     " channels are not supported (need grey, BGR or BGRA)");
        }
        const bool sizeChanged =
            shapeKnown_ && (image.cols != shape_.width || image.rows != shape_.height);
        shape_ = FrameShape{image.rows, image.cols, image.channels()};
        if (sizeChanged)
            spdlog::info("{}: frame size is now {}x{}", describe(), image.cols, image.rows);
        shapeKnown_ = true;

        const FrameShape target = targetShape(shape_);
        std::uint8_t* pixels = nullptr;
        Frame frame = pool_.acquire(target, pixels);
        cv::Mat out(target.height, target.width, CV_8UC(target.channels), pixels);
        if (target == shape_) {
            image.copyTo(out);
        } else {
            const bool shrinking = target.width < shape_.width || target.height < shape_.height;
            cv::resize(image, out, out.size(), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
        }
        return frame;
    }

    // The shape frames leave this source in: --resize scales to --size, keeping channels.
    FrameShape targetShape(const FrameShape& native) const {
        if (!options_.resize) return native;
        return FrameShape{options_.height, options_.width, native.channels};
    }

    CaptureKind kind_;
    SourceOptions options_;
    cv::VideoCaptureAPIs api_ = cv::CAP_ANY;  // --backend's, when given
    cv::VideoCapture capture_;
    ImageSequence sequence_{options_.spec};
    int nextIndex_ = -1;                // the image sequence's next number; -1 = ended
    std::uint64_t declaredFrames_ = 0;  // a file's frame count by its header; 0 = unknown
    bool warnedShort_ = false;
    FramePool pool_;
    cv::Mat scratch_;   // frames OpenCV sizes itself: the first one, and --resize input
    FrameShape shape_;  // of the last frame read, before --resize
    bool shapeKnown_ = false;
    bool ended_ = false;
    double fps_ = 0;
    std::uint64_t framesSinceOpen_ = 0;
};

}  // namespace

}  // namespace ng::source

extern "C" __attribute__((visibility("default"))) ng::source::Source* ng_create_capture_source(
    const ng::source::CaptureRequest& request) {
    // Fail at compile time if the factory drifts from the signature makeSource() expects.
    static_assert(
        std::is_same_v<decltype(&ng_create_capture_source), ng::source::CreateCaptureSourceFn>);
    return std::make_unique<ng::source::OpenCvCapture>(request).release();
}
