// FrameReceiver: receives frames zero-copy; the pattern's policy sends the answers, if any.
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <set>

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
          dialect(wire::dialectFor(config.dialect)),
          receiverId(wire::makeReceiverId()),
          policy(channel.pattern().makeReceiver(channel, receiverId, std::move(replies))) {}

    std::optional<Received> receive(Millis wait);
    std::optional<Received> cutOff(const std::vector<zmq::message_t>& parts);
    Received cutOffEvent();
    Received handle(std::vector<zmq::message_t>& parts);
    Received acceptFrame(Received event, const wire::SenderMessage& message,
                         zmq::message_t&& pixels);
    [[noreturn]] void refuseDialect(wire::DialectKind spoken, const std::string& why);
    FrameShape checkJpeg(ByteView jpeg);
    Received refuse(Received event, std::string why);
    void tellTurnedAway();
    void letTurnedAwayIn();
    Received refuseTooLarge(Received event, const wire::Header& header, std::string size,
                            std::optional<FrameShape> shape);

    detail::Channel channel;
    const wire::Dialect& dialect;  // --wire
    std::string receiverId;
    // Declared after the channel and the id it uses, so it is destroyed first.
    std::unique_ptr<detail::ReceiverPolicy> policy;
    // Reads the headers of JPEG frames; made on the first one.
    std::unique_ptr<codec::JpegDecoder> jpegHeaders;
    // A message received but not handled yet: the next receive() returns it.
    std::vector<zmq::message_t> held;
    // Connections that came back at once, not yet judged (cutOff()).
    int suspectedCutOffs = 0;
    // A sender that sends the same frames again on each new connection (PAIR's and REQ's
    // lazy pirate) gets no message through when the first is oversized: this many quick
    // reconnects without a message between them are cut-offs without waiting for one.
    static constexpr int kCutOffsWithoutMessage = 3;
    // The number of the last frame whose header was read, taken or refused.
    std::optional<std::uint64_t> lastSeq;
    // The sender names met so far (cutOff()).
    std::set<std::string> namesSeen;
    // Whether a frame without number or name (a vidgear sender) came yet (cutOff()).
    bool anonymousSeen = false;
    // Second senders a PAIR socket turned away, already told.
    std::uint64_t turnedAway = 0;
    // When the last message came, and the connections ended by then (letTurnedAwayIn()).
    SteadyClock::time_point lastMessage = SteadyClock::now();
    std::uint64_t lossesByLastMessage = 0;
    // How long a PAIR receiver that lost a connection waits for a message before it binds
    // again: a sender that only paused, or reconnected fine, is heard from within it.
    static constexpr Millis kTurnedAwayGrace{1000};
};

// A PAIR socket lets in one peer. One it turned away stays connected but unheard, even once
// the peer it kept is gone: a sender that reconnected after a cut before its old connection
// was dropped here, or a second sender. So when a connection ended and nothing came since,
// binding again closes every connection, and the first sender to connect again is let in.
void FrameReceiver::Impl::letTurnedAwayIn() {
    if (!channel.pattern().takesOneSender() ||
        channel.monitor().losses() == lossesByLastMessage ||
        SteadyClock::now() - lastMessage < kTurnedAwayGrace) {
        return;
    }
    spdlog::info("{}: the PAIR sender's connection ended and nothing came since: binding again, "
                 "so that a sender connecting now is let in",
                 channel.endpoint());
    channel.reopen();
    lossesByLastMessage = 0;
    lastMessage = SteadyClock::now();
    turnedAway = 0;
}

// libzmq's PAIR socket keeps its first peer and ignores any other, silently; the user is
// told here, and the other sender learns it from its timeout.
void FrameReceiver::Impl::tellTurnedAway() {
    if (!channel.pattern().takesOneSender()) return;
    const std::uint64_t crowded = channel.monitor().crowdedArrivals();
    if (crowded == turnedAway) return;
    if (turnedAway == 0) {
        spdlog::warn(
            "refused a second sender on {}: PAIR (--pattern 0) takes one sender; for many "
            "senders use --pattern 1, 2 or 3 at both ends",
            channel.endpoint());
    }
    turnedAway = crowded;
}

