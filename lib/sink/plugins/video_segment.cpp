// VideoSegment: opening one file of a recording and writing pictures or JPEGs into it.
#include "video_segment.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace ng::sink::av {

namespace {
const std::string kCopyName = "copy (mjpeg)";

// The stream of received JPEGs, described as an encoder would describe its output.
void describeJpegStream(AVCodecParameters& params, cv::Size size) {
    params.codec_type = AVMEDIA_TYPE_VIDEO;
    params.codec_id = AV_CODEC_ID_MJPEG;
    params.width = size.width;
    params.height = size.height;
    params.format = AV_PIX_FMT_YUVJ420P;
    params.color_range = AVCOL_RANGE_JPEG;
}
}  // namespace

VideoSegment::VideoSegment(const std::string& path, const SegmentFormat& format,
                           const VideoSettings& settings)
    : format_(format), muxer_(path) {
    AVCodecParameters* params = avcodec_parameters_alloc();
    if (!params) throw std::runtime_error("video " + path + ": out of memory");
    try {
        if (format.copy) {
            describeJpegStream(*params, format.size);
            last_.reset(av_packet_alloc());
            if (!last_) throw std::runtime_error("video " + path + ": out of memory");
        } else {
            encoder_ = std::make_unique<AvEncoder>(format.encoders, format.size, format.frameRate,
                                                   format.timeBase, muxer_.wantsGlobalHeader(),
                                                   settings, path);
            const int rc = avcodec_parameters_from_context(params, &encoder_->context());
            if (rc < 0) {
                throw std::runtime_error("video " + path + ": " + errorText(rc) +
                                         " (setting up the stream)");
            }
        }
        muxer_.open(*params, format.timeBase, format.frameRate);
    } catch (...) {
        avcodec_parameters_free(&params);
        throw;
    }
    avcodec_parameters_free(&params);
}

const std::string& VideoSegment::encoderName() const {
    return encoder_ ? encoder_->name() : kCopyName;
}

void VideoSegment::writePacket(AVPacket& packet, AVRational timeBase) {
    muxer_.write(packet, timeBase);
}

void VideoSegment::writePicture(const cv::Mat& bgr, std::int64_t pts) {
    if (!encoder_) throw std::logic_error("writePicture on a copying segment");
    encoder_->encode(bgr, pts, [this](AVPacket& p, AVRational tb) { writePacket(p, tb); });
    ++frames_;
}

void VideoSegment::writeJpeg(const std::uint8_t* jpeg, std::size_t bytes, std::int64_t pts) {
    if (!last_) throw std::logic_error("writeJpeg on an encoding segment");
    PacketPtr packet(av_packet_alloc());
    if (!packet) throw std::runtime_error("video " + path() + ": out of memory");
    if (jpeg) {
        // The frame's bytes are borrowed for the call; the muxer may keep the packet for
        // interleaving, so it gets its own copy.
        if (av_new_packet(packet.get(), static_cast<int>(bytes)) < 0) {
            throw std::runtime_error("video " + path() + ": out of memory");
        }
        std::memcpy(packet->data, jpeg, bytes);
        av_packet_unref(last_.get());
        if (av_packet_ref(last_.get(), packet.get()) < 0) {
            throw std::runtime_error("video " + path() + ": out of memory");
        }
    } else if (av_packet_ref(packet.get(), last_.get()) < 0) {
        throw std::runtime_error("video " + path() + ": out of memory");
    }
    packet->flags |= AV_PKT_FLAG_KEY;
    packet->pts = packet->dts = pts;
    packet->duration =
        std::max<std::int64_t>(av_rescale_q(1, av_inv_q(format_.frameRate), format_.timeBase), 1);
    writePacket(*packet, format_.timeBase);
    ++frames_;
}

void VideoSegment::finish() {
    if (finished_) return;
    finished_ = true;
    std::string failure;
    if (encoder_) {
        try {
            encoder_->flush([this](AVPacket& p, AVRational tb) { writePacket(p, tb); });
        } catch (const std::runtime_error& e) {
            failure = e.what();
        }
    }
    if (!failure.empty()) {
        try {
            muxer_.finish();
        } catch (const std::runtime_error&) {
            // The first error is the news.
        }
        throw std::runtime_error(failure);
    }
    muxer_.finish();
}

}  // namespace ng::sink::av
