// NV12/YUV420 -> BGR through OpenCV's two-plane conversion on headers that carry the strides.
#include "source/yuv_to_bgr.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>

namespace ng::source {

namespace {

void checkImage(const YuvImage& image) {
    const auto width = static_cast<std::size_t>(image.width);
    if (image.width <= 0 || image.height <= 0 || image.width % 2 != 0 || image.height % 2 != 0) {
        throw std::invalid_argument("yuvToBgr: " + std::to_string(image.width) + "x" +
                                    std::to_string(image.height) +
                                    " is not a 4:2:0 size (both sides even and positive)");
    }
    const std::size_t chromaRow = image.layout == YuvLayout::Nv12 ? width : width / 2;
    if (image.yStride < width || image.uvStride < chromaRow) {
        throw std::invalid_argument("yuvToBgr: a stride is shorter than its row");
    }
}

// The const_casts below only wrap the camera's read-only planes in Mat headers that are
// read, never written.
cv::Mat plane(const std::uint8_t* data, int rows, int cols, int type, std::size_t stride) {
    return cv::Mat(rows, cols, type, const_cast<std::uint8_t*>(data), stride);
}

}  // namespace

void yuvToBgr(const YuvImage& image, std::uint8_t* bgr, std::size_t bgrStride,
              std::vector<std::uint8_t>& scratch) {
    checkImage(image);
    const int w = image.width, h = image.height;
    cv::Mat out(h, w, CV_8UC3, bgr, bgrStride);
    const cv::Mat y = plane(image.y, h, w, CV_8UC1, image.yStride);
    if (image.layout == YuvLayout::Nv12) {
        const cv::Mat uv = plane(image.u, h / 2, w / 2, CV_8UC2, image.uvStride);
        cv::cvtColorTwoPlane(y, uv, out, cv::COLOR_YUV2BGR_NV12);
        return;
    }
    // OpenCV's three-plane conversion wants the planes back to back with fixed strides;
    // interleaving the quarter-size chroma into NV12 order costs less than copying all.
    scratch.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h / 2));
    cv::Mat uv(h / 2, w / 2, CV_8UC2, scratch.data());
    const cv::Mat planes[] = {plane(image.u, h / 2, w / 2, CV_8UC1, image.uvStride),
                              plane(image.v, h / 2, w / 2, CV_8UC1, image.uvStride)};
    cv::merge(planes, 2, uv);
    cv::cvtColorTwoPlane(y, uv, out, cv::COLOR_YUV2BGR_NV12);
}

void flipBgr(std::uint8_t* bgr, int width, int height, std::size_t stride, bool horizontal,
             bool vertical) {
    if (!horizontal && !vertical) return;
    cv::Mat image(height, width, CV_8UC3, bgr, stride);
    // OpenCV's flip swaps mirrored pairs, so it works in place.
    cv::flip(image, image, horizontal && vertical ? -1 : (horizontal ? 1 : 0));
}

}  // namespace ng::source
