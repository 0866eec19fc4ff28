// --colorspace: the COLOR_BGR2* conversion vidgear applies to captured frames, by name.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/frame.hpp"
#include "core/frame_pool.hpp"

namespace ng::source {

struct Colorspace {
    std::string name;    // the --colorspace word: "gray", "hsv", ...
    std::string opencv;  // vidgear's spelling: "COLOR_BGR2GRAY", ...
    int code = 0;        // the cv::ColorConversionCodes value
    int channels = 3;    // of the converted frames
};

// Every conversion offered, in docs/cli.md's order.
const std::vector<Colorspace>& colorspaces();

// The conversion `name` spells, case-insensitively, as its --colorspace word ("hsv") or as
// vidgear's OpenCV name ("COLOR_BGR2HSV"); nullopt when it is neither.
std::optional<Colorspace> findColorspace(const std::string& name);

// The words of colorspaces() joined by '|', for help and error text.
std::string colorspaceChoices();

// Converts captured frames (BGR, or gray and BGRA from some sources, which are brought to
// BGR first) into one colour space, into buffers of its own pool.
class ColorspaceConverter {
public:
    explicit ColorspaceConverter(Colorspace colorspace) : colorspace_(std::move(colorspace)) {}

    const Colorspace& colorspace() const { return colorspace_; }
    // A new frame holding `frame` converted; seq and timestamps are copied.
    Frame convert(const Frame& frame);

private:
    Colorspace colorspace_;
    FramePool pool_;
};

}  // namespace ng::source
