// The retention choice: the oldest finished segments beyond the age or size limit.
#include "sink/retention.hpp"

#include <algorithm>

namespace ng::sink {

std::size_t segmentsToDelete(const std::vector<FinishedSegment>& finished,
                             const RetentionPolicy& policy, std::int64_t nowUs,
                             std::uint64_t openBytes) {
    std::size_t byAge = 0;
    if (policy.keepUs > 0) {
        while (byAge < finished.size() && finished[byAge].endUs < nowUs - policy.keepUs) ++byAge;
    }
    std::size_t bySize = 0;
    if (policy.keepBytes > 0) {
        std::uint64_t total = openBytes;
        for (const FinishedSegment& segment : finished) total += segment.bytes;
        while (bySize < finished.size() && total > policy.keepBytes) {
            total -= finished[bySize].bytes;
            ++bySize;
        }
    }
    return std::max(byAge, bySize);
}

}  // namespace ng::sink
