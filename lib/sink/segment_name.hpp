// Segment names: strftime fields in a video output's path, and a distinct name per segment.
#pragma once

#include <ctime>
#include <set>
#include <string>

namespace ng::sink {

// True when `pattern` holds a strftime field (%Y, %H, ...; a literal %% is none).
bool hasTimeFields(const std::string& pattern);

// The folder of `pattern` up to its first component holding a strftime field: what exists
// before any segment does ("rec/cam/%Y-%m-%d/%H%M%S.mkv" -> "rec/cam").
std::string fixedFolder(const std::string& pattern);

// `pattern` with its strftime fields filled in for `when` in local time. Throws
// std::runtime_error for a pattern strftime cannot expand.
std::string expandTime(const std::string& pattern, std::time_t when);

// "dir/a.mkv", 2 -> "dir/a-2.mkv": the name a segment gets when another of this run has it.
std::string withCounter(const std::string& path, int counter);

// Names the segments of one output. A segmented output whose pattern has no time field
// gets one before the extension ("rec.mkv" -> "rec-20261130-173000.mkv"), so segments
// never overwrite one another; a name this run already gave gets a counter (-2, -3, ...).
class SegmentNamer {
public:
    SegmentNamer(std::string pattern, bool segmented);

    std::string next(std::time_t when);

private:
    std::string pattern_;
    std::set<std::string> given_;
};

}  // namespace ng::sink
