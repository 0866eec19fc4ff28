// Parsing the durations, sizes and bit rates of --segment, --keep, --keep-size and --max-bitrate.
#include "cli/quantity.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace ng::cli {

namespace {
// The number at the front of `text` and the unit after it (lower case); false when there
// is no number or it is not finite and above 0.
bool splitNumber(const std::string& text, double& number, std::string& unit) {
    if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.')) {
        return false;
    }
    char* end = nullptr;
    number = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || !std::isfinite(number) || number <= 0) return false;
    unit.clear();
    for (const char* c = end; *c; ++c)
        unit += static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
    return true;
}
}  // namespace

std::optional<std::int64_t> parseDurationUs(const std::string& text) {
    double number = 0;
    std::string unit;
    if (!splitNumber(text, number, unit)) return std::nullopt;
    double scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1e6;
    else if (unit == "ms")
        scale = 1e3;
    else if (unit == "m" || unit == "min")
        scale = 60e6;
    else if (unit == "h")
        scale = 3600e6;
    else if (unit == "d")
        scale = 86400e6;
    else
        return std::nullopt;
    const double us = number * scale;
    if (us < 1 || us > 9e18) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(us));
}

std::optional<std::uint64_t> parseByteSize(const std::string& text) {
    double number = 0;
    std::string unit;
    if (!splitNumber(text, number, unit)) return std::nullopt;
    if (unit.size() >= 2 && unit.compare(unit.size() - 2, 2, "ib") == 0) {
        unit.resize(unit.size() - 2);
        if (unit.empty()) return std::nullopt;  // "iB" alone names nothing
    } else if (!unit.empty() && unit.back() == 'b') {
        unit.pop_back();
    }
    double scale = 0;
    if (unit.empty())
        scale = 1;
    else if (unit == "k")
        scale = 1024.0;
    else if (unit == "m")
        scale = 1024.0 * 1024;
    else if (unit == "g")
        scale = 1024.0 * 1024 * 1024;
    else if (unit == "t")
        scale = 1024.0 * 1024 * 1024 * 1024;
    else
        return std::nullopt;
    const double bytes = number * scale;
    if (bytes < 1 || bytes > 1.8e19) return std::nullopt;
    return static_cast<std::uint64_t>(std::llround(bytes));
}

std::optional<double> parseBitRate(const std::string& text) {
    double number = 0;
    std::string unit;
    if (!splitNumber(text, number, unit)) return std::nullopt;
    double scale = 1;
    if (!unit.empty() && (unit[0] == 'k' || unit[0] == 'm' || unit[0] == 'g')) {
        scale = unit[0] == 'k' ? 1e3 : unit[0] == 'm' ? 1e6 : 1e9;
        unit.erase(0, 1);
    }
    if (!unit.empty() && unit != "bit" && unit != "bps") return std::nullopt;
    const double bits = number * scale;
    if (!std::isfinite(bits)) return std::nullopt;
    return bits;
}

}  // namespace ng::cli
