// makeSource(): turns a --source spelling into a Source, loading the capture plugin if needed.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <stdexcept>

#include "core/errors.hpp"
#include "core/plugin_factory.hpp"
#include "source/capture_plugin.hpp"
#include "source/processed_source.hpp"
#include "source/picam_plugin.hpp"
#include "source/source.hpp"
#include "source/stdin_source.hpp"
#include "source/test_pattern.hpp"

namespace ng::source {

namespace {

bool allDigits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool pathExists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// A printf-style frame number, as ffmpeg's image2 and OpenCV's CAP_IMAGES read it.
bool isImagePattern(const std::string& spec) {
    static const std::regex pattern("%0?[0-9]*d");
    return std::regex_search(spec, pattern);
}

bool isPicam(const std::string& spec) {
    return spec == "picam" || (spec.rfind("picam:", 0) == 0 && allDigits(spec.substr(6)));
}

// N of "picam:N"; 0 for "picam".
unsigned picamIndex(const std::string& spec) {
    if (spec.size() <= 6) return 0;
    const std::string digits = spec.substr(6);
    if (digits.size() > 3 || std::stoi(digits) > 255) {
        throw UsageError("source '" + spec + "': camera index out of range (0 to 255)");
    }
    return static_cast<unsigned>(std::stoi(digits));
}

std::unique_ptr<Source> loadCapture(CaptureKind kind, const SourceOptions& options) {
    return createFromPlugin<CreateCaptureSourceFn>(
        kCapturePlugin, kCreateCaptureSourceSymbol,
        "source '" + options.spec + "' needs the OpenCV capture plugin",
        CaptureRequest{kind, options});
}

// The spellings that read frames piped into ngsend.
constexpr const char* kStdinY4m = "-";
constexpr const char* kStdinRaw = "raw:-";

std::unique_ptr<Source> makeStdinSource(const SourceOptions& options) {
    if (options.spec == kStdinY4m) {
        return std::make_unique<StdinSource>(StdinSource::Format::Y4m, options, STDIN_FILENO);
    }
    if (!options.sizeGiven) {
        throw UsageError("-s raw:-: bare frames carry no size; give it with --size WxH (and "
                         "--pix-fmt if they are not bgr24)");
    }
    return std::make_unique<StdinSource>(StdinSource::Format::Raw, options, STDIN_FILENO);
}

// --backend picks among OpenCV's VideoCapture backends: the sources read otherwise refuse it.
void checkBackend(const SourceOptions& options) {
    const std::string& spec = options.spec;
    const bool videoCapture = spec != "test" && spec != kStdinY4m && spec != kStdinRaw &&
                              !isPicam(spec) && !isImagePattern(spec);
    if (options.backend.empty() || videoCapture) return;
    throw UsageError("--backend " + options.backend + ": source '" + spec +
                     "' is not read through OpenCV's VideoCapture; --backend is for video "
                     "files, cameras and stream URLs");
}

std::unique_ptr<Source> makeUnprocessedSource(const SourceOptions& options);

// The libcamera plugin exists only where the tools were built with libcamera's headers.
std::unique_ptr<Source> loadPicam(const SourceOptions& options) {
    const unsigned index = picamIndex(options.spec);
    return createFromPlugin<CreatePicamSourceFn>(
        kPicamPlugin, kCreatePicamSourceSymbol,
        options.spec + ": the Raspberry Pi camera needs ngstream built with libcamera "
                       "(apt install libcamera-dev, then rebuild; use -s 0 for a V4L2 camera)",
        options, index);
}

}  // namespace

// The source, and around it the steps NetGear_Async's source settings ask for.
std::unique_ptr<Source> makeSource(const SourceOptions& options) {
    checkBackend(options);
    std::unique_ptr<Source> source = makeUnprocessedSource(options);
    if (!ProcessedSource::needed(options)) return source;
    return std::make_unique<ProcessedSource>(std::move(source), options);
}

namespace {

std::unique_ptr<Source> makeUnprocessedSource(const SourceOptions& options) {
    const std::string& spec = options.spec;
    if (options.width <= 0 || options.height <= 0 || options.width > kMaxSide ||
        options.height > kMaxSide) {
        throw UsageError("--size " + std::to_string(options.width) + "x" +
                         std::to_string(options.height) + ": width and height must be 1 to " +
                         std::to_string(kMaxSide));
    }
    if (spec.empty()) {
        throw UsageError(
            "source '': empty (give a video file, an image pattern like dir/%06d.png, a "
            "camera index, a URL, or 'test')");
    }
    if (spec == kStdinY4m || spec == kStdinRaw) return makeStdinSource(options);
    if (spec == "test") return std::make_unique<TestPatternSource>(options);
    if (isPicam(spec)) return loadPicam(options);
    if (allDigits(spec) || spec.rfind("/dev/video", 0) == 0) {
        return loadCapture(CaptureKind::Camera, options);
    }
    if (spec.find("://") != std::string::npos) return loadCapture(CaptureKind::Url, options);
    if (isImagePattern(spec)) return loadCapture(CaptureKind::ImageSequence, options);
    if (!pathExists(spec)) {
        throw UsageError("source '" + spec +
                         "': no such file (give a video file, an image pattern like "
                         "dir/%06d.png, a camera index, a URL, or 'test')");
    }
    return loadCapture(CaptureKind::File, options);
}

}  // namespace

}  // namespace ng::source
