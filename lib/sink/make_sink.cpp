// makeSink(): turns one -o spelling into a Sink, loading a plugin for windows, videos, images.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "core/errors.hpp"
#include "core/plugin_factory.hpp"
#include "sink/image_pattern.hpp"
#include "sink/null_sink.hpp"
#include "sink/raw_sink.hpp"
#include "sink/sink.hpp"
#include "sink/sink_plugins.hpp"
#include "sink/y4m_sink.hpp"

namespace ng::sink {

namespace {

constexpr std::array<const char*, 8> kImageExtensions = {".png", ".jpg", ".jpeg", ".bmp",
                                                         ".ppm", ".tif", ".tiff", ".webp"};
constexpr std::array<const char*, 4> kVideoExtensions = {".mp4", ".avi", ".mkv", ".mov"};

constexpr const char* kAcceptedForms =
    "use window, a video file .mp4/.avi/.mkv/.mov, an image pattern like "
    "dir/frame_%06d.png, '-' for y4m on stdout, 'raw:-', or 'null'";

std::string lowerExtension(const std::string& path) {
    const auto dot = path.rfind('.');
    if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return {};
    std::string ext = path.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

template <std::size_t N>
bool contains(const std::array<const char*, N>& list, const std::string& ext) {
    return std::any_of(list.begin(), list.end(), [&](const char* e) { return ext == e; });
}

std::unique_ptr<Sink> loadSink(const char* plugin, const char* symbol, const std::string& spec) {
    return createFromPlugin<CreateSinkFn>(plugin, symbol, "output '" + spec + "' needs a plugin",
                                          spec);
}

}  // namespace

std::unique_ptr<Sink> makeSink(const std::string& spec) {
    if (spec == "null") return std::make_unique<NullSink>();
    if (spec == "-") return std::make_unique<Y4mSink>();
    if (spec == "raw:-") return std::make_unique<RawSink>();
    if (spec == "window") return loadSink(kWindowPlugin, kCreateWindowSinkSymbol, spec);

    const std::string ext = lowerExtension(spec);
    if (ImagePattern::parse(spec) && contains(kImageExtensions, ext)) {
        return loadSink(kImageFilesPlugin, kCreateImageFilesSinkSymbol, spec);
    }
    if (contains(kVideoExtensions, ext)) {
        return loadSink(kVideoFilePlugin, kCreateVideoFileSinkSymbol, spec);
    }
    if (contains(kImageExtensions, ext) && spec.find('%') != std::string::npos) {
        throw UsageError("output '" + spec +
                         "': write the frame number as %d or %0Nd (e.g. %06d), exactly once; "
                         "a literal % is %%");
    }
    if (contains(kImageExtensions, ext)) {
        throw UsageError("output '" + spec +
                         "': a single image file is not an output; give a pattern with the "
                         "frame number, like dir/frame_%06d" +
                         ext);
    }
    throw UsageError("output '" + spec + "': unknown kind (" + kAcceptedForms + ")");
}

bool displayAvailable() {
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
        const char* value = std::getenv(name);
        if (value && *value) return true;
    }
    return false;
}

}  // namespace ng::sink
