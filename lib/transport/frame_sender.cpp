// FrameSender: sends frames zero-copy; the pattern's policy decides the waits around each one.
#include <spdlog/fmt/fmt.h>

#include <stdexcept>
#include <vector>

#include "core/errors.hpp"
#include "transport/channel.hpp"
#include "transport/frame_message.hpp"
#include "transport/pattern.hpp"
#include "transport/zmq_channel.hpp"

namespace ng::transport {

using detail::Deadline;
using detail::WaitResult;

struct FrameSender::Impl {
    Impl(const ChannelConfig& config, const std::atomic<bool>& stop)
        : channel(config, detail::Role::Sender, stop),
          policy(channel.pattern().makeSender(channel)),
          identity{config.senderName, wire::makeSenderInstance()} {}

    std::optional<wire::Reply> send(const Frame& frame, const wire::DataValue& data);
    bool awaitRoom();
    std::optional<std::string> terminate();
    [[noreturn]] void throwNotTaken();

    detail::Channel channel;
    // Declared after the channel it uses, so it is destroyed first.
    std::unique_ptr<detail::SenderPolicy> policy;
    bool terminated = false;
    std::size_t lastFrameBytes = 0;  // what awaitRoom() makes room for
    // The sequence number of the last frame that went out, told in the end-of-stream
    // message so the receiver can count what it lost after its last frame.
    std::optional<std::uint64_t> lastSeq;
    // Sent with every frame and the end-of-stream message, so a receiver of many senders
    // tells them apart.
    detail::SenderIdentity identity;
};

std::optional<wire::Reply> FrameSender::Impl::send(const Frame& frame,
                                                   const wire::DataValue& data) {
    if (terminated) throw std::logic_error("FrameSender::send() after terminate()");
    if (frame.empty()) throw std::logic_error("FrameSender::send() of a frame without pixels");

    const ChannelConfig& config = channel.config();
    const Deadline deadline = Deadline::forTimeout(config.timeout);
    lastFrameBytes = frame.payloadBytes();
    WaitResult outcome = policy->beforeSend(lastFrameBytes, deadline);
    if (outcome == WaitResult::Ready) {
        std::vector<zmq::message_t> message =
            detail::frameMessage(frame, data, config.bidirectional, policy->queuedBytes(),
                                 identity, wire::dialectFor(config.dialect),
                                 static_cast<int>(config.pattern));
        policy->beforeSending(message);
        outcome = channel.send(message, deadline);
    }
    switch (outcome) {
        case WaitResult::Stopped:
            return std::nullopt;
        case WaitResult::Expired:
            throwNotTaken();
        case WaitResult::Ready:
            break;
    }
    lastSeq = frame.seq;
    return policy->afterSend(frame.seq, lastFrameBytes);
}

bool FrameSender::Impl::awaitRoom() {
    if (lastFrameBytes == 0) return true;
    const WaitResult outcome = policy->awaitRoom(lastFrameBytes);
    if (outcome == WaitResult::Expired) throwNotTaken();
    return outcome == WaitResult::Ready;
}

std::optional<std::string> FrameSender::Impl::terminate() {
    if (terminated) return std::nullopt;
    terminated = true;
    std::optional<std::string> name;
    if (!identity.name.empty()) name = identity.name;
    const std::optional<wire::Bytes> end =
        wire::dialectFor(channel.config().dialect).encodeEnd(lastSeq, name, identity.instance);
    if (!end) {
        // No end-of-stream message in this dialect: the answers due are all there is to
        // wait for; the receiver learns of the end by its --frames or --timeout.
        policy->flush();
        return std::nullopt;
    }
    return policy->terminate(*end);
}

void FrameSender::Impl::throwNotTaken() {
    // A failed handshake is why nothing was taken, when there was one: say that instead.
    channel.checkHandshakes();
    const ChannelConfig& config = channel.config();
    throw TimeoutError(fmt::format(
        "no receiver at {} took a frame within {}: is ngrecv running there with the same "
        "--pattern ({})?",
        channel.endpoint(), detail::formatSeconds(config.timeout),
        static_cast<int>(config.pattern)));
}

FrameSender::FrameSender(const ChannelConfig& config, const std::atomic<bool>& stop)
    : impl_(std::make_unique<Impl>(config, stop)) {}

FrameSender::~FrameSender() = default;

std::optional<wire::Reply> FrameSender::send(const Frame& frame, const wire::DataValue& data) {
    return impl_->send(frame, data);
}

bool FrameSender::awaitRoom() { return impl_->awaitRoom(); }

std::vector<wire::Reply> FrameSender::flush() { return impl_->policy->flush(); }

std::optional<std::string> FrameSender::terminate() { return impl_->terminate(); }

std::string FrameSender::endpoint() const { return impl_->channel.endpoint(); }

std::uint64_t FrameSender::unansweredFrames() const { return impl_->policy->unansweredFrames(); }

std::uint64_t FrameSender::framesSentAgain() const { return impl_->policy->framesSentAgain(); }

std::uint64_t FrameSender::heartbeatLosses() const { return impl_->channel.heartbeatLosses(); }

}  // namespace ng::transport
