// ImagePattern: parsing and formatting of image2-style file-name patterns.
#include "sink/image_pattern.hpp"

#include <cctype>

#include "sink/output_folder.hpp"

namespace ng::sink {

std::optional<ImagePattern> ImagePattern::parse(const std::string& spec) {
    ImagePattern pattern;
    bool found = false;
    std::string* out = &pattern.prefix;
    for (std::size_t i = 0; i < spec.size(); ++i) {
        if (spec[i] != '%') {
            *out += spec[i];
            continue;
        }
        if (i + 1 < spec.size() && spec[i + 1] == '%') {
            *out += '%';
            ++i;
            continue;
        }
        // %d or %0Nd (a width without the 0 pads with spaces in printf; not a file name).
        std::size_t j = i + 1;
        int digits = 0;
        if (j < spec.size() && spec[j] == '0') {
            ++j;
            while (j < spec.size() && std::isdigit(static_cast<unsigned char>(spec[j]))) {
                digits = digits * 10 + (spec[j] - '0');
                if (digits > 20) return std::nullopt;
                ++j;
            }
        }
        if (j >= spec.size() || spec[j] != 'd' || found) return std::nullopt;
        found = true;
        pattern.digits = digits;
        out = &pattern.suffix;
        i = j;
    }
    if (!found) return std::nullopt;
    return pattern;
}

std::string ImagePattern::format(std::uint64_t number) const {
    std::string digitsText = std::to_string(number);
    if (static_cast<int>(digitsText.size()) < digits) {
        digitsText.insert(0, static_cast<std::size_t>(digits) - digitsText.size(), '0');
    }
    return prefix + digitsText + suffix;
}

std::string ImagePattern::extension() const {
    return lowerExtension(suffix);
}

std::string ImagePattern::folder() const {
    // With the number inside a folder name (run_%03d/x.png) the folder changes per frame.
    if (suffix.find('/') != std::string::npos) return {};
    const auto slash = prefix.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : prefix.substr(0, slash);
}

}  // namespace ng::sink
