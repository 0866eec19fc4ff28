// Video-file plugin: -o out.mp4 / .mkv / .mov / .avi, through FFmpeg's libraries.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <memory>
#include <opencv2/core.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "sink/bgr_converter.hpp"
#include "sink/frame_timing.hpp"
#include "sink/output_folder.hpp"
#include "sink/sink_plugins.hpp"

namespace ng::sink {

namespace {

// Containers take the rate as given; an absurd one (metadata glitch) would make players
// misbehave, so fall back to the usual default.
constexpr double kDefaultFps = 30;
constexpr double kMaxFps = 1000;
// Timestamps taken from capture times: fine enough for any frame spacing, and within
// MPEG-4 part 2's limit of 65535 ticks a second.
constexpr AVRational kRealTimeBase{1, 60000};
// MPEG-4 part 2 and Motion JPEG at a fixed quantiser (ffmpeg -q:v 3): their default is a
// bit rate of 200 kbit/s, which smears any picture larger than a thumbnail.
constexpr int kQuantiser = 3;

bool isFolder(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string errorText(int code) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(code, text, sizeof text);
    return text;
}

// Encoders to try, best first: what ffmpeg itself picks for the container. H.264 (libx264)
// plays everywhere; MPEG-4 part 2 is the fallback when FFmpeg was built without it. AVI
// gets Motion JPEG, which every AVI reader handles.
std::vector<std::string> encodersFor(const std::string& ext) {
    if (ext == ".avi") return {"mjpeg", "mpeg4"};
    return {"libx264", "mpeg4"};
}

struct FormatDeleter {
    void operator()(AVFormatContext* format) const {
        if (format->pb && !(format->oformat->flags & AVFMT_NOFILE)) avio_closep(&format->pb);
        avformat_free_context(format);
    }
};
struct CodecDeleter {
    void operator()(AVCodecContext* codec) const { avcodec_free_context(&codec); }
};
struct FrameDeleter {
    void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketDeleter {
    void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct ScalerDeleter {
    void operator()(SwsContext* scaler) const { sws_freeContext(scaler); }
};

// FFmpeg logs through its own callback to stderr. Its errors reach the user in our
// exceptions, and trying an encoder that is absent or refuses a size is expected, so it
// speaks only at -v and above.
void quietenFfmpeg() {
    av_log_set_level(spdlog::get_level() <= spdlog::level::debug ? AV_LOG_WARNING : AV_LOG_QUIET);
}

// Writes a video file as FFmpeg's API allows it: every error of the encoder, the muxer and
// the file itself (a full disk) comes back as a code, and write() or close() throws it.
//
// Timing (StreamInfo): with --output-fps, or when the sender did not state its rate,
// every frame lasts 1/fps. In real time, mp4, mkv and mov get each frame's capture time as
// its timestamp (FrameTimeline), so a paced, variable or skipping stream plays as it
// happened; AVI holds one constant rate, so frames are repeated or dropped to keep it
// (ConstantRateClock). The last frame lasts 1/fps either way.
class VideoFileSink : public Sink {
public:
    explicit VideoFileSink(std::string path) : path_(std::move(path)) {}
    ~VideoFileSink() override {
        try {
            close();
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
        }
    }

    void open(const StreamInfo& info) override {
        const std::string folder = folderOf(path_);
        if (!isFolder(folder)) {
            throw std::runtime_error("output '" + path_ + "': folder '" + folder +
                                     "' does not exist (create it first: mkdir -p " + folder + ")");
        }
        quietenFfmpeg();
        size_ = cv::Size(info.shape.width, info.shape.height);
        fps_ =
            std::isfinite(info.fps) && info.fps > 0 && info.fps <= kMaxFps ? info.fps : kDefaultFps;
        const std::string ext = lowerExtension(path_);
        constantRate_ = ext == ".avi";
        realTime_ = info.realTime;

        AVFormatContext* format = nullptr;
        int rc = avformat_alloc_output_context2(&format, nullptr, nullptr, path_.c_str());
        if (rc < 0 || !format) {
            throw std::runtime_error("cannot write video '" + path_ + "': " + errorText(rc) +
                                     " (use .mp4, .mkv, .mov or .avi)");
        }
        format_.reset(format);
        try {
            openEncoder(ext);
            openStream();
        } catch (const std::exception&) {
            failed_ = true;  // close() then only releases: there is no header to finish
            throw;
        }
        clock_ = ConstantRateClock(fps_, realTime_);
        timeline_ = FrameTimeline(fps_, realTime_);
        spdlog::debug("video {}: {} {}x{} at {:g} fps{}", path_, encoderName_, size_.width,
                      size_.height, fps_, realTime_ ? ", in real time" : "");
    }

    bool write(const Frame& frame) override {
        if (!format_) throw std::runtime_error("video " + path_ + ": written after close");
        if (failed_) throw std::runtime_error("video " + path_ + ": not written after an error");
        if (constantRate_) {
            const ConstantRateClock::Placement placement = clock_.place(frame.captureTimeUs);
            if (!placement.write) return true;
            // The picture still in the frame buffer is the previous frame's.
            for (std::uint64_t i = 0; i < placement.repeatPrevious; ++i) encode(nextPts_++);
            fillPicture(converter_.convert(frame, size_));
            encode(nextPts_++);
            return true;
        }
        fillPicture(converter_.convert(frame, size_));
        if (!realTime_) {
            encode(nextPts_++);
            return true;
        }
        const std::int64_t us = timeline_.timeUs(frame.captureTimeUs);
        const std::int64_t pts =
            std::max(nextPts_, av_rescale_q(us, AVRational{1, 1'000'000}, encoder_->time_base));
        encode(pts);
        nextPts_ = pts + 1;
        return true;
    }

    void close() override {
        if (!format_) return;
        std::string failure;
        if (!failed_) {
            try {
                finish();
            } catch (const std::runtime_error& e) {
                failure = e.what();
            }
        }
        if (format_->pb && !(format_->oformat->flags & AVFMT_NOFILE)) {
            const int rc = avio_closep(&format_->pb);
            if (rc < 0 && !failed_ && failure.empty()) failure = errorMessage(rc, "closing");
        }
        if (constantRate_ && clock_.repeated() + clock_.dropped() > 0) {
            spdlog::info(
                "video {}: kept real time at {:g} fps: {} frames repeated to fill "
                "gaps, {} dropped (they came faster than the rate)",
                path_, fps_, clock_.repeated(), clock_.dropped());
        }
        scaler_.reset();
        picture_.reset();
        packet_.reset();
        encoder_.reset();
        format_.reset();
        if (!failure.empty()) throw std::runtime_error(failure);
    }

    std::string describe() const override { return "video " + path_; }
    std::uint64_t framesDroppedForRate() const override { return clock_.dropped(); }
    std::uint64_t framesRepeatedForRate() const override { return clock_.repeated(); }

private:
    std::string errorMessage(int rc, const char* doing) const {
        return "video " + path_ + ": " + errorText(rc) + " (" + doing + ")";
    }

    // Throws the error `rc` names, if any; the output is finished then (close() only
    // releases it: a trailer would fail the same way, and the error is already told).
    void check(int rc, const char* doing) {
        if (rc >= 0) return;
        failed_ = true;
        throw std::runtime_error(errorMessage(rc, doing));
    }

    void openEncoder(const std::string& ext) {
        std::string tried;
        for (const std::string& name : encodersFor(ext)) {
            const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str());
            const int rc = codec ? openEncoder(*codec) : AVERROR_ENCODER_NOT_FOUND;
            if (rc >= 0) {
                encoderName_ = name;
                return;
            }
            encoder_.reset();
            tried += (tried.empty() ? "" : ", ") + name + " (" + errorText(rc) + ")";
        }
        const std::string size = std::to_string(size_.width) + "x" + std::to_string(size_.height);
        throw std::runtime_error("cannot write video '" + path_ + "': FFmpeg could open none of " +
                                 "the encoders " + tried + " at " + size + " (or try -o out.avi)");
    }

    int openEncoder(const AVCodec& codec) {
        encoder_.reset(avcodec_alloc_context3(&codec));
        if (!encoder_) return AVERROR(ENOMEM);
        AVCodecContext& c = *encoder_;
        c.width = size_.width;
        c.height = size_.height;
        c.framerate = av_d2q(fps_, 65535);
        c.time_base = realTime_ && !constantRate_ ? kRealTimeBase : av_inv_q(c.framerate);
        // 4:2:0, which every player decodes; H.264 cannot hold an odd size in it.
        const bool odd = size_.width % 2 != 0 || size_.height % 2 != 0;
        c.pix_fmt = codec.id == AV_CODEC_ID_H264 && odd ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;
        // JPEG's YCbCr is full range; the encoder refuses 4:2:0 that does not say so.
        if (codec.id == AV_CODEC_ID_MJPEG) c.color_range = AVCOL_RANGE_JPEG;
        if (codec.id == AV_CODEC_ID_MJPEG || codec.id == AV_CODEC_ID_MPEG4) {
            c.flags |= AV_CODEC_FLAG_QSCALE;
            c.global_quality = FF_QP2LAMBDA * kQuantiser;
        }
        c.thread_count = 0;  // the encoder's own choice, as ffmpeg leaves it
        if (format_->oformat->flags & AVFMT_GLOBALHEADER) c.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        return avcodec_open2(&c, &codec, nullptr);
    }

    void openStream() {
        AVStream* stream = avformat_new_stream(format_.get(), nullptr);
        if (!stream) throw std::runtime_error("video " + path_ + ": out of memory");
        int rc = avcodec_parameters_from_context(stream->codecpar, encoder_.get());
        if (rc < 0) throw std::runtime_error(errorMessage(rc, "setting up the stream"));
        stream->time_base = encoder_->time_base;
        stream->avg_frame_rate = encoder_->framerate;
        if (!(format_->oformat->flags & AVFMT_NOFILE)) {
            rc = avio_open(&format_->pb, path_.c_str(), AVIO_FLAG_WRITE);
            if (rc < 0) {
                throw std::runtime_error("cannot create video '" + path_ + "': " + errorText(rc) +
                                         " (is the folder writable?)");
            }
        }
        // Matroska holds a whole cluster (5 s by default) in memory before writing it, so a
        // write error (a full disk) would surface late; a cluster a second long shows it soon.
        AVDictionary* options = nullptr;
        av_dict_set(&options, "cluster_time_limit", "1000", 0);
        rc = avformat_write_header(format_.get(), &options);
        av_dict_free(&options);
        if (rc < 0) throw std::runtime_error(errorMessage(rc, "writing the header"));
        stream_ = stream;  // its time base is the muxer's choice now

        picture_.reset(av_frame_alloc());
        packet_.reset(av_packet_alloc());
        if (!picture_ || !packet_) throw std::runtime_error("video " + path_ + ": out of memory");
        picture_->format = encoder_->pix_fmt;
        picture_->width = size_.width;
        picture_->height = size_.height;
        picture_->color_range = encoder_->color_range;
        rc = av_frame_get_buffer(picture_.get(), 0);
        if (rc < 0) throw std::runtime_error(errorMessage(rc, "allocating a frame"));
        scaler_.reset(sws_getContext(size_.width, size_.height, AV_PIX_FMT_BGR24, size_.width,
                                     size_.height, encoder_->pix_fmt, SWS_BILINEAR, nullptr,
                                     nullptr, nullptr));
        if (!scaler_) throw std::runtime_error("video " + path_ + ": no BGR conversion");
        const int* bt601 = sws_getCoefficients(SWS_CS_ITU601);
        const int fullRange = encoder_->color_range == AVCOL_RANGE_JPEG ? 1 : 0;
        sws_setColorspaceDetails(scaler_.get(), bt601, 1, bt601, fullRange, 0, 1 << 16, 1 << 16);
    }

    // Converts `bgr` into the frame buffer. The encoder may still hold the buffer (libx264
    // looks ahead): then av_frame_make_writable gives this frame a buffer of its own.
    void fillPicture(const cv::Mat& bgr) {
        check(av_frame_make_writable(picture_.get()), "allocating a frame");
        const std::uint8_t* source[1] = {bgr.data};
        const int stride[1] = {static_cast<int>(bgr.step)};
        sws_scale(scaler_.get(), source, stride, 0, size_.height, picture_->data,
                  picture_->linesize);
    }

    void encode(std::int64_t pts) {
        picture_->pts = pts;
        check(avcodec_send_frame(encoder_.get(), picture_.get()), "encoding a frame");
        writePackets();
    }

    void writePackets() {
        // A packet lasts one frame at the nominal rate: containers take the last frame's
        // duration from it, the others' from the next timestamp.
        const std::int64_t duration =
            av_rescale_q(1, av_inv_q(encoder_->framerate), encoder_->time_base);
        for (;;) {
            const int rc = avcodec_receive_packet(encoder_.get(), packet_.get());
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            check(rc, "encoding a frame");
            packet_->duration = std::max<std::int64_t>(duration, 1);
            packet_->stream_index = stream_->index;
            av_packet_rescale_ts(packet_.get(), encoder_->time_base, stream_->time_base);
            // Unlike cv::VideoWriter, the muxer returns the file's errors (a full disk).
            check(av_interleaved_write_frame(format_.get(), packet_.get()), "writing");
        }
    }

    // Drains the encoder and writes the trailer (the mp4 index, without which the file does
    // not play).
    void finish() {
        check(avcodec_send_frame(encoder_.get(), nullptr), "finishing the encoding");
        writePackets();
        check(av_write_trailer(format_.get()), "finishing the file");
    }

    std::string path_;
    cv::Size size_;
    double fps_ = kDefaultFps;
    bool constantRate_ = false;
    bool realTime_ = false;
    std::string encoderName_;
    std::unique_ptr<AVFormatContext, FormatDeleter> format_;
    std::unique_ptr<AVCodecContext, CodecDeleter> encoder_;
    std::unique_ptr<AVFrame, FrameDeleter> picture_;
    std::unique_ptr<AVPacket, PacketDeleter> packet_;
    std::unique_ptr<SwsContext, ScalerDeleter> scaler_;
    AVStream* stream_ = nullptr;  // owned by format_
    BgrConverter converter_;
    ConstantRateClock clock_{kDefaultFps, false};
    FrameTimeline timeline_{kDefaultFps, false};
    std::int64_t nextPts_ = 0;  // in the encoder's time base
    bool failed_ = false;
};

}  // namespace

}  // namespace ng::sink

extern "C" __attribute__((visibility("default"))) ng::sink::Sink* ng_create_video_file_sink(
    const std::string& spec) {
    static_assert(std::is_same_v<decltype(&ng_create_video_file_sink), ng::sink::CreateSinkFn>);
    return std::make_unique<ng::sink::VideoFileSink>(spec).release();
}
