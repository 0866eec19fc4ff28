// AvEncoder: opening an encoder with bounded settings, and the BGR -> YUV -> packet path.
#include "av_encoder.hpp"

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/opt.h>
}

#include <algorithm>
#include <stdexcept>

namespace ng::sink::av {

namespace {
// MPEG-4 part 2 and Motion JPEG at a fixed quantiser (ffmpeg -q:v 3): their default is a
// bit rate of 200 kbit/s, which smears any picture larger than a thumbnail.
constexpr int kQuantiser = 3;
}  // namespace

AvEncoder::AvEncoder(const std::vector<std::string>& encoders, cv::Size size, AVRational frameRate,
                     AVRational timeBase, bool globalHeader, const VideoSettings& settings,
                     const std::string& path)
    : path_(path), size_(size), frameRate_(frameRate), timeBase_(timeBase) {
    std::string tried;
    for (const std::string& name : encoders) {
        const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str());
        const int rc = codec ? open(*codec, settings, globalHeader) : AVERROR_ENCODER_NOT_FOUND;
        if (rc >= 0) {
            name_ = name;
            break;
        }
        encoder_.reset();
        tried += (tried.empty() ? "" : ", ") + name + " (" + errorText(rc) + ")";
    }
    if (!encoder_) {
        const std::string at = std::to_string(size.width) + "x" + std::to_string(size.height);
        throw std::runtime_error("cannot write video '" + path + "': FFmpeg could open none of " +
                                 "the encoders " + tried + " at " + at +
                                 " (try another --video-codec, or -o out.avi)");
    }
    picture_.reset(av_frame_alloc());
    packet_.reset(av_packet_alloc());
    if (!picture_ || !packet_) throw std::runtime_error("video " + path_ + ": out of memory");
    picture_->format = encoder_->pix_fmt;
    picture_->width = size_.width;
    picture_->height = size_.height;
    picture_->color_range = encoder_->color_range;
    check(av_frame_get_buffer(picture_.get(), 0), "allocating a frame");
    scaler_.reset(sws_getContext(size_.width, size_.height, AV_PIX_FMT_BGR24, size_.width,
                                 size_.height, encoder_->pix_fmt, SWS_BILINEAR, nullptr, nullptr,
                                 nullptr));
    if (!scaler_) throw std::runtime_error("video " + path_ + ": no BGR conversion");
    const int* bt601 = sws_getCoefficients(SWS_CS_ITU601);
    const int fullRange = encoder_->color_range == AVCOL_RANGE_JPEG ? 1 : 0;
    sws_setColorspaceDetails(scaler_.get(), bt601, 1, bt601, fullRange, 0, 1 << 16, 1 << 16);
}

int AvEncoder::open(const AVCodec& codec, const VideoSettings& settings, bool globalHeader) {
    encoder_.reset(avcodec_alloc_context3(&codec));
    if (!encoder_) return AVERROR(ENOMEM);
    AVCodecContext& c = *encoder_;
    c.width = size_.width;
    c.height = size_.height;
    c.framerate = frameRate_;
    c.time_base = timeBase_;
    // 4:2:0, which every player decodes; H.264 cannot hold an odd size in it.
    const bool odd = size_.width % 2 != 0 || size_.height % 2 != 0;
    c.pix_fmt = codec.id == AV_CODEC_ID_H264 && odd ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;
    // JPEG's YCbCr is full range; the encoder refuses 4:2:0 that does not say so.
    if (codec.id == AV_CODEC_ID_MJPEG) c.color_range = AVCOL_RANGE_JPEG;
    if (codec.id == AV_CODEC_ID_MJPEG || codec.id == AV_CODEC_ID_MPEG4) {
        c.flags |= AV_CODEC_FLAG_QSCALE;
        c.global_quality = FF_QP2LAMBDA * kQuantiser;
    }
    // Memory is pictures and state held per thread. One thread per encoder: a hub records
    // many cameras, each on its own sink thread, so the cores are used anyway.
    c.thread_count = 1;
    if (globalHeader) c.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* options = nullptr;
    if (codec.id == AV_CODEC_ID_H264) {
        av_dict_set(&options, "preset", settings.preset.c_str(), 0);
        av_dict_set_int(&options, "crf", settings.crf, 0);
        // x264's presets look up to 60 frames ahead; every frame held is a picture in memory.
        av_dict_set_int(&options, "rc-lookahead", settings.lookahead, 0);
        // B-frames hold pictures back for reordering.
        c.max_b_frames = 0;
    }
    const int rc = avcodec_open2(&c, &codec, &options);
    // An option the encoder did not take (a misspelt preset is refused by x264 itself).
    const bool leftOver = av_dict_count(options) > 0;
    av_dict_free(&options);
    return rc >= 0 && leftOver ? AVERROR(EINVAL) : rc;
}

void AvEncoder::check(int rc, const char* doing) const {
    if (rc < 0)
        throw std::runtime_error("video " + path_ + ": " + errorText(rc) + " (" + doing + ")");
}

void AvEncoder::encode(const cv::Mat& bgr, std::int64_t pts, const PacketSink& out) {
    if (!bgr.empty()) {
        // The encoder may still hold the buffer (x264 looks ahead): then
        // av_frame_make_writable gives this picture a buffer of its own.
        check(av_frame_make_writable(picture_.get()), "allocating a frame");
        const std::uint8_t* source[1] = {bgr.data};
        const int stride[1] = {static_cast<int>(bgr.step)};
        sws_scale(scaler_.get(), source, stride, 0, size_.height, picture_->data,
                  picture_->linesize);
    }
    picture_->pts = pts;
    check(avcodec_send_frame(encoder_.get(), picture_.get()), "encoding a frame");
    drain(out);
}

void AvEncoder::flush(const PacketSink& out) {
    check(avcodec_send_frame(encoder_.get(), nullptr), "finishing the encoding");
    drain(out);
}

void AvEncoder::drain(const PacketSink& out) {
    // A packet lasts one frame at the nominal rate: containers take the last frame's
    // duration from it, the others' from the next timestamp.
    const std::int64_t duration = av_rescale_q(1, av_inv_q(frameRate_), timeBase_);
    for (;;) {
        const int rc = avcodec_receive_packet(encoder_.get(), packet_.get());
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
        check(rc, "encoding a frame");
        packet_->duration = std::max<std::int64_t>(duration, 1);
        out(*packet_, timeBase_);
        av_packet_unref(packet_.get());
    }
}

}  // namespace ng::sink::av
