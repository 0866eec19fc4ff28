// YUV4MPEG2 header parsing: one line of space-separated tagged fields.
#include "source/y4m_header.hpp"

#include <cctype>
#include <sstream>
#include <stdexcept>

namespace ng::source {

namespace {

constexpr const char* kMagic = "YUV4MPEG2";
constexpr const char* kSupportedChroma = "420jpeg, 420mpeg2, 420paldv, 420, 422, 444, mono";

[[noreturn]] void fail(const std::string& why) { throw std::runtime_error("y4m input: " + why); }

// A whole decimal number from 1 to `max`; -1 if `text` is not one.
int positiveNumber(const std::string& text, int max) {
    if (text.empty() || text.size() > 9) return -1;
    for (char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    }
    const int value = std::stoi(text);
    return value >= 1 && value <= max ? value : -1;
}

void parseRate(const std::string& value, Y4mHeader& header) {
    const auto colon = value.find(':');
    const int num =
        colon == std::string::npos ? -1 : positiveNumber(value.substr(0, colon), 1 << 30);
    const int den =
        colon == std::string::npos ? -1 : positiveNumber(value.substr(colon + 1), 1 << 30);
    // 0:0 is the format's "unknown"; anything else unreadable is an error.
    if (value == "0:0") return;
    if (num < 0 || den < 0)
        fail("bad frame rate 'F" + value + "' (expected F<num>:<den>, e.g. F30:1)");
    header.rateNum = num;
    header.rateDen = den;
}

PixelFormat layoutOf(const std::string& chroma) {
    if (chroma == "420jpeg" || chroma == "420mpeg2" || chroma == "420paldv" || chroma == "420") {
        return PixelFormat::Yuv420p;
    }
    if (chroma == "422") return PixelFormat::Yuv422p;
    if (chroma == "444") return PixelFormat::Yuv444p;
    if (chroma == "mono") return PixelFormat::Gray;
    fail("colour space 'C" + chroma + "' is not supported (8-bit " + kSupportedChroma +
         " are; e.g. ffmpeg -pix_fmt yuv420p)");
}

}  // namespace

Y4mHeader parseY4mHeader(const std::string& line) {
    std::istringstream fields(line);
    std::string field;
    if (!(fields >> field) || field != kMagic) {
        fail("not YUV4MPEG2 (the stream must start with '" + std::string(kMagic) +
             "'; for bare frames use -s raw:- with --size and --pix-fmt)");
    }
    Y4mHeader header;
    while (fields >> field) {
        const char tag = field[0];
        const std::string value = field.substr(1);
        switch (tag) {
            case 'W':
            case 'H': {
                const int side = positiveNumber(value, kMaxSide);
                if (side < 0) {
                    fail("bad " + std::string(tag == 'W' ? "width" : "height") + " '" + field +
                         "' in the header (1 to " + std::to_string(kMaxSide) + ")");
                }
                (tag == 'W' ? header.width : header.height) = side;
                break;
            }
            case 'F':
                parseRate(value, header);
                break;
            case 'C':
                header.chroma = value;
                break;
            case 'X':
                if (value == "COLORRANGE=FULL") header.range = YuvRange::Full;
                break;
            default:
                break;  // interlacing, aspect ratio and comments do not change the pixels
        }
    }
    if (header.width == 0 || header.height == 0) {
        fail("the header has no " + std::string(header.width == 0 ? "W" : "H") + " field: '" +
             line + "'");
    }
    header.layout = layoutOf(header.chroma);
    return header;
}

bool isY4mFrameHeader(const std::string& line) {
    return line.rfind("FRAME", 0) == 0 && (line.size() == 5 || line[5] == ' ');
}

}  // namespace ng::source
