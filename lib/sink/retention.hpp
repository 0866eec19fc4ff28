// Retention: which finished segments of a recording to delete under --keep / --keep-size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ng::sink {

struct FinishedSegment {
    std::string path;
    std::uint64_t bytes = 0;
    std::int64_t endUs = 0;  // on the recording's timeline
};

struct RetentionPolicy {
    std::int64_t keepUs = 0;      // 0 = no limit in time
    std::uint64_t keepBytes = 0;  // 0 = no limit in size

    bool active() const { return keepUs > 0 || keepBytes > 0; }
};

// How many of `finished` (still on disk, oldest first) to delete, from the oldest: those
// that ended more than keepUs before `nowUs`, and as many more as it takes for the rest
// plus the open segment's `openBytes` to fit in keepBytes. The open segment itself is
// never among them, so a recording always keeps what it is writing.
std::size_t segmentsToDelete(const std::vector<FinishedSegment>& finished,
                             const RetentionPolicy& policy, std::int64_t nowUs,
                             std::uint64_t openBytes);

}  // namespace ng::sink
