// makeSink(): turns one -o spelling into a Sink, loading a plugin for windows, videos, images.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <stdexcept>

#include "core/errors.hpp"
#include "core/plugin_factory.hpp"
#include "sink/http_settings.hpp"
#include "sink/image_pattern.hpp"
#include "sink/null_sink.hpp"
#include "sink/output_folder.hpp"
#include "sink/raw_sink.hpp"
#include "sink/segment_name.hpp"
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
    "dir/frame_%06d.png, '-' for y4m on stdout, 'raw:-', 'null', or http://HOST:PORT";

template <std::size_t N>
bool contains(const std::array<const char*, N>& list, const std::string& ext) {
    return std::any_of(list.begin(), list.end(), [&](const char* e) { return ext == e; });
}

std::unique_ptr<Sink> loadSink(const char* plugin, const char* symbol, const std::string& spec) {
    return createFromPlugin<CreateSinkFn>(plugin, symbol, "output '" + spec + "' needs a plugin",
                                          spec);
}

}  // namespace

std::string outputKind(const std::string& spec) {
    if (spec == "null" || spec == "window") return spec;
    if (spec == "-") return "y4m";
    if (spec == "raw:-") return "raw";
    if (spec.compare(0, std::char_traits<char>::length(kHttpScheme), kHttpScheme) == 0) {
        return "http";
    }
    const std::string ext = lowerExtension(spec);
    if (ImagePattern::parse(spec) && contains(kImageExtensions, ext)) return "images";
    if (contains(kVideoExtensions, ext)) return "video";
    return {};
}

std::unique_ptr<Sink> makeSink(const std::string& spec, const VideoSettings& video,
                               const HttpSettings& http) {
    const std::string kind = outputKind(spec);
    if (kind == "http") {
        parseHttpAddress(spec);  // a malformed address is a usage error before any load
        return createFromPlugin<CreateHttpSinkFn>(
            kHttpServerPlugin, kCreateHttpSinkSymbol,
            "output '" + spec + "' needs a plugin", spec, http);
    }
    if (kind == "null") return std::make_unique<NullSink>();
    if (kind == "y4m") return std::make_unique<Y4mSink>();
    if (kind == "raw") return std::make_unique<RawSink>();
    if (kind == "window") return loadSink(kWindowPlugin, kCreateWindowSinkSymbol, spec);
    if (kind == "images") {
        // A number inside a folder name (run_%03d/x.png) gives a folder per frame: the
        // image writer reports those one by one.
        const std::string folder = ImagePattern::parse(spec)->folder();
        if (!folder.empty()) prepareOutputFolder(spec, folder);
        return loadSink(kImageFilesPlugin, kCreateImageFilesSinkSymbol, spec);
    }
    if (kind == "video") {
        checkVideoSettings(spec, video);
        // Folders named by strftime fields are made as each segment starts.
        prepareOutputFolder(spec, fixedFolder(spec));
        return createFromPlugin<CreateVideoSinkFn>(kVideoFilePlugin, kCreateVideoFileSinkSymbol,
                                                   "output '" + spec + "' needs a plugin", spec,
                                                   video);
    }

    const std::string ext = lowerExtension(spec);
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

bool isPerSender(const std::string& spec) {
    return spec == "window" || spec.find(kNamePlaceholder) != std::string::npos;
}

std::string expandName(const std::string& spec, const std::string& name) {
    std::string safe = name.empty() ? std::string("sender") : name;
    for (char& c : safe) {
        const bool kept = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                          c == '-' || c == '#' || c == '@';
        if (!kept) c = '_';
    }
    if (safe == "." || safe == "..") safe = "_";
    std::string out = spec;
    const std::string placeholder = kNamePlaceholder;
    for (std::size_t at = out.find(placeholder); at != std::string::npos;
         at = out.find(placeholder, at + safe.size())) {
        out.replace(at, placeholder.size(), safe);
    }
    return out;
}

void checkPerSenderSpec(const std::string& spec, const VideoSettings& video) {
    const std::string sample = expandName(spec, "name");
    const std::string kind = outputKind(sample);
    if (kind.empty()) makeSink(sample);  // throws the UsageError that names the fix
    if (kind == "video") checkVideoSettings(sample, video);
    if (kind == "window") {
        // Opened only when a sender appears; whether it can be is known now.
        try {
            makeSink(sample)->prepare();
        } catch (const UsageError&) {
            throw;
        } catch (const std::exception& e) {
            throw UsageError(e.what());
        }
    }
    if (kind == "http") {
        throw UsageError("output '" + spec +
                         "': one HTTP output serves every sender (its page shows them all); "
                         "leave {name} out of it");
    }
    if (kind == "y4m" || kind == "raw" || kind == "null") {
        throw UsageError("output '" + spec + "': {name} opens one output per sender, and " +
                         (kind == "null" ? std::string("null has no name to vary")
                                         : std::string("stdout carries one stream")) +
                         "; use it in a file name, e.g. -o {name}.mkv");
    }
}

Output makeOutput(const std::string& spec, const VideoSettings& video) {
    Output output{spec, outputKind(spec), makeSink(spec, video)};
    output.sink->prepare();
    return output;
}

std::vector<Output> makeOutputs(const std::vector<std::string>& specs,
                                const VideoSettings& video,
                                const HttpSettings& http) {
    std::set<std::string> seen;
    for (const std::string& spec : specs) {
        if (!seen.insert(spec).second) {
            throw UsageError("output '" + spec + "' is given twice; give each -o once");
        }
        if (isPerSender(spec)) checkPerSenderSpec(spec, video);
    }
    std::vector<Output> outputs;
    std::string onStdout;
    for (const std::string& spec : specs) {
        if (isPerSender(spec)) continue;
        Output output{spec, outputKind(spec), makeSink(spec, video, http)};
        if (output.sink->usesStdout()) {
            if (!onStdout.empty()) {
                throw UsageError("outputs '" + onStdout + "' and '" + spec +
                                 "' both write to stdout, which can carry one stream; keep one "
                                 "of them (or write the other to a file)");
            }
            onStdout = spec;
        }
        try {
            output.sink->prepare();
        } catch (const UsageError&) {
            throw;
        } catch (const std::exception& e) {
            // Sinks report a bad output as std::runtime_error; found at start-up, before any
            // frame, it is the user's to fix, so a usage error (exit 2).
            throw UsageError(e.what());
        }
        outputs.push_back(std::move(output));
    }
    return outputs;
}

bool displayAvailable() {
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
        const char* value = std::getenv(name);
        if (value && *value) return true;
    }
    return false;
}

}  // namespace ng::sink
