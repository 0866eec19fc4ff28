// Checks a --config file line by line before CLI11 reads it, which skips what it does not know.
#pragma once

#include <string>
#include <vector>

namespace ng::cli {

// Reads `path` as CLI11's config reader does (`key = value` or a bare `key` for a flag,
// comments starting with # or ;, a value in [brackets] that may span lines) and throws
// UsageError naming the file, the line and the nearest of `keys` for the first line that
// would otherwise be lost in silence: an unknown key (a typo, or a flag of the other tool),
// a [section], a line CLI11 cannot read. Lines it accepts are left to CLI11 to convert.
void checkConfigFile(const std::string& path, const std::vector<std::string>& keys);

// The entry of `candidates` fewest single-character edits away from `word` (the first of
// equals); "" when `candidates` is empty.
std::string nearestWord(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace ng::cli
