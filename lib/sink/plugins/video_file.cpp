// Video-file plugin: -o out.mp4 / .mkv / .mov / .avi, in segments, through FFmpeg's libraries.
#include <spdlog/spdlog.h>
#include <unistd.h>

extern "C" {
#include <libavutil/log.h>
}

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>
#include <opencv2/core.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "sink/bgr_converter.hpp"
#include "sink/frame_timing.hpp"
#include "sink/output_folder.hpp"
#include "sink/retention.hpp"
#include "sink/segment_name.hpp"
#include "sink/sink_plugins.hpp"
#include "video_segment.hpp"

namespace ng::sink {

namespace {

// Containers take the rate as given; an absurd one (metadata glitch) would make players
// misbehave, so fall back to the usual default.
constexpr double kDefaultFps = 30;
constexpr double kMaxFps = 1000;
// Timestamps taken from capture times: fine enough for any frame spacing, and within
// MPEG-4 part 2's limit of 65535 ticks a second.
constexpr AVRational kRealTimeBase{1, 60000};

bool copiesByDefault(const std::string& ext) { return ext == ".mkv" || ext == ".avi"; }

// Encoders to try, best first. Unasked, what ffmpeg itself picks for the container: H.264
// (libx264) plays everywhere, MPEG-4 part 2 is the fallback when FFmpeg was built without
// it, and AVI gets Motion JPEG, which every AVI reader handles.
std::vector<std::string> encodersFor(VideoCodec codec, const std::string& ext) {
    switch (codec) {
        case VideoCodec::H264:
            return {"libx264"};
        case VideoCodec::Mjpeg:
            return {"mjpeg"};
        case VideoCodec::Ffv1:
            return {"ffv1"};
        default:
            break;
    }
    if (ext == ".avi") return {"mjpeg", "mpeg4"};
    return {"libx264", "mpeg4"};
}

// FFmpeg logs through its own callback to stderr. Its errors reach the user in our
// exceptions, and trying an encoder that is absent or refuses a size is expected, so it
// speaks only at -v and above.
void quietenFfmpeg() {
    av_log_set_level(spdlog::get_level() <= spdlog::level::debug ? AV_LOG_WARNING : AV_LOG_QUIET);
}

// Writes a recording as one file, or as segments of --segment each (a new file, with a new
// encoder, on the first frame past the boundary: every file starts with a key frame and
// plays on its own). --keep / --keep-size delete the oldest finished segments as each new
// one starts; the open one is never deleted.
//
// JPEG frames are stored as they came (stream copy) when asked for, and by default into
// .mkv and .avi; otherwise pictures are encoded (av::AvEncoder).
//
// Timing (StreamInfo): with --output-fps, or when the sender did not state its rate,
// every frame lasts 1/fps. In real time, mp4, mkv and mov get each frame's capture time as
// its timestamp (FrameTimeline), so a paced, variable or skipping stream plays as it
// happened; AVI holds one constant rate, so frames are repeated or dropped to keep it
// (ConstantRateClock). The last frame lasts 1/fps either way. Each file starts at 0.
class VideoFileSink : public Sink {
public:
    VideoFileSink(std::string spec, const VideoSettings& settings)
        : spec_(std::move(spec)),
          ext_(lowerExtension(spec_)),
          settings_(settings),
          namer_(spec_, settings.segmentUs > 0),
          retention_{settings.keepUs, settings.keepBytes} {}
    ~VideoFileSink() override {
        try {
            close();
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
        }
    }

    bool takesJpeg() const override {
        return settings_.codec == VideoCodec::Copy ||
               (settings_.codec == VideoCodec::Auto && copiesByDefault(ext_));
    }

