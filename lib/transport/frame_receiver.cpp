// FrameReceiver: receives frames zero-copy; the pattern's policy sends the answers, if any.
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "codec/jpeg.hpp"
#include "core/errors.hpp"
#include "transport/channel.hpp"
#include "transport/pattern.hpp"
#include "transport/zmq_channel.hpp"

namespace ng::transport {

using detail::Deadline;
using detail::WaitResult;

namespace {

// The sender's IP address, which libzmq attaches to messages that came over tcp. Over ipc
// it attaches "localhost:UID:GID:PID" instead, which is not an address: "" there.
std::string peerAddress(const zmq::message_t& part, Protocol protocol) {
    if (protocol != Protocol::Tcp) return "";
    const char* peer = zmq_msg_gets(part.handle(), "Peer-Address");
    return peer ? peer : "";
}

}  // namespace

struct FrameReceiver::Impl {
    Impl(const ChannelConfig& config, const std::atomic<bool>& stop, ReplyProvider replies)
        : channel(config, detail::Role::Receiver, stop),
          receiverId(wire::makeReceiverId()),
          policy(channel.pattern().makeReceiver(channel, receiverId, std::move(replies))) {}

    std::optional<Received> receive(Millis wait);
    Received handle(std::vector<zmq::message_t>& parts);
    Received acceptFrame(Received event, const wire::Header& header, zmq::message_t&& pixels);
    FrameShape checkJpeg(ByteView jpeg);
    Received refuse(Received event, std::string why);

    detail::Channel channel;
    std::string receiverId;
    // Declared after the channel and the id it uses, so it is destroyed first.
    std::unique_ptr<detail::ReceiverPolicy> policy;
    // Reads the headers of JPEG frames; made on the first one.
    std::unique_ptr<codec::JpegDecoder> jpegHeaders;
};

std::optional<Received> FrameReceiver::Impl::receive(Millis wait) {
    std::vector<zmq::message_t> parts;
    if (channel.receive(parts, Deadline::after(wait)) != WaitResult::Ready) {
        return std::nullopt;
    }
    return handle(parts);
}

Received FrameReceiver::Impl::handle(std::vector<zmq::message_t>& parts) {
    Received event;
    event.peer = peerAddress(parts.front(), channel.config().endpoint.protocol);

    wire::Header header;
    try {
        header = wire::decodeHeader(detail::viewOf(parts.front()));
    } catch (const ProtocolError& e) {
        return refuse(std::move(event), fmt::format("bad header: {}", e.what()));
    }
    event.senderBiMode = header.biMode;

    if (header.terminate) {
        policy->terminateTaken();
        event.kind = Received::Kind::Terminate;
        return event;
    }
    policy->checkMode(header.biMode);
    if (parts.size() != 2) {
        return refuse(std::move(event),
                      fmt::format("a frame message has {} part(s) instead of 2", parts.size()));
    }
    return acceptFrame(std::move(event), header, std::move(parts[1]));
}

Received FrameReceiver::Impl::acceptFrame(Received event, const wire::Header& header,
                                          zmq::message_t&& pixels) {
    // Move the part to the heap before taking its address: libzmq keeps a small message's
    // bytes inside the zmq_msg_t itself, so they move whenever the message_t does.
    auto payload = std::make_shared<zmq::message_t>(std::move(pixels));
    Frame& frame = event.frame;
    try {
        if (header.codec == Codec::Raw) {
            const wire::NdarrayView ndarray =
                wire::decodeNdarray(detail::viewOf(*payload), channel.config().maxFrameBytes);
            frame.shape = ndarray.shape;
            frame.pixels = ndarray.pixels;
        } else {
            // Only the header is read here; the pixels are decoded where they are needed.
            const ByteView jpeg =
                wire::decodeByteArray(detail::viewOf(*payload), channel.config().maxFrameBytes);
            frame.shape = checkJpeg(jpeg);
            frame.pixels = jpeg.data;
            frame.codec = header.codec;
            frame.codedBytes = jpeg.size;
        }
    } catch (const ProtocolError& e) {
        return refuse(std::move(event), fmt::format("bad frame: {}", e.what()));
    } catch (const codec::JpegError& e) {
        return refuse(std::move(event), fmt::format("bad JPEG frame: {}", e.what()));
    }

    policy->frameTaken(header.codec);

    event.kind = Received::Kind::Frame;
    frame.owner = std::move(payload);  // the pixels live as long as any copy of the frame
    // A sender other than ngsend (vidgear) sends neither: both stay 0, and a caller that
    // needs numbering counts frames itself.
    frame.seq = header.seq.value_or(0);
    frame.captureTimeUs = header.captureTimeUs.value_or(0);
    frame.nominalFps = header.nominalFps.value_or(0);
    frame.data = header.data.text;
    return event;
}

// The shape a JPEG frame decodes to, bounded like a raw frame's by --max-frame-size.
FrameShape FrameReceiver::Impl::checkJpeg(ByteView jpeg) {
    if (!jpegHeaders) jpegHeaders = std::make_unique<codec::JpegDecoder>();
    const FrameShape shape = jpegHeaders->readShape(jpeg);
    if (shape.bytes() > channel.config().maxFrameBytes) {
        throw codec::JpegError(fmt::format("a {}x{} picture is over the limit of {} bytes",
                                           shape.width, shape.height,
                                           channel.config().maxFrameBytes));
    }
    return shape;
}

Received FrameReceiver::Impl::refuse(Received event, std::string why) {
    policy->refused();
    spdlog::debug("refused a message from {}: {}",
                  event.peer.empty() ? channel.endpoint() : event.peer, why);
    event.kind = Received::Kind::Invalid;
    event.error = std::move(why);
    return event;
}

FrameReceiver::FrameReceiver(const ChannelConfig& config, const std::atomic<bool>& stop,
                             ReplyProvider replies)
    : impl_(std::make_unique<Impl>(config, stop, std::move(replies))) {}

FrameReceiver::~FrameReceiver() = default;

std::optional<Received> FrameReceiver::receive(Millis wait) { return impl_->receive(wait); }

std::string FrameReceiver::endpoint() const { return impl_->channel.endpoint(); }

const std::string& FrameReceiver::receiverId() const { return impl_->receiverId; }

}  // namespace ng::transport