std::optional<Received> FrameReceiver::Impl::receive(Millis wait) {
    std::vector<zmq::message_t> parts;
    if (!held.empty()) {
        parts.swap(held);
    } else if (channel.receive(parts, Deadline::after(wait)) != WaitResult::Ready) {
        suspectedCutOffs += channel.monitor().quickReconnects();
        tellTurnedAway();
        if (suspectedCutOffs >= kCutOffsWithoutMessage) return cutOffEvent();
        letTurnedAwayIn();
        return std::nullopt;
    }
    suspectedCutOffs += channel.monitor().quickReconnects();
    lastMessage = SteadyClock::now();
    lossesByLastMessage = channel.monitor().losses();
    tellTurnedAway();
    // A sender cut off before this message came is told first, so that it is counted even
    // when this message ends the run.
    if (std::optional<Received> event = cutOff(parts)) {
        held.swap(parts);
        return event;
    }
    return handle(parts);
}

// libzmq drops a message over ZMQ_MAXMSGSIZE together with its connection, and says
// nothing of it but that the connection ended; the sender's libzmq then connects again at
// once. A connection that comes back that soon is suspected to be that, and the first
// message after it decides: a sender that goes on where it was (or that does not number
// its frames, as vidgear) was cut off; one whose numbering began again is a new sender,
// restarted as fast.
std::optional<Received> FrameReceiver::Impl::cutOff(const std::vector<zmq::message_t>& parts) {
    if (suspectedCutOffs == 0) return std::nullopt;
    std::optional<std::uint64_t> seq;
    bool terminate = false;
    bool newName = false;
    try {
        const wire::Header header = dialect.decodeMessage(detail::viewOf(parts.front())).header;
        terminate = header.terminate;
        // Without a sequence number (imagezmq, NetGear), a name not seen before is a sender
        // that just came, not one cut off; so is the first sender with neither (vidgear's),
        // who may connect just as a named sender leaves.
        newName = header.name ? namesSeen.count(*header.name) == 0
                              : !header.seq && !anonymousSeen;
        seq = terminate ? wire::decodeTerminateLastSeq(detail::viewOf(parts.front())) : header.seq;
    } catch (const ProtocolError&) {
        // Judged as a sender that does not number its frames; handle() refuses it.
    }
    // The end-of-stream message names the last frame, which the cut-off one was at least.
    const bool restarted =
        seq ? (lastSeq ? *seq <= *lastSeq : (!terminate && *seq == 0)) : newName;
    if (restarted) {
        spdlog::debug("a new sender connected right after one left");
        suspectedCutOffs = 0;
        return std::nullopt;
    }
    return cutOffEvent();
}

Received FrameReceiver::Impl::cutOffEvent() {
    --suspectedCutOffs;
    Received event;
    event.kind = Received::Kind::CutOff;
    event.error = fmt::format(
        "a sender at {} was cut off: its message exceeded {} bytes, the most this receiver "
        "reads with --max-frame-size of {} bytes; raise --max-frame-size (WxHxC)",
        channel.endpoint(), detail::readableMessageBytes(channel.config()),
        channel.config().maxFrameBytes);
    return event;
}

