// Durations ("10m", "2s"), sizes ("500M", "2G") and bit rates ("4M") as the flags spell them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ng::cli {

// "90", "90s", "500ms", "10m", "2h", "7d" (a number, maybe with a fraction, and one unit;
// seconds when none) in microseconds; nullopt for any other text or a value not above 0.
std::optional<std::int64_t> parseDurationUs(const std::string& text);

// "1000", "500k", "500M", "2G", "1T" (powers of 1024; a trailing B or iB is allowed) in
// bytes; nullopt for any other text or a value not above 0.
std::optional<std::uint64_t> parseByteSize(const std::string& text);

// "4M", "500k", "2.5M", "4mbit", "800000bps" (powers of 1000, as links are rated; an
// optional "bit" or "bps") in bits per second; nullopt for any other text or not above 0.
std::optional<double> parseBitRate(const std::string& text);

}  // namespace ng::cli
