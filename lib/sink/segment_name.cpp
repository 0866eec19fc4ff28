// Expanding strftime fields in segment names and keeping the names of one run distinct.
#include "sink/segment_name.hpp"

#include <stdexcept>
#include <vector>

#include "sink/output_folder.hpp"

namespace ng::sink {

namespace {
// The default time field of a segmented output without one: sortable, one name a second.
constexpr const char* kDefaultTimeField = "-%Y%m%d-%H%M%S";
// Paths longer than this are refused by the file system anyway.
constexpr std::size_t kMaxPath = 4096;

std::size_t firstTimeField(const std::string& pattern) {
    for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
        if (pattern[i] != '%') continue;
        if (pattern[i + 1] != '%') return i;
        ++i;  // %% is a literal %
    }
    return std::string::npos;
}
}  // namespace

bool hasTimeFields(const std::string& pattern) {
    return firstTimeField(pattern) != std::string::npos;
}

std::string fixedFolder(const std::string& pattern) {
    const std::size_t field = firstTimeField(pattern);
    if (field == std::string::npos) return folderOf(pattern);
    return folderOf(pattern.substr(0, field));
}

std::string expandTime(const std::string& pattern, std::time_t when) {
    if (!hasTimeFields(pattern) && pattern.find('%') == std::string::npos) return pattern;
    std::tm local{};
    localtime_r(&when, &local);
    // strftime returns 0 for an empty result as for one that does not fit; a marker at
    // the end tells them apart.
    const std::string marked = pattern + "|";
    std::vector<char> text(kMaxPath);
    const std::size_t length = std::strftime(text.data(), text.size(), marked.c_str(), &local);
    if (length == 0) {
        throw std::runtime_error("output '" + pattern +
                                 "': its strftime fields expand to a "
                                 "path too long for a file name");
    }
    return std::string(text.data(), length - 1);
}

std::string withCounter(const std::string& path, int counter) {
    const std::string ext = lowerExtension(path);
    const std::string stem = path.substr(0, path.size() - ext.size());
    return stem + "-" + std::to_string(counter) + path.substr(path.size() - ext.size());
}

SegmentNamer::SegmentNamer(std::string pattern, bool segmented) : pattern_(std::move(pattern)) {
    if (segmented && !hasTimeFields(pattern_)) {
        const std::string ext = lowerExtension(pattern_);
        pattern_.insert(pattern_.size() - ext.size(), kDefaultTimeField);
    }
}

std::string SegmentNamer::next(std::time_t when) {
    const std::string name = expandTime(pattern_, when);
    std::string unique = name;
    for (int counter = 2; given_.count(unique) > 0; ++counter) unique = withCounter(name, counter);
    given_.insert(unique);
    return unique;
}

}  // namespace ng::sink
