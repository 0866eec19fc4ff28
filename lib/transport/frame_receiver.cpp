// FrameReceiver: receives frames zero-copy and gives NetGear_Async's per-frame answers.
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "codec/jpeg.hpp"
#include "core/errors.hpp"
#include "transport/channel.hpp"
#include "transport/ipc_path.hpp"
#include "transport/zmq_socket.hpp"

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
    Impl(const ChannelConfig& cfg, const std::atomic<bool>& stopFlag, ReplyProvider provider)
        : config(cfg),
          stop(stopFlag),
          replies(std::move(provider)),
          socket(detail::openSocket(context, config, detail::Role::Receiver)),
          endpoint(detail::actualEndpoint(socket, config.endpoint)),
          receiverId(wire::makeReceiverId()) {
        ipcFile.arm(config.endpoint);
    }

    std::optional<Received> receive(Millis wait);
    Received handle(std::vector<zmq::message_t>& parts);
    Received acceptFrame(Received event, const wire::Header& header, zmq::message_t&& pixels);
    FrameShape checkJpeg(ByteView jpeg);
    void answerFrame(Codec codec);
    Received refuse(Received event, std::string why);
    [[noreturn]] void refuseModeMismatch();
    void answer(const wire::Bytes& bytes);

    ChannelConfig config;
    const std::atomic<bool>& stop;
    ReplyProvider replies;
    // Reads the headers of JPEG frames; made on the first one.
    std::unique_ptr<codec::JpegDecoder> jpegHeaders;
    // Destruction runs upwards: the socket closes, the context ends (closing the
    // listener), and only then can the ipc socket file go.
    detail::IpcFileRemover ipcFile;
    zmq::context_t context;
    zmq::socket_t socket;
    std::string endpoint;
    std::string receiverId;
};

std::optional<Received> FrameReceiver::Impl::receive(Millis wait) {
    std::vector<zmq::message_t> parts;
    if (detail::receiveMessage(socket, parts, Deadline::after(wait), &stop) != WaitResult::Ready) {
        return std::nullopt;
    }
    return handle(parts);
}

Received FrameReceiver::Impl::handle(std::vector<zmq::message_t>& parts) {
    Received event;
    event.peer = peerAddress(parts.front(), config.endpoint.protocol);

    wire::Header header;
    try {
        header = wire::decodeHeader(detail::viewOf(parts.front()));
    } catch (const ProtocolError& e) {
        return refuse(std::move(event), fmt::format("bad header: {}", e.what()));
    }
    event.senderBiMode = header.biMode;

    if (header.terminate) {
        answer(wire::encodeTerminateAck(receiverId));
        event.kind = Received::Kind::Terminate;
        return event;
    }
    if (answersEachFrame(config.pattern) && header.biMode != config.bidirectional) {
        refuseModeMismatch();
    }
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
                wire::decodeNdarray(detail::viewOf(*payload), config.maxFrameBytes);
            frame.shape = ndarray.shape;
            frame.pixels = ndarray.pixels;
        } else {
            // Only the header is read here; the pixels are decoded where they are needed.
            const ByteView jpeg =
                wire::decodeByteArray(detail::viewOf(*payload), config.maxFrameBytes);
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

    answerFrame(header.codec);

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
    if (shape.bytes() > config.maxFrameBytes) {
        throw codec::JpegError(fmt::format("a {}x{} picture is over the limit of {} bytes",
                                           shape.width, shape.height, config.maxFrameBytes));
    }
    return shape;
}

// Should the ReplyProvider throw, the sender is answered all the same (a REP socket cannot
// receive again before it answers) and the error goes on to the caller. A compressed
// frame's reply says it was understood (only ngsend sends those, and only it reads that).
void FrameReceiver::Impl::answerFrame(Codec codec) {
    if (!answersEachFrame(config.pattern)) return;
    if (!config.bidirectional) {
        answer(wire::encodePlainAck(receiverId));
        return;
    }
    wire::DataValue value = wire::DataValue::none();
    if (replies) {
        try {
            value = replies();
        } catch (...) {
            answer(wire::encodeReply(wire::DataValue::none(), codec));
            throw;
        }
    }
    answer(wire::encodeReply(value, codec));
}

// A message we cannot use still gets its answer, or a REQ sender would wait out its
// timeout (and a REP socket cannot receive again before it answers). The ReplyProvider
// is not asked: its reply (perhaps the next line of stdin) belongs to a real frame.
Received FrameReceiver::Impl::refuse(Received event, std::string why) {
    answer(config.bidirectional ? wire::encodeReply(wire::DataValue::none())
                                : wire::encodePlainAck(receiverId));
    spdlog::debug("refused a message from {}: {}", event.peer.empty() ? endpoint : event.peer, why);
    event.kind = Received::Kind::Invalid;
    event.error = std::move(why);
    return event;
}

// NetGear_Async raises "Bidirectional Mode is not activate on {client|server} end" here, but
// names the client (receiver) whenever the receiver has the mode on, which is the end where
// it is active. We say the same thing in its terms (server = sender, client = receiver) and
// name the end where the mode is really off.
void FrameReceiver::Impl::refuseModeMismatch() {
    // A plain confirmation first, so the sender is not left waiting for an answer.
    answer(wire::encodePlainAck(receiverId));
    if (config.bidirectional) {
        throw ProtocolError(
            "invalid configuration: bidirectional mode is not active on the sender (server) "
            "end: it is on here but off at the sender (start ngsend with --bidirectional, or "
            "drop it here)");
    }
    throw ProtocolError(
        "invalid configuration: bidirectional mode is not active on the receiver (client) "
        "end: it is on at the sender but off here (start ngrecv with --bidirectional, or drop "
        "it at the sender)");
}

void FrameReceiver::Impl::answer(const wire::Bytes& bytes) {
    if (!answersEachFrame(config.pattern)) return;
    std::vector<zmq::message_t> message;
    message.emplace_back(bytes.data(), bytes.size());
    // REP can always answer at once; PAIR waits while the sender's queue is full.
    const WaitResult sent =
        detail::sendMessage(socket, message, Deadline::forTimeout(config.timeout), &stop);
    if (sent != WaitResult::Ready) spdlog::warn("could not answer the sender at {}", endpoint);
}

FrameReceiver::FrameReceiver(const ChannelConfig& config, const std::atomic<bool>& stop,
                             ReplyProvider replies)
    : impl_(std::make_unique<Impl>(config, stop, std::move(replies))) {}

FrameReceiver::~FrameReceiver() = default;

std::optional<Received> FrameReceiver::receive(Millis wait) { return impl_->receive(wait); }

std::string FrameReceiver::endpoint() const { return impl_->endpoint; }

const std::string& FrameReceiver::receiverId() const { return impl_->receiverId; }

}  // namespace ng::transport
