// MJPEG over HTTP: the multipart/x-mixed-replace framing of /stream.mjpg.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ng::sink::http {

inline constexpr const char* kMjpegBoundary = "ngframe";

// The Content-Type of the stream, naming the boundary.
std::string mjpegContentType();

// What goes before each JPEG: the boundary line and the part's headers, with its length
// and the sender's frame number (X-Frame-Seq), then the blank line.
std::string mjpegPartHeader(std::size_t jpegBytes, std::uint64_t seq);

// What follows each JPEG, ending the part.
inline constexpr const char* kMjpegPartEnd = "\r\n";

}  // namespace ng::sink::http
