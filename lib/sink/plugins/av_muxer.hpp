// AvMuxer: one video file written through libavformat: header, packets, trailer.
#pragma once

#include <cstdint>
#include <string>

#include "av_common.hpp"

namespace ng::sink::av {

// Owns the AVFormatContext and the file of one video stream. Every error comes back as an
// exception naming the file and what was being done; after one, finish() only releases.
//
// A crash (SIGKILL, power loss) loses what the muxer still buffers: Matroska holds the
// open cluster, which is cut every second here, and the file buffer is flushed with every
// packet; mp4 and mov write their index only in finish(), so their open file is lost.
class AvMuxer {
public:
    // Allocates the muxer the extension of `path` names. Throws std::runtime_error.
    explicit AvMuxer(const std::string& path);
    ~AvMuxer();
    AvMuxer(const AvMuxer&) = delete;
    AvMuxer& operator=(const AvMuxer&) = delete;

    // True when the container wants codec headers out of band (the encoder's global header).
    bool wantsGlobalHeader() const;

    // Adds the one video stream with `params` at `timeBase`, creates the file and writes
    // the header. Afterwards timeBase() is the stream's (the muxer may choose another).
    void open(const AVCodecParameters& params, AVRational timeBase, AVRational frameRate);

    // Writes `packet` (timestamps in `from`); the muxer takes its data.
    void write(AVPacket& packet, AVRational from);

    // Writes the trailer and closes the file; idempotent. After an error only releases.
    void finish();

    std::uint64_t bytesWritten() const;
    const std::string& path() const { return path_; }

private:
    [[noreturn]] void fail(int rc, const char* doing);

    std::string path_;
    AVFormatContext* format_ = nullptr;
    AVStream* stream_ = nullptr;  // owned by format_
    bool headerWritten_ = false;
    bool failed_ = false;
    std::uint64_t bytes_ = 0;  // known after finish()
};

}  // namespace ng::sink::av
