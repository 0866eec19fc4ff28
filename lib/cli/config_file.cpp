// A strict reading of CLI11's config format, so that no line of a --config file is ignored.
#include "cli/config_file.hpp"

#include <algorithm>
#include <fstream>

#include "core/errors.hpp"

namespace ng::cli {

namespace {

// CLI11 skips shorter lines without a word, so `v` alone would be lost.
constexpr std::size_t kShortestReadLine = 3;

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::string unquoted(const std::string& text) {
    if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
        text.back() == text.front()) {
        return text.substr(1, text.size() - 2);
    }
    return text;
}

std::size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string nearestWord(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t bestDistance = 0;
    for (const std::string& candidate : candidates) {
        const std::size_t distance = editDistance(word, candidate);
        if (best.empty() || distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return best;
}

void checkConfigFile(const std::string& path, const std::vector<std::string>& keys) {
    std::ifstream in(path);
    if (!in) return;  // CLI11 reports a file it cannot open, naming it
    int lineNumber = 0;
    const auto fail = [&](const std::string& what) {
        throw UsageError("--config " + path + " line " + std::to_string(lineNumber) + ": " + what);
    };
    const auto known = [&](const std::string& key) {
        return std::find(keys.begin(), keys.end(), key) != keys.end();
    };
    std::string raw;
    while (std::getline(in, raw)) {
        ++lineNumber;
        const std::string line = trimmed(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            fail("sections such as " + line +
                 " are not read (their keys would be ignored): put every key at the top "
                 "level of a file for this tool alone");
        }
        if (line.size() < kShortestReadLine) {
            fail("'" + line + "' is too short to be read: write a long flag name, e.g. " +
                 nearestWord(line, keys) + " = VALUE");
        }
        const auto equals = line.find('=');
        std::string key = line.substr(0, equals);
        if (equals == std::string::npos) {
            key = key.substr(0, key.find('#'));  // a bare flag, perhaps with a comment
        }
        key = unquoted(trimmed(key));
        if (key.empty()) fail("'" + line + "' has no key: write key = value");
        if (!known(key)) {
            const std::string what = equals == std::string::npos
                                         ? "'" + line + "' is not key = value, nor a flag"
                                         : "unknown key '" + key + "'";
            fail(what + " (nearest valid key: " + nearestWord(key, keys) + ")");
        }
        if (equals == std::string::npos) continue;
        // A value in brackets may go on over the next lines, up to the closing bracket.
        std::string value = trimmed(line.substr(equals + 1));
        const int startLine = lineNumber;
        while (value.size() > 1 && value.front() == '[' && value.back() != ']') {
            if (!std::getline(in, raw)) {
                lineNumber = startLine;
                fail("the list opened with [ for " + key + " is never closed with ]");
            }
            ++lineNumber;
            value += trimmed(raw);
        }
    }
}

}  // namespace ng::cli
