// BitrateGovernor: picks each frame's JPEG quality, or skips it, so a stream stays under
// --max-bitrate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace ng::codec {

struct GovernorSettings {
    double bitsPerSecond = 0;  // the limit, for everything the stream puts on the link
    int maxQuality = 90;       // --jpeg-quality: the ceiling
    int minQuality = 30;       // --jpeg-min-quality: the floor
    double fps = 0;            // the nominal frame rate; 0 = unknown, measured from the frames
};

// What to do with one frame.
struct GovernorPlan {
    bool send = false;  // false: skip the frame, it would not fit even at the floor
    int quality = 0;
    double predictedBytes = 0;
};

// Qualities of the frames planned for sending, for --stats and --summary.
struct QualityRange {
    int min = 0;
    int max = 0;
    int last = 0;
    int recentMin = 0;  // over the last kRecentFrames sent
    int recentMax = 0;
};

// A token bucket holding about a second of the byte budget, plus a model of how JPEG size
// follows quality. The model is a fixed curve of relative size against quality (its shape
// varies little with content) times a scale learned from the frames encoded, so the
// governor predicts each quality's size and picks the highest that fits the frame's share
// of the budget. It steps down at once when a frame would not fit, and up only with room to
// spare and a few steps at a time, so the quality settles instead of hunting. The bucket's
// fill feeds back into each frame's share, so the model's errors are paid back within
// about a second; when even the floor does not fit, frames are skipped until the bucket
// holds one.
//
// Pure: time comes in as an argument and nothing is encoded here. Not thread-safe. Calls
// pair up: each plan() that sends is answered by one encoded(), in any order relative to
// later plan() calls (several encoders may be busy at once: a plan reserves its predicted
// bytes, and encoded() corrects the reservation).
class BitrateGovernor {
public:
    static constexpr std::size_t kRecentFrames = 150;

    explicit BitrateGovernor(const GovernorSettings& settings);

    // The plan for a frame that is due at `nowUs` (a steady clock, microseconds).
    GovernorPlan plan(std::int64_t nowUs);
    // The frame planned by `plan` came out at `bytes`.
    void encoded(const GovernorPlan& plan, std::size_t bytes);

    const GovernorSettings& settings() const { return settings_; }
    // The quality of the last frame planned for sending (the ceiling before the first).
    int quality() const { return quality_; }
    QualityRange qualities() const;
    std::uint64_t skipped() const { return skipped_; }

    // The JPEG size at `quality` relative to its size at quality 50, as the model assumes.
    static double relativeSize(int quality);

private:
    int chooseQuality(double frameBudget) const;
    double predict(int quality) const { return scale_ * relativeSize(quality); }
    void record(int quality);

    const GovernorSettings settings_;
    const double bytesPerSecond_;  // what the payload may use of the limit
    const double capacity_;        // the bucket's size, in bytes
    double level_;                 // bytes the bucket holds; below zero while in debt
    double intervalUs_;            // smoothed time between frames
    std::int64_t lastUs_ = 0;
    bool started_ = false;
    double scale_ = 0;  // the model: predicted bytes at quality 50; 0 = no frame seen yet
    int quality_;
    std::uint64_t skipped_ = 0;

    bool anySent_ = false;
    int minSent_ = 0;
    int maxSent_ = 0;
    std::deque<int> recent_;
};

}  // namespace ng::codec
