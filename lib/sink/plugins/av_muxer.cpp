// AvMuxer: the libavformat calls of one video file, each checked.
#include "av_muxer.hpp"

extern "C" {
#include <libavutil/dict.h>
}

#include <algorithm>
#include <stdexcept>

namespace ng::sink::av {

namespace {
// Matroska holds a whole cluster (5 s by default) in memory before writing it: a write
// error (a full disk) would surface late and a crash would lose it all. One second bounds both.
constexpr const char* kClusterTimeLimitMs = "1000";
}  // namespace

AvMuxer::AvMuxer(const std::string& path) : path_(path) {
    const int rc = avformat_alloc_output_context2(&format_, nullptr, nullptr, path_.c_str());
    if (rc < 0 || !format_) {
        throw std::runtime_error("cannot write video '" + path_ + "': " + errorText(rc) +
                                 " (use .mp4, .mkv, .mov or .avi)");
    }
}

AvMuxer::~AvMuxer() {
    failed_ = true;  // a destructor only releases; finish() is where a file is completed
    finish();
}

bool AvMuxer::wantsGlobalHeader() const {
    return (format_->oformat->flags & AVFMT_GLOBALHEADER) != 0;
}

void AvMuxer::fail(int rc, const char* doing) {
    failed_ = true;
    throw std::runtime_error("video " + path_ + ": " + errorText(rc) + " (" + doing + ")");
}

void AvMuxer::open(const AVCodecParameters& params, AVRational timeBase, AVRational frameRate) {
    stream_ = avformat_new_stream(format_, nullptr);
    if (!stream_) fail(AVERROR(ENOMEM), "setting up the stream");
    int rc = avcodec_parameters_copy(stream_->codecpar, &params);
    if (rc < 0) fail(rc, "setting up the stream");
    stream_->time_base = timeBase;
    stream_->avg_frame_rate = frameRate;
    if (!(format_->oformat->flags & AVFMT_NOFILE)) {
        rc = avio_open(&format_->pb, path_.c_str(), AVIO_FLAG_WRITE);
        if (rc < 0) {
            failed_ = true;
            throw std::runtime_error("cannot create video '" + path_ + "': " + errorText(rc) +
                                     " (is the folder writable?)");
        }
    }
    // Each packet leaves our buffer at once, so a crash loses only what the container
    // itself holds back (see the class comment).
    format_->flags |= AVFMT_FLAG_FLUSH_PACKETS;
    AVDictionary* options = nullptr;
    av_dict_set(&options, "cluster_time_limit", kClusterTimeLimitMs, 0);
    av_dict_set(&options, "flush_packets", "1", 0);
    rc = avformat_write_header(format_, &options);
    av_dict_free(&options);
    if (rc < 0) fail(rc, "writing the header");
    headerWritten_ = true;
}

void AvMuxer::write(AVPacket& packet, AVRational from) {
    if (failed_ || !headerWritten_) {
        throw std::runtime_error("video " + path_ + ": not written after an error");
    }
    packet.stream_index = stream_->index;
    av_packet_rescale_ts(&packet, from, stream_->time_base);
    // Unlike cv::VideoWriter, the muxer returns the file's errors (a full disk).
    const int rc = av_interleaved_write_frame(format_, &packet);
    if (rc < 0) fail(rc, "writing");
}

void AvMuxer::finish() {
    if (!format_) return;
    std::string failure;
    if (!failed_ && headerWritten_) {
        const int rc = av_write_trailer(format_);
        if (rc < 0) failure = "video " + path_ + ": " + errorText(rc) + " (finishing the file)";
    }
    if (format_->pb && !(format_->oformat->flags & AVFMT_NOFILE)) {
        bytes_ = static_cast<std::uint64_t>(std::max<std::int64_t>(avio_tell(format_->pb), 0));
        const int rc = avio_closep(&format_->pb);
        if (rc < 0 && !failed_ && failure.empty()) {
            failure = "video " + path_ + ": " + errorText(rc) + " (closing)";
        }
    }
    avformat_free_context(format_);
    format_ = nullptr;
    if (!failure.empty()) throw std::runtime_error(failure);
}

std::uint64_t AvMuxer::bytesWritten() const {
    if (format_ && format_->pb) return static_cast<std::uint64_t>(avio_tell(format_->pb));
    return bytes_;
}

}  // namespace ng::sink::av
