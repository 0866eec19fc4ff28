// JPEG frames with libjpeg-turbo's TurboJPEG API: the sender's encoder, the receiver's
// header check and decoder.
#pragma once

#include <stdexcept>
#include <string>

#include "core/bytes.hpp"
#include "core/frame.hpp"
#include "core/frame_pool.hpp"

namespace ng::codec {

// A JPEG stream that cannot be read, or a frame that cannot be encoded.
class JpegError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Subsampling { S444, S422, S420 };

// From this quality up, TurboJPEG encodes with the accurate DCT whatever it is asked:
// the fast one would cost more fidelity than the quality promises.
inline constexpr int kAlwaysAccurateQuality = 96;

struct JpegSettings {
    int quality = 90;  // 1..100
    Subsampling subsampling = Subsampling::S420;
    // The fast integer DCT: slightly less exact, and quicker only on CPUs without AVX2,
    // for which libjpeg-turbo has code for the accurate DCT alone. Off, the encoder uses
    // the accurate one (TurboJPEG's own default below kAlwaysAccurateQuality is the fast one).
    bool fast = false;
};

// Encodes raw frames into pooled buffers that keep wire headroom, so the sender sends a
// JPEG as zero-copy as it sends pixels. Holds one TurboJPEG handle: use from one thread.
class JpegEncoder {
public:
    explicit JpegEncoder(const JpegSettings& settings);
    ~JpegEncoder();
    JpegEncoder(const JpegEncoder&) = delete;
    JpegEncoder& operator=(const JpegEncoder&) = delete;

    // A Jpeg frame with `raw`'s sequence number, capture time and data. Grayscale stays
    // grayscale; BGRA loses its alpha (JPEG has none). Throws JpegError.
    Frame encode(const Frame& raw);
    // The same at `quality` (1..100) instead of the settings' own (--max-bitrate).
    Frame encode(const Frame& raw, int quality);

private:
    void* handle_;
    JpegSettings settings_;
    FramePool pool_;
};

// Reads JPEG streams: their header (cheap, for checks on the receiving thread) and their
// pixels. Holds one TurboJPEG handle: use from one thread.
class JpegDecoder {
public:
    JpegDecoder();
    ~JpegDecoder();
    JpegDecoder(const JpegDecoder&) = delete;
    JpegDecoder& operator=(const JpegDecoder&) = delete;

    // The shape the stream decodes to: 1 channel for a grayscale JPEG, else 3 (BGR).
    // Throws JpegError when the bytes do not begin a JPEG stream.
    FrameShape readShape(ByteView jpeg);

    // The pixels of a Jpeg frame, in a pooled buffer, with the frame's accounting. Throws
    // JpegError on a corrupt or truncated stream, or one whose size is not frame.shape.
    Frame decode(const Frame& jpegFrame);

private:
    void* handle_;
    FramePool pool_;
};

// "444", "422" or "420", as the command line spells them; throws
// std::invalid_argument naming the accepted values.
Subsampling parseSubsampling(const std::string& text);

}  // namespace ng::codec