Received FrameReceiver::Impl::handle(std::vector<zmq::message_t>& parts) {
    Received event;
    event.peer = peerAddress(parts.front(), channel.config().endpoint.protocol);
    event.connectedPeers = channel.monitor().connectedPeers();

    wire::SenderMessage message;
    try {
        message = dialect.decodeMessage(detail::viewOf(parts.front()));
    } catch (const ProtocolError& e) {
        const std::optional<wire::DialectKind> spoken =
            wire::sniffDialect(detail::viewOf(parts.front()));
        if (spoken && *spoken != dialect.kind()) refuseDialect(*spoken, e.what());
        return refuse(std::move(event), fmt::format("bad header: {}", e.what()));
    }
    const wire::Header& header = message.header;
    if (!header.terminate && header.seq) lastSeq = header.seq;
    if (header.name) namesSeen.insert(*header.name);
    if (!header.name && !header.seq) anonymousSeen = true;
    event.senderName = header.name.value_or("");
    event.senderInstance = header.instance.value_or("");

    if (header.terminate) {
        try {
            event.lastSeq = wire::decodeTerminateLastSeq(detail::viewOf(parts.front()));
        } catch (const ProtocolError& e) {
            // The stream ends all the same; only the count of frames lost at its end is
            // unknown.
            spdlog::warn("the end-of-stream message has a bad extension, ignored: {}", e.what());
        }
        policy->terminateTaken();
        event.kind = Received::Kind::Terminate;
        return event;
    }
    policy->checkMode(header.biMode);
    if (parts.size() != 2) {
        return refuse(std::move(event),
                      fmt::format("a frame message has {} part(s) instead of 2", parts.size()));
    }
    return acceptFrame(std::move(event), message, std::move(parts[1]));
}

// A sender that speaks another dialect would only ever send messages we refuse: end the
// stream at once, saying which --wire it needs. It is answered first (in our dialect) so a
// waiting REQ socket is not left hanging.
void FrameReceiver::Impl::refuseDialect(wire::DialectKind spoken, const std::string& why) {
    policy->refused(wire::Notice{});
    throw ProtocolError(fmt::format(
        "a sender on {} does not speak {} (--wire {}): {}; this looks like {}; use --wire {} "
        "at this end, or --wire {} at the sender",
        channel.endpoint(), dialect.name(), dialect.name(), why, wire::dialectName(spoken),
        wire::dialectName(spoken), dialect.name()));
}

Received FrameReceiver::Impl::acceptFrame(Received event, const wire::SenderMessage& message,
                                          zmq::message_t&& pixels) {
    const wire::Header& header = message.header;
    // Move the part to the heap before taking its address: libzmq keeps a small message's
    // bytes inside the zmq_msg_t itself, so they move whenever the message_t does.
    auto payload = std::make_shared<zmq::message_t>(std::move(pixels));
    Frame& frame = event.frame;
    // Known before the frame is read, so that a refused frame is accounted for too.
    frame.seq = header.seq.value_or(0);
    frame.captureTimeUs = header.captureTimeUs.value_or(0);
    frame.nominalFps = header.nominalFps.value_or(0);
    const std::size_t limit = channel.config().maxFrameBytes;
    try {
        if (message.barePayload && header.codec == Codec::Raw) {
            // The header gave the shape; the part holds exactly its pixels.
            if (message.shape.bytes() > limit) {
                return refuseTooLarge(std::move(event), header,
                                      fmt::format("{} bytes", message.shape.bytes()),
                                      message.shape);
            }
            if (payload->size() != message.shape.bytes()) {
                throw ProtocolError(fmt::format("{} bytes of pixels for a {}x{}x{} image",
                                                payload->size(), message.shape.width,
                                                message.shape.height, message.shape.channels));
            }
            frame.shape = message.shape;
            frame.pixels = static_cast<const std::uint8_t*>(payload->data());
        } else if (header.codec == Codec::Raw) {
            const wire::NdarrayView ndarray =
                wire::decodeNdarray(detail::viewOf(*payload), channel.config().maxFrameBytes);
            frame.shape = ndarray.shape;
            frame.pixels = ndarray.pixels;
        } else {
            // Only the header is read here; the pixels are decoded where they are needed.
            const ByteView jpeg =
                message.barePayload
                    ? detail::viewOf(*payload)
                    : wire::decodeByteArray(detail::viewOf(*payload),
                                            channel.config().maxFrameBytes);
            frame.shape = checkJpeg(jpeg);
            if (frame.shape.bytes() > limit) {
                return refuseTooLarge(std::move(event), header,
                                      fmt::format("{} bytes decoded", frame.shape.bytes()),
                                      frame.shape);
            }
            frame.pixels = jpeg.data;
            frame.codec = header.codec;
            frame.codedBytes = jpeg.size;
        }
    } catch (const ProtocolError& e) {
        // A whole, valid frame over the limit is one lost to this end's settings; a claim
        // that its bytes do not back is a malformed message.
        if (!message.barePayload && header.codec == Codec::Raw && payload->size() > limit) {
            std::optional<FrameShape> shape;
            try {
                shape = wire::decodeNdarray(detail::viewOf(*payload), payload->size()).shape;
            } catch (const ProtocolError&) {
            }
            if (shape) {
                return refuseTooLarge(std::move(event), header,
                                      fmt::format("{} bytes", payload->size()), shape);
            }
        }
        return refuse(std::move(event), fmt::format("bad frame: {}", e.what()));
    } catch (const codec::JpegError& e) {
        return refuse(std::move(event), fmt::format("bad JPEG frame: {}", e.what()));
    }

    policy->frameTaken(header.codec);

    event.kind = Received::Kind::Frame;
    frame.owner = std::move(payload);  // the pixels live as long as any copy of the frame
    // A sender other than ngsend (vidgear) sends no seq or capture time: both stay 0, and a
    // caller that needs numbering counts frames itself.
    frame.data = header.data.text;
    return event;
}

