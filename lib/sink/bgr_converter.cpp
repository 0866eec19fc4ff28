// BgrConverter: colour conversion first (cheap at the source size), then scaling.
#include "sink/bgr_converter.hpp"

#include <opencv2/imgproc.hpp>

namespace ng::sink {

cv::Mat frameView(const Frame& frame) {
    return cv::Mat(frame.shape.height, frame.shape.width, CV_8UC(frame.shape.channels),
                   const_cast<std::uint8_t*>(frame.pixels));
}

cv::Mat BgrConverter::convert(const Frame& frame, cv::Size size) {
    cv::Mat image = frameView(frame);
    if (image.channels() == 1) {
        cv::cvtColor(image, colour_, cv::COLOR_GRAY2BGR);
        image = colour_;
    } else if (image.channels() == 4) {
        cv::cvtColor(image, colour_, cv::COLOR_BGRA2BGR);
        image = colour_;
    }
    if (image.size() != size) {
        const bool shrinking = size.width < image.cols || size.height < image.rows;
        cv::resize(image, sized_, size, 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
        image = sized_;
    }
    return image;
}

}  // namespace ng::sink
