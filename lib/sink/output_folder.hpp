// prepareOutputFolder(): the folder of a file output exists and is writable before a frame comes.
#pragma once

#include <string>

namespace ng::sink {

// Creates `folder` (and its parents) when missing and proves that a file can be created in
// it, so that a read-only disk or a typo in a path ends the run at start-up rather than at
// the first frame. Throws UsageError naming the output `spec`, the folder and the fix.
void prepareOutputFolder(const std::string& spec, const std::string& folder);

// The folder part of a file path: "." for a bare name, "/" for a file in the root.
std::string folderOf(const std::string& path);

}  // namespace ng::sink
