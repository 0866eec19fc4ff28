// The ABI between makeSink() and the sink plugins (video file, window, image files, HTTP).
#pragma once

#include <string>

#include "sink/http_settings.hpp"
#include "sink/sink.hpp"

namespace ng::sink {

// A plugin's factory: returns a new, not yet opened Sink for the -o value `spec`, owned by
// the caller, who wraps it in a std::unique_ptr at once. Plugins are built with the same
// compiler and libstdc++ as the tools, so C++ types and exceptions cross the boundary (see
// core/plugin_loader.cpp).
using CreateSinkFn = Sink* (*)(const std::string& spec);
// The video-file plugin's factory also takes the --video-* and --segment/--keep settings.
using CreateVideoSinkFn = Sink* (*)(const std::string& spec, const VideoSettings& settings);

inline constexpr const char* kVideoFilePlugin = "video_file";
inline constexpr const char* kCreateVideoFileSinkSymbol = "ng_create_video_file_sink";

inline constexpr const char* kImageFilesPlugin = "image_files";
inline constexpr const char* kCreateImageFilesSinkSymbol = "ng_create_image_files_sink";

inline constexpr const char* kWindowPlugin = "window";
inline constexpr const char* kCreateWindowSinkSymbol = "ng_create_window_sink";

// The HTTP output takes its settings as well.
using CreateHttpSinkFn = Sink* (*)(const std::string& spec, const HttpSettings& settings);
inline constexpr const char* kHttpServerPlugin = "http_server";
inline constexpr const char* kCreateHttpSinkSymbol = "ng_create_http_sink";

}  // namespace ng::sink