// The shape a JPEG frame decodes to (the caller bounds it by --max-frame-size).
FrameShape FrameReceiver::Impl::checkJpeg(ByteView jpeg) {
    if (!jpegHeaders) jpegHeaders = std::make_unique<codec::JpegDecoder>();
    return jpegHeaders->readShape(jpeg);
}

Received FrameReceiver::Impl::refuse(Received event, std::string why) {
    policy->refused(wire::Notice{});
    spdlog::debug("refused a message from {}: {}",
                  event.peer.empty() ? channel.endpoint() : event.peer, why);
    event.kind = Received::Kind::Invalid;
    event.error = std::move(why);
    return event;
}

// A frame over --max-frame-size is a frame lost by this end's settings, not a broken
// sender: the answer tells the sender why (ng_refused), in words that name the fix.
Received FrameReceiver::Impl::refuseTooLarge(Received event, const wire::Header& header,
                                             std::string size, std::optional<FrameShape> shape) {
    const std::size_t limit = channel.config().maxFrameBytes;
    const std::string frame = header.seq ? fmt::format("frame {}", *header.seq) : "a frame";
    const std::string what = shape ? fmt::format("{} is {}x{}x{} ({})", frame, shape->width,
                                                 shape->height, shape->channels, size)
                                   : fmt::format("{} has {}", frame, size);
    const std::string fix = shape ? fmt::format("--max-frame-size {}x{}x{} or more", shape->width,
                                                shape->height, shape->channels)
                                  : std::string("a larger --max-frame-size");
    wire::Notice notice;
    notice.refused = fmt::format(
        "{}, over the receiver's --max-frame-size of {} bytes; start ngrecv with {}, or send "
        "smaller frames",
        what, limit, fix);
    policy->refused(notice);
    event.kind = Received::Kind::TooLarge;
    event.error = notice.refused;
    return event;
}

FrameReceiver::FrameReceiver(const ChannelConfig& config, const std::atomic<bool>& stop,
                             ReplyProvider replies)
    : impl_(std::make_unique<Impl>(config, stop, std::move(replies))) {}

FrameReceiver::~FrameReceiver() = default;

std::optional<Received> FrameReceiver::receive(Millis wait) { return impl_->receive(wait); }

std::string FrameReceiver::endpoint() const { return impl_->channel.endpoint(); }

void FrameReceiver::stopAfter(std::uint64_t frames) { impl_->policy->stopAfter(frames); }

const std::string& FrameReceiver::receiverId() const { return impl_->receiverId; }

std::uint64_t FrameReceiver::refusedPeers() const { return impl_->channel.refusedPeers(); }

std::uint64_t FrameReceiver::heartbeatLosses() const { return impl_->channel.heartbeatLosses(); }

std::string FrameReceiver::securityProblem() const { return impl_->channel.securityProblem(); }

bool FrameReceiver::streamsEnd() const { return impl_->dialect.hasStreamEnd(); }

}  // namespace ng::transport
