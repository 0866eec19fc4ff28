// glibc malloc tuning for frame-sized blocks (see frame_allocations.hpp).
#include "core/frame_allocations.hpp"

#include <malloc.h>

namespace ng {

namespace {
// Blocks up to this size come from the heap, not from mmap (glibc's largest allowed
// value on 64-bit): a 4K BGRA frame, the default --max-frame-size, is 64 MB and still
// mmapped, but every common size is kept.
constexpr int kHeapBlockLimit = 32 * 1024 * 1024;
// Free memory at the top of a heap is returned to the kernel only beyond this.
constexpr int kTrimThreshold = 256 * 1024 * 1024;
}  // namespace

void keepFrameAllocations() {
#ifdef __GLIBC__
    // Setting either value turns off glibc's dynamic thresholds, so set both.
    mallopt(M_MMAP_THRESHOLD, kHeapBlockLimit);
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
#endif
}

}  // namespace ng
