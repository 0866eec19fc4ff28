// The multipart/x-mixed-replace framing: each part is one JPEG with its length and number.
#include "http_mjpeg.hpp"

namespace ng::sink::http {

std::string mjpegContentType() {
    return std::string("multipart/x-mixed-replace; boundary=") + kMjpegBoundary;
}

std::string mjpegPartHeader(std::size_t jpegBytes, std::uint64_t seq) {
    return std::string("--") + kMjpegBoundary +
           "\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(jpegBytes) +
           "\r\nX-Frame-Seq: " + std::to_string(seq) + "\r\n\r\n";
}

}  // namespace ng::sink::http
