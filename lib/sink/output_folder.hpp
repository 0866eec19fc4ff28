// File outputs: their folder exists and is writable before a frame comes; the parts of their paths.
#pragma once

#include <string>

namespace ng::sink {

// Creates `folder` (and its parents) when missing and proves that a file can be created in
// it, so that a read-only disk or a typo in a path ends the run at start-up rather than at
// the first frame. Throws UsageError naming the output `spec`, the folder and the fix.
void prepareOutputFolder(const std::string& spec, const std::string& folder);

// The folder part of a file path: "." for a bare name, "/" for a file in the root.
std::string folderOf(const std::string& path);

// The lower-case extension of a file path, with the dot (".png"), or "" when the last
// component has none.
std::string lowerExtension(const std::string& path);

}  // namespace ng::sink
