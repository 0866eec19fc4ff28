// The frame message, its pixel part zero-copy where the frame allows, and one-part messages.
#include "transport/frame_message.hpp"

#include <cstring>
#include <memory>

#include "transport/queued_bytes.hpp"

namespace ng::transport::detail {

namespace {

// Called by libzmq, on its I/O thread, when a zero-copy message no longer needs the
// frame's buffer: drops the reference that kept the buffer alive until then.
void releaseOwner(void* /*data*/, void* hint) {
    delete static_cast<std::shared_ptr<const void>*>(hint);
}

zmq::message_t messageOf(const wire::Bytes& bytes) {
    return zmq::message_t(bytes.data(), bytes.size());
}

// Part 2 of a frame message: the ndarray prefix directly followed by the pixels, or by
// the JPEG stream of a compressed frame (a 1-D byte array).
// The dialects that frame with JSON send the bare bytes: no prefix.
zmq::message_t pixelPart(const Frame& frame, QueuedBytes* queued, bool ndarray) {
    const wire::NdarrayPrefix prefix = !ndarray ? wire::NdarrayPrefix{}
                                       : frame.codec == Codec::Raw
                                           ? wire::encodeNdarrayPrefix(frame.shape)
                                           : wire::encodeByteArrayPrefix(frame.codedBytes);
    const std::size_t pixelBytes = frame.payloadBytes();
    // Without an owner nothing would keep the pixels alive once send() returns, so the
    // zero-copy path needs one as much as it needs the headroom.
    if (frame.owner && frame.headroom >= prefix.size) {
        // Frame::headroom promises these bytes are writable and this frame's own, reserved
        // for this prefix, so casting the const away is sound. Copies of the frame share
        // the buffer, and every send of it writes the same bytes there.
        auto* start = const_cast<std::uint8_t*>(frame.pixels) - prefix.size;
        std::memcpy(start, prefix.bytes.data(), prefix.size);
        const std::size_t size = prefix.size + pixelBytes;
        if (queued) {
            return zmq::message_t(start, size, QueuedBytes::release,
                                  queued->hold(frame.owner, size));
        }
        auto keepAlive = std::make_unique<std::shared_ptr<const void>>(frame.owner);
        zmq::message_t part(start, size, releaseOwner, keepAlive.get());
        static_cast<void>(keepAlive.release());  // the message owns it now
        return part;
    }
    zmq::message_t part(prefix.size + pixelBytes);
    auto* out = static_cast<std::uint8_t*>(part.data());
    std::memcpy(out, prefix.bytes.data(), prefix.size);
    if (pixelBytes != 0) std::memcpy(out + prefix.size, frame.pixels, pixelBytes);
    return part;
}

}  // namespace

std::vector<zmq::message_t> frameMessage(const Frame& frame, const wire::DataValue& data,
                                         bool biMode, QueuedBytes* queued,
                                         const SenderIdentity& sender,
                                         const wire::Dialect& dialect, int pattern) {
    wire::Header header;
    header.biMode = biMode;
    header.data = data;
    header.seq = frame.seq;
    header.captureTimeUs = frame.captureTimeUs;
    header.codec = frame.codec;
    if (frame.nominalFps > 0) header.nominalFps = frame.nominalFps;
    if (!sender.name.empty()) header.name = sender.name;
    if (!sender.instance.empty()) header.instance = sender.instance;
    std::vector<zmq::message_t> message;
    message.push_back(
        messageOf(dialect.encodeFrameHeader(header, frame.shape, frame.codedBytes, pattern)));
    message.push_back(pixelPart(frame, queued, dialect.ndarrayPayload()));
    return message;
}

std::vector<zmq::message_t> singlePart(const wire::Bytes& bytes) {
    std::vector<zmq::message_t> message;
    message.push_back(messageOf(bytes));
    return message;
}

}  // namespace ng::transport::detail