    void open(const StreamInfo& info) override {
        quietenFfmpeg();
        if (settings_.codec == VideoCodec::Copy && info.codec != Codec::Jpeg) {
            throw std::runtime_error(
                "output '" + spec_ +
                "': --video-codec copy stores the received JPEG frames as "
                "they are, but this sender sends raw pixels; send JPEG (ngsend --compression "
                "jpeg) or encode them here (--video-codec h264, mjpeg or ffv1)");
        }
        const double fps =
            std::isfinite(info.fps) && info.fps > 0 && info.fps <= kMaxFps ? info.fps : kDefaultFps;
        constantRate_ = ext_ == ".avi";
        realTime_ = info.realTime;
        format_.size = cv::Size(info.shape.width, info.shape.height);
        format_.frameRate = av_d2q(fps, 65535);
        format_.timeBase =
            realTime_ && !constantRate_ ? kRealTimeBase : av_inv_q(format_.frameRate);
        format_.copy = takesJpeg() && info.codec == Codec::Jpeg;
        format_.encoders = encodersFor(settings_.codec, ext_);
        clock_ = ConstantRateClock(fps, realTime_);
        timeline_ = FrameTimeline(fps, realTime_);
        fps_ = fps;
        opened_ = true;
        startSegment(0);
        spdlog::debug("video {}: {} {}x{} at {:g} fps{}", spec_, segment_->encoderName(),
                      format_.size.width, format_.size.height, fps,
                      realTime_ ? ", in real time" : "");
    }

    bool write(const Frame& frame) override {
        if (!opened_ || failed_ || !segment_) {
            throw std::runtime_error("video " + spec_ + ": not written after an error or close");
        }
        checkCoding(frame);
        try {
            if (constantRate_) {
                const ConstantRateClock::Placement placement = clock_.place(frame.captureTimeUs);
                if (!placement.write) return true;
                for (std::uint64_t i = 0; i < placement.repeatPrevious; ++i) writeSlot(nullptr);
                cutIfDue(slotUs(slots_));
                writeSlot(&frame);
                return true;
            }
            const std::int64_t us = timeline_.timeUs(frame.captureTimeUs);
            cutIfDue(us);
            std::int64_t pts = static_cast<std::int64_t>(segment_->frames());
            if (realTime_) {
                pts = std::max(nextPts_, av_rescale_q(us - segmentStartUs_,
                                                      AVRational{1, 1'000'000}, format_.timeBase));
            }
            writeTo(*segment_, &frame, pts);
            nextPts_ = pts + 1;
            lastUs_ = us;
            return true;
        } catch (const std::exception&) {
            failed_ = true;
            throw;
        }
    }

    void close() override {
        std::string failure;
        if (segment_) {
            if (failed_) {
                segment_.reset();  // releases; the error was told when it happened
            } else {
                try {
                    finishSegment();
                } catch (const std::runtime_error& e) {
                    failure = e.what();
                }
            }
        }
        if (constantRate_ && clock_.repeated() + clock_.dropped() > 0 && !toldRate_) {
            toldRate_ = true;
            spdlog::info(
                "video {}: kept real time at {:g} fps: {} frames repeated to fill "
                "gaps, {} dropped (they came faster than the rate)",
                spec_, fps_, clock_.repeated(), clock_.dropped());
        }
        if (!failure.empty()) throw std::runtime_error(failure);
    }

    std::string describe() const override { return "video " + spec_; }
    std::uint64_t framesDroppedForRate() const override { return clock_.dropped(); }
    std::uint64_t framesRepeatedForRate() const override { return clock_.repeated(); }
    std::vector<RecordedSegment> segments() const override { return recorded_; }

private:
    // A stream that changes coding midway (a sender restarted with other flags) cannot go
    // on in the same recording: copy needs JPEG, and an encoding recording that takes
    // JPEG as it is was opened for raw pixels.
    void checkCoding(const Frame& frame) const {
        if (format_.copy && frame.codec != Codec::Jpeg) {
            throw std::runtime_error("video " + spec_ +
                                     ": the stream turned from JPEG to raw "
                                     "pixels, which a stream-copy recording cannot store; "
                                     "record with --video-codec h264, mjpeg or ffv1");
        }
        if (!format_.copy && frame.codec != Codec::Raw) {
            throw std::runtime_error("video " + spec_ +
                                     ": the stream turned from raw pixels to "
                                     "JPEG midway; start a new recording for it");
        }
        if (format_.copy && !toldSize_ &&
            (frame.shape.width != format_.size.width ||
             frame.shape.height != format_.size.height)) {
            toldSize_ = true;
            spdlog::warn(
                "video {}: frames changed size to {}x{}; a stream copy stores them "
                "as they are, under the first size's header",
                spec_, frame.shape.width, frame.shape.height);
        }
    }

    std::int64_t slotUs(std::uint64_t slot) const {
        return static_cast<std::int64_t>(std::llround(static_cast<double>(slot) * 1e6 / fps_));
    }

