// The ABI between makeSource() and the OpenCV capture plugin (libng_opencv_capture.so).
#pragma once

#include "source/source.hpp"

namespace ng::source {

// What makeSource() already worked out from the spelling, so the plugin does not parse it
// again.
enum class CaptureKind {
    File,           // a video file (FFmpeg)
    ImageSequence,  // a printf pattern such as dir/%06d.png
    Camera,         // a camera index ("0") or a V4L2 device path ("/dev/video0")
    Url,            // a stream URL (rtsp://, http://, udp://, ...)
};

struct CaptureRequest {
    CaptureKind kind = CaptureKind::File;
    SourceOptions options;
};

inline constexpr const char* kCapturePlugin = "opencv_capture";

// The plugin's factory: returns a new, not yet started Source owned by the caller, who
// wraps it in a std::unique_ptr at once. Plugins are built with the same compiler and
// libstdc++ as the tools, so C++ types and exceptions cross the boundary (see
// core/plugin_loader.cpp); the factory throws std::runtime_error like any constructor.
using CreateCaptureSourceFn = Source* (*)(const CaptureRequest& request);
inline constexpr const char* kCreateCaptureSourceSymbol = "ng_create_capture_source";

}  // namespace ng::source
