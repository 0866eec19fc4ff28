// The --max-bitrate controller: a token bucket and a size-against-quality model.
#include "codec/bitrate_governor.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace ng::codec {

namespace {

// JPEG size against quality (libjpeg's standard tables), relative to quality 50, at
// qualities 0, 5, ..., 100: the geometric mean over photographs and noise of several
// grains. The shape varies little with content; the governor learns the scale.
constexpr std::array<double, 21> kRelativeSize = {0.15, 0.26, 0.40, 0.51, 0.61, 0.69, 0.76,
                                                  0.83, 0.88, 0.94, 1.00, 1.06, 1.12, 1.21,
                                                  1.31, 1.42, 1.60, 1.84, 2.24, 3.06, 5.81};
constexpr int kTableStep = 5;

// TCP/IP and the message headers ride on the same link as the JPEG bytes.
constexpr double kPayloadShare = 0.95;
// The bucket holds this much of the budget: the rate is kept over seconds, not per frame.
constexpr double kBucketSeconds = 1.0;
// Where the governor keeps the bucket: half full leaves room both for a frame bigger than
// predicted and for one smaller.
constexpr double kTargetFill = 0.5;
// A bucket off its target is brought back over about this long, through each frame's share.
constexpr double kSettleSeconds = 1.0;
// A higher quality is taken only when its predicted size leaves this much of the share
// unused, so that a quality that just fits is not taken and dropped frame after frame.
constexpr double kRaiseMargin = 0.85;
// Quality steps up per frame at most: a mistaken step up costs only a little.
constexpr int kMaxRaise = 2;
// A bucket above its target raises a frame's share by at most this much of it: after a stall
// (a busy CPU, a slow source) the bucket is full, which says nothing about the picture.
constexpr double kMaxBoost = 0.25;
// How fast the model follows the frames: quickly towards bigger frames (a busy scene would
// overspend), slowly towards smaller ones.
constexpr double kGrowWeight = 0.5;
constexpr double kShrinkWeight = 0.2;
// How fast the frame interval follows the measured one.
constexpr double kIntervalWeight = 0.1;
// The frame rate assumed until one is measured, when the source gives none.
constexpr double kDefaultFps = 30;
// Longer gaps (a paused source) count as this long: the bucket is full by then anyway.
constexpr double kMaxGapUs = 1e6;

}  // namespace

double BitrateGovernor::relativeSize(int quality) {
    const int q = std::clamp(quality, 0, 100);
    const int below = std::min(q / kTableStep, static_cast<int>(kRelativeSize.size()) - 2);
    const double t = static_cast<double>(q - below * kTableStep) / kTableStep;
    // Between table points size grows about exponentially with quality.
    const auto i = static_cast<std::size_t>(below);
    return kRelativeSize[i] * std::pow(kRelativeSize[i + 1] / kRelativeSize[i], t);
}

BitrateGovernor::BitrateGovernor(const GovernorSettings& settings)
    : settings_(settings),
      bytesPerSecond_(settings.bitsPerSecond / 8 * kPayloadShare),
      capacity_(bytesPerSecond_ * kBucketSeconds),
      level_(capacity_ * kTargetFill),
      intervalUs_(1e6 / (settings.fps > 0 ? settings.fps : kDefaultFps)),
      quality_(settings.maxQuality) {}

GovernorPlan BitrateGovernor::plan(std::int64_t nowUs) {
    if (started_) {
        const double gapUs = std::clamp(static_cast<double>(nowUs - lastUs_), 0.0, kMaxGapUs);
        level_ = std::min(capacity_, level_ + bytesPerSecond_ * gapUs / 1e6);
        // A known frame rate is the interval; measured gaps jitter, and a stall would inflate
        // every frame's share after it.
        if (settings_.fps <= 0) {
            intervalUs_ += kIntervalWeight * (std::min(gapUs, 2 * intervalUs_) - intervalUs_);
        }
    }
    started_ = true;
    lastUs_ = nowUs;

    const double share = bytesPerSecond_ * intervalUs_ / 1e6;
    const double correction =
        (level_ - capacity_ * kTargetFill) * intervalUs_ / (kSettleSeconds * 1e6);
    const double frameBudget = std::max(0.0, share + std::min(correction, kMaxBoost * share));

    GovernorPlan plan;
    if (scale_ > 0) {
        plan.quality = chooseQuality(frameBudget);
        plan.predictedBytes = predict(plan.quality);
    } else {
        // Nothing encoded yet: the ceiling, reserving a frame's share until its size is known.
        plan.quality = settings_.maxQuality;
        plan.predictedBytes = share;
    }
    // The bucket has the last word. A frame bigger than the whole bucket waits for a full one,
    // or it would never go.
    if (level_ < std::min(plan.predictedBytes, capacity_)) {
        const double floorBytes = predict(settings_.minQuality);
        if (scale_ > 0 && plan.quality > settings_.minQuality &&
            level_ >= std::min(floorBytes, capacity_)) {
            plan.quality = settings_.minQuality;
            plan.predictedBytes = floorBytes;
        } else {
            ++skipped_;
            plan.send = false;
            return plan;
        }
    }
    plan.send = true;
    level_ -= plan.predictedBytes;
    record(plan.quality);
    return plan;
}

void BitrateGovernor::encoded(const GovernorPlan& plan, std::size_t bytes) {
    const auto actual = static_cast<double>(bytes);
    level_ -= actual - plan.predictedBytes;
    const double observed = actual / relativeSize(plan.quality);
    if (scale_ <= 0) {
        scale_ = observed;
        return;
    }
    scale_ += (observed > scale_ ? kGrowWeight : kShrinkWeight) * (observed - scale_);
}

int BitrateGovernor::chooseQuality(double frameBudget) const {
    int fits = settings_.minQuality;
    for (int q = settings_.maxQuality; q > settings_.minQuality; --q) {
        if (predict(q) <= frameBudget) {
            fits = q;
            break;
        }
    }
    if (fits <= quality_) return fits;
    int roomy = quality_;
    for (int q = fits; q > quality_; --q) {
        if (predict(q) <= frameBudget * kRaiseMargin) {
            roomy = q;
            break;
        }
    }
    return std::min(roomy, quality_ + kMaxRaise);
}

void BitrateGovernor::record(int quality) {
    quality_ = quality;
    minSent_ = anySent_ ? std::min(minSent_, quality) : quality;
    maxSent_ = anySent_ ? std::max(maxSent_, quality) : quality;
    anySent_ = true;
    recent_.push_back(quality);
    if (recent_.size() > kRecentFrames) recent_.pop_front();
}

QualityRange BitrateGovernor::qualities() const {
    QualityRange range;
    if (!anySent_) return range;
    range.min = minSent_;
    range.max = maxSent_;
    range.last = quality_;
    const auto [low, high] = std::minmax_element(recent_.begin(), recent_.end());
    range.recentMin = *low;
    range.recentMax = *high;
    return range;
}

}  // namespace ng::codec
