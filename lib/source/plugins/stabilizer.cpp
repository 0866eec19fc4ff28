// Stabilizer plugin: optical-flow video stabilisation (OpenCV video, calib3d), loaded for
// --stabilize.
#include "source/stabilizer.hpp"

#include <cmath>
#include <deque>
#include <memory>
#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "core/frame_pool.hpp"

namespace ng::source {

namespace {

// Feature tracking as vidgear tunes it: a few hundred well-spread corners on a
// contrast-equalised grey picture.
constexpr int kMaxCorners = 200;
constexpr double kCornerQuality = 0.05;
constexpr double kCornerDistance = 30;
constexpr int kCornerBlock = 3;
constexpr double kClaheClip = 2.0;
const cv::Size kClaheTiles{8, 8};

// A frame's motion, or a point of the path (their running sum): shift and rotation.
struct Motion {
    double dx = 0, dy = 0, angle = 0;
    Motion operator+(const Motion& o) const { return {dx + o.dx, dy + o.dy, angle + o.angle}; }
    Motion operator-(const Motion& o) const { return {dx - o.dx, dy - o.dy, angle - o.angle}; }
};

int borderMode(const std::string& border) {
    if (border == "black") return cv::BORDER_CONSTANT;
    if (border == "reflect") return cv::BORDER_REFLECT;
    if (border == "reflect_101") return cv::BORDER_REFLECT_101;
    if (border == "replicate") return cv::BORDER_REPLICATE;
    if (border == "wrap") return cv::BORDER_WRAP;
    throw std::invalid_argument("--stabilize-border: unknown mode '" + border + "'");
}

cv::Mat view(const Frame& frame) {
    return cv::Mat(frame.shape.height, frame.shape.width, CV_8UC(frame.shape.channels),
                   const_cast<std::uint8_t*>(frame.pixels));
}

class FlowStabilizer : public Stabilizer {
public:
    explicit FlowStabilizer(const StabilizerSettings& settings)
        : radius_(settings.radius),
          border_(borderMode(settings.border)),
          clahe_(cv::createCLAHE(kClaheClip, kClaheTiles)) {
        if (radius_ < 1) throw std::invalid_argument("--stabilize-radius must be at least 1");
    }

    std::optional<Frame> push(const Frame& frame) override {
        track(frame);
        held_.push_back(frame);
        if (held_.size() <= static_cast<std::size_t>(radius_)) return std::nullopt;
        return release();
    }

    std::optional<Frame> drain() override {
        if (held_.empty()) return std::nullopt;
        return release();
    }

private:
    // Adds `frame`'s point to the path: the previous point moved by the motion of the
    // features tracked from the previous frame into this one.
    void track(const Frame& frame) {
        cv::Mat gray;
        const cv::Mat picture = view(frame);
        if (picture.channels() == 1) {
            gray = picture;
        } else {
            cv::cvtColor(picture, gray,
                         picture.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
        }
        clahe_->apply(gray, gray_);
        Motion motion;
        // After a change of size there is nothing to track against: count it as no motion.
        if (!previousGray_.empty() && previousGray_.size() == gray_.size() &&
            !previousCorners_.empty()) {
            motion = estimateMotion();
        }
        path_.push_back(path_.empty() ? Motion{} : path_.back() + motion);
        cv::goodFeaturesToTrack(gray_, previousCorners_, kMaxCorners, kCornerQuality,
                                kCornerDistance, cv::noArray(), kCornerBlock);
        std::swap(previousGray_, gray_);
    }

    Motion estimateMotion() {
        std::vector<cv::Point2f> corners;
        std::vector<unsigned char> found;
        std::vector<float> error;
        cv::calcOpticalFlowPyrLK(previousGray_, gray_, previousCorners_, corners, found, error);
        std::vector<cv::Point2f> from, to;
        for (std::size_t i = 0; i < found.size(); ++i) {
            if (found[i] == 0) continue;
            from.push_back(previousCorners_[i]);
            to.push_back(corners[i]);
        }
        // Too few matches (a flat or cut scene): count the frame as not moved.
        if (from.size() < 3) return {};
        const cv::Mat similarity = cv::estimateAffinePartial2D(from, to);
        if (similarity.empty()) return {};
        return {similarity.at<double>(0, 2), similarity.at<double>(1, 2),
                std::atan2(similarity.at<double>(1, 0), similarity.at<double>(0, 0))};
    }

    // Warps the oldest held frame from its path point onto the average of the points up to
    // radius_ frames either side (fewer at the ends of the stream).
    Frame release() {
        Frame frame = held_.front();
        held_.pop_front();
        // path_ holds the points of the last radius_ frames released, then those held.
        const std::size_t here = path_.size() - held_.size() - 1;
        const std::size_t first = here >= static_cast<std::size_t>(radius_) ? here - radius_ : 0;
        const std::size_t last = std::min(path_.size() - 1, here + radius_);
        Motion mean;
        for (std::size_t i = first; i <= last; ++i) mean = mean + path_[i];
        const double count = static_cast<double>(last - first + 1);
        mean = {mean.dx / count, mean.dy / count, mean.angle / count};
        const Motion correction = mean - path_[here];
        while (path_.size() - held_.size() > static_cast<std::size_t>(radius_)) path_.pop_front();
        return warp(frame, correction);
    }

    Frame warp(const Frame& frame, const Motion& correction) {
        const double c = std::cos(correction.angle), s = std::sin(correction.angle);
        const cv::Matx23d transform(c, -s, correction.dx, s, c, correction.dy);
        std::uint8_t* pixels = nullptr;
        Frame out = pool_.acquire(frame.shape, pixels);
        cv::Mat warped(frame.shape.height, frame.shape.width, CV_8UC(frame.shape.channels), pixels);
        cv::warpAffine(view(frame), warped, transform, warped.size(), cv::INTER_LINEAR, border_);
        out.seq = frame.seq;
        out.captureTimeUs = frame.captureTimeUs;
        out.nominalFps = frame.nominalFps;
        out.data = frame.data;
        return out;
    }

    const int radius_;
    const int border_;
    cv::Ptr<cv::CLAHE> clahe_;
    cv::Mat gray_, previousGray_;
    std::vector<cv::Point2f> previousCorners_;
    std::deque<Frame> held_;   // waiting for the frames after them
    std::deque<Motion> path_;  // see release()
    FramePool pool_;
};

}  // namespace

}  // namespace ng::source

extern "C" __attribute__((visibility("default"))) ng::source::Stabilizer* ng_create_stabilizer(
    const ng::source::StabilizerSettings& settings) {
    static_assert(std::is_same_v<decltype(&ng_create_stabilizer), ng::source::CreateStabilizerFn>);
    return std::make_unique<ng::source::FlowStabilizer>(settings).release();
}
