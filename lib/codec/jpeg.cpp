// TurboJPEG calls for JpegEncoder and JpegDecoder, with buffers reused across frames.
#include "codec/jpeg.hpp"

#include <turbojpeg.h>

#include <climits>

namespace ng::codec {

namespace {

int tjSubsampling(Subsampling s) {
    switch (s) {
        case Subsampling::S444:
            return TJSAMP_444;
        case Subsampling::S422:
            return TJSAMP_422;
        case Subsampling::S420:
            break;
    }
    return TJSAMP_420;
}

int tjPixelFormat(int channels) {
    switch (channels) {
        case 1:
            return TJPF_GRAY;
        case 4:
            return TJPF_BGRA;
        default:
            return TJPF_BGR;
    }
}

std::string lastError(void* handle) {
    return tjGetErrorStr2(static_cast<tjhandle>(handle));
}

void* checkedHandle(tjhandle handle, const char* what) {
    if (!handle) throw JpegError(std::string("cannot start the JPEG ") + what + ": " +
                                 tjGetErrorStr2(nullptr));
    return handle;
}

// Copies what travels with the pixels from one frame to another.
void copyAccounting(const Frame& from, Frame& to) {
    to.seq = from.seq;
    to.captureTimeUs = from.captureTimeUs;
    to.data = from.data;
    to.nominalFps = from.nominalFps;
    to.sender = from.sender;
}

}  // namespace

Subsampling parseSubsampling(const std::string& text) {
    if (text == "444") return Subsampling::S444;
    if (text == "422") return Subsampling::S422;
    if (text == "420") return Subsampling::S420;
    throw std::invalid_argument("'" + text + "' is not a chroma subsampling: use 444, 422 or 420");
}

JpegEncoder::JpegEncoder(const JpegSettings& settings)
    : handle_(checkedHandle(tjInitCompress(), "encoder")), settings_(settings) {}

JpegEncoder::~JpegEncoder() { tjDestroy(static_cast<tjhandle>(handle_)); }

Frame JpegEncoder::encode(const Frame& raw) { return encode(raw, settings_.quality); }

Frame JpegEncoder::encode(const Frame& raw, int quality) {
    const bool gray = raw.shape.channels == 1;
    const int subsampling = gray ? TJSAMP_GRAY : tjSubsampling(settings_.subsampling);
    // The worst case for this size, so TurboJPEG never has to grow (reallocate) a buffer.
    const unsigned long capacity = tjBufSize(raw.shape.width, raw.shape.height, subsampling);
    if (capacity == static_cast<unsigned long>(-1)) {
        throw JpegError("cannot JPEG-encode a " + std::to_string(raw.shape.width) + "x" +
                        std::to_string(raw.shape.height) + " frame: " + lastError(nullptr));
    }
    std::uint8_t* out = nullptr;
    Frame encoded = pool_.acquireBytes(capacity, out);
    unsigned long size = capacity;
    // TurboJPEG picks the fast DCT unless told otherwise: ask for the accurate one unless
    // --jpeg-fast, or the flag would change nothing.
    int flags = TJFLAG_NOREALLOC;
    flags |= settings_.fast ? TJFLAG_FASTDCT : TJFLAG_ACCURATEDCT;
    if (tjCompress2(static_cast<tjhandle>(handle_), raw.pixels, raw.shape.width, 0,
                    raw.shape.height, tjPixelFormat(raw.shape.channels), &out, &size,
                    subsampling, quality, flags) != 0) {
        throw JpegError("cannot JPEG-encode frame " + std::to_string(raw.seq) + ": " +
                        lastError(handle_));
    }
    encoded.shape = {raw.shape.height, raw.shape.width, gray ? 1 : 3};
    encoded.codec = Codec::Jpeg;
    encoded.codedBytes = size;
    copyAccounting(raw, encoded);
    return encoded;
}

JpegDecoder::JpegDecoder() : handle_(checkedHandle(tjInitDecompress(), "decoder")) {}

JpegDecoder::~JpegDecoder() { tjDestroy(static_cast<tjhandle>(handle_)); }

FrameShape JpegDecoder::readShape(ByteView jpeg) {
    int width = 0, height = 0, subsampling = 0, colorspace = 0;
    if (jpeg.size > ULONG_MAX ||
        tjDecompressHeader3(static_cast<tjhandle>(handle_), jpeg.data,
                            static_cast<unsigned long>(jpeg.size), &width, &height,
                            &subsampling, &colorspace) != 0) {
        throw JpegError("not a JPEG stream (" + lastError(handle_) + ")");
    }
    if (width <= 0 || height <= 0) throw JpegError("a JPEG stream without a size");
    return {height, width, subsampling == TJSAMP_GRAY ? 1 : 3};
}

Frame JpegDecoder::decode(const Frame& jpegFrame) {
    const FrameShape shape = readShape({jpegFrame.pixels, jpegFrame.codedBytes});
    if (shape != jpegFrame.shape) {
        throw JpegError("frame " + std::to_string(jpegFrame.seq) + ": the JPEG is " +
                        std::to_string(shape.width) + "x" + std::to_string(shape.height) +
                        ", not the announced " + std::to_string(jpegFrame.shape.width) + "x" +
                        std::to_string(jpegFrame.shape.height));
    }
    std::uint8_t* pixels = nullptr;
    Frame decoded = pool_.acquire(shape, pixels);
    // A warning (a truncated or damaged stream) fails the decode: half a picture filled
    // with grey would pass for a frame.
    const int flags = TJFLAG_STOPONWARNING;
    if (tjDecompress2(static_cast<tjhandle>(handle_), jpegFrame.pixels,
                      static_cast<unsigned long>(jpegFrame.codedBytes), pixels, shape.width, 0,
                      shape.height, tjPixelFormat(shape.channels), flags) != 0) {
        throw JpegError("frame " + std::to_string(jpegFrame.seq) + ": corrupt JPEG (" +
                        lastError(handle_) + ")");
    }
    copyAccounting(jpegFrame, decoded);
    return decoded;
}

}  // namespace ng::codec
