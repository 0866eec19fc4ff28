// Converts camera YUV 4:2:0 pictures (NV12, YUV420) to packed BGR, honouring every stride.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ng::source {

enum class YuvLayout {
    Nv12,    // a Y plane, then one plane of interleaved U,V pairs
    Yuv420,  // a Y plane, a U plane and a V plane (I420)
};

// One 4:2:0 picture as the camera left it: planes anywhere in memory, each row `stride`
// bytes apart (rows may carry padding; nothing is assumed tightly packed). For NV12 `u`
// points at the interleaved plane and `v` is unused.
struct YuvImage {
    YuvLayout layout = YuvLayout::Nv12;
    int width = 0;   // even
    int height = 0;  // even
    const std::uint8_t* y = nullptr;
    std::size_t yStride = 0;
    const std::uint8_t* u = nullptr;
    const std::uint8_t* v = nullptr;
    std::size_t uvStride = 0;  // of the U,V plane (NV12) or of each chroma plane (YUV420)
};

// Writes `image` as BGR (BT.601, limited range, as libcamera's YUV outputs and its virtual
// camera use) into `bgr`, width * 3 bytes a row, rows `bgrStride` bytes apart. `scratch` is
// reused between calls for YUV420's chroma. Throws std::invalid_argument for an odd or
// empty size, or strides shorter than a row.
void yuvToBgr(const YuvImage& image, std::uint8_t* bgr, std::size_t bgrStride,
              std::vector<std::uint8_t>& scratch);

// Mirrors a packed BGR picture in place: `horizontal` left-right, `vertical` top-bottom
// (both: a rotation by 180 degrees).
void flipBgr(std::uint8_t* bgr, int width, int height, std::size_t stride, bool horizontal,
             bool vertical);

}  // namespace ng::source