    // One slot of a constant-rate file: `frame`, or the previous one again (nullptr).
    void writeSlot(const Frame* frame) {
        writeTo(*segment_, frame, static_cast<std::int64_t>(segment_->frames()));
        lastUs_ = slotUs(slots_);
        ++slots_;
    }

    void writeTo(av::VideoSegment& segment, const Frame* frame, std::int64_t pts) {
        if (format_.copy) {
            segment.writeJpeg(frame ? frame->pixels : nullptr, frame ? frame->codedBytes : 0, pts);
        } else {
            segment.writePicture(frame ? converter_.convert(*frame, format_.size) : cv::Mat(), pts);
        }
    }

    void cutIfDue(std::int64_t us) {
        if (settings_.segmentUs <= 0 || us - segmentStartUs_ < settings_.segmentUs) return;
        finishSegment();
        startSegment(us);
    }

    void startSegment(std::int64_t us) {
        const std::string path = namer_.next(std::time(nullptr));
        const std::string folder = folderOf(path);
        if (folder != madeFolder_) {
            prepareOutputFolder(spec_, folder);
            madeFolder_ = folder;
        }
        segment_ = std::make_unique<av::VideoSegment>(path, format_, settings_);
        segmentStartUs_ = us;
        nextPts_ = 0;
        if (settings_.segmentUs > 0) spdlog::debug("video {}: segment {}", spec_, path);
        applyRetention(us);
    }

    void finishSegment() {
        std::unique_ptr<av::VideoSegment> segment = std::move(segment_);
        RecordedSegment record{segment->path(), segment->frames(), 0, false};
        try {
            segment->finish();
        } catch (...) {
            record.bytes = segment->bytes();
            recorded_.push_back(record);
            throw;
        }
        record.bytes = segment->bytes();
        recorded_.push_back(record);
        onDisk_.push_back({record.path, record.bytes, lastUs_});
    }

    // Deletes the oldest finished segments beyond --keep / --keep-size. The open one is
    // just started, so it counts with nothing yet.
    void applyRetention(std::int64_t nowUs) {
        if (!retention_.active()) return;
        const std::size_t count = segmentsToDelete(onDisk_, retention_, nowUs, 0);
        for (std::size_t i = 0; i < count; ++i) {
            const std::string& path = onDisk_[i].path;
            if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
                // Counted as kept: it is still on disk, and the next check tries again.
                spdlog::warn("video {}: cannot delete old segment {}: {}", spec_, path,
                             std::strerror(errno));
                continue;
            }
            for (RecordedSegment& r : recorded_) {
                if (r.path == path) r.deleted = true;
            }
            spdlog::info("video {}: deleted old segment {} (--keep)", spec_, path);
        }
        onDisk_.erase(onDisk_.begin(), onDisk_.begin() + static_cast<std::ptrdiff_t>(count));
    }

    std::string spec_;
    std::string ext_;
    VideoSettings settings_;
    SegmentNamer namer_;
    RetentionPolicy retention_;
    av::SegmentFormat format_;
    std::unique_ptr<av::VideoSegment> segment_;
    std::vector<RecordedSegment> recorded_;
    std::vector<FinishedSegment> onDisk_;  // finished and not deleted, oldest first
    std::string madeFolder_;
    BgrConverter converter_;
    ConstantRateClock clock_{kDefaultFps, false};
    FrameTimeline timeline_{kDefaultFps, false};
    double fps_ = kDefaultFps;
    bool constantRate_ = false;
    bool realTime_ = false;
    bool opened_ = false;
    bool failed_ = false;
    mutable bool toldSize_ = false;
    bool toldRate_ = false;
    std::uint64_t slots_ = 0;  // constant rate: slots written so far
    std::int64_t segmentStartUs_ = 0;
    std::int64_t lastUs_ = 0;   // of the last frame written
    std::int64_t nextPts_ = 0;  // in the time base, within the open segment
};

}  // namespace

}  // namespace ng::sink

extern "C" __attribute__((visibility("default"))) ng::sink::Sink* ng_create_video_file_sink(
    const std::string& spec, const ng::sink::VideoSettings& settings) {
    static_assert(
        std::is_same_v<decltype(&ng_create_video_file_sink), ng::sink::CreateVideoSinkFn>);
    return std::make_unique<ng::sink::VideoFileSink>(spec, settings).release();
}
