// ImagePattern: a file name with one printf-style frame number (dir/frame_%06d.png).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ng::sink {

// The pattern language of ffmpeg's image2 muxer: exactly one %d or %0Nd, and %% for a
// literal percent sign. Formatting is done here rather than by snprintf, so a pattern
// typed by the user is never used as a format string.
struct ImagePattern {
    std::string prefix;  // before the number, with %% already turned into %
    std::string suffix;  // after the number
    int digits = 0;      // zero-padded width; 0 = as many as needed

    // Parses `spec`; nullopt unless it holds exactly one frame-number conversion.
    static std::optional<ImagePattern> parse(const std::string& spec);

    std::string format(std::uint64_t number) const;

    // The lower-case extension of the file names, with the dot (".png"), or "".
    std::string extension() const;

    // The folder the files go to: "." when the pattern has none, "" when the number is
    // part of a folder name (run_%03d/x.png), so the folder differs per frame.
    std::string folder() const;
};

}  // namespace ng::sink
