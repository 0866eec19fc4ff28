// PUB/SUB (pattern 2): the newest frame only, to whoever subscribed; nothing is answered.
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "transport/frame_message.hpp"
#include "transport/pattern.hpp"
#include "transport/stream_end.hpp"

namespace ng::transport::detail {

namespace {

// How often, and how far apart, the end-of-stream message is published.
constexpr int kTerminateCopies = 3;
constexpr Millis kTerminateGap{50};
// Long enough for the last frame and the end-of-stream copies to reach a subscriber.
constexpr Millis kPubLinger{1000};

class PubSender final : public SenderPolicy {
public:
    explicit PubSender(Channel& channel) : channel_(channel) {}

    WaitResult beforeSend(std::size_t /*frameBytes*/, const Deadline& deadline) override {
        if (subscribed_) return WaitResult::Ready;
        if (!awaitSubscriber(deadline)) return WaitResult::Stopped;
        subscribed_ = true;
        return WaitResult::Ready;
    }
    std::optional<std::string> terminate(const wire::Bytes& endMessage) override;

private:
    bool awaitSubscriber(const Deadline& deadline);
    void publishTerminate(const wire::Bytes& endMessage);

    Channel& channel_;
    bool subscribed_ = false;  // a subscriber has joined
};

// A publisher drops whatever it sends before a subscription reaches it (ZeroMQ's "slow
// joiner"), which lost whole short streams. So the first frame waits for one subscriber,
// within the timeout. False when a stop request ended the wait.
bool PubSender::awaitSubscriber(const Deadline& deadline) {
    std::vector<zmq::message_t> subscription;
    switch (channel_.receive(subscription, deadline)) {
        case WaitResult::Stopped:
            return false;
        case WaitResult::Expired:
            throw TimeoutError(fmt::format(
                "no subscriber joined {} within {}: is ngrecv --pattern 2 running there?",
                channel_.endpoint(), formatSeconds(channel_.config().timeout)));
        case WaitResult::Ready:
            break;
    }
    spdlog::debug("a subscriber joined {}", channel_.endpoint());
    return true;
}

std::optional<std::string> PubSender::terminate(const wire::Bytes& endMessage) {
    publishTerminate(endMessage);
    // A subscriber leaves at the first copy; the copies it never read would otherwise
    // hold the close for the whole linger, waiting for a reconnect that never comes.
    const Millis linger = flushLinger(channel_);
    channel_.setLinger(linger.count() < 0 ? kPubLinger : std::min(linger, kPubLinger));
    return std::nullopt;
}

// With SNDHWM 1 at the publisher and RCVHWM 1 at the subscriber, the end-of-stream
// message is dropped when it finds the subscriber's queue still holding the last frame.
// Published again a little later it finds room; the receiver stops at the first copy and
// never reads the others. PUB never blocks, so this takes kTerminateGap per extra copy.
void PubSender::publishTerminate(const wire::Bytes& endMessage) {
    for (int copy = 0; copy < kTerminateCopies; ++copy) {
        if (copy != 0) std::this_thread::sleep_for(kTerminateGap);
        std::vector<zmq::message_t> message = singlePart(endMessage);
        channel_.send(message, Deadline::after(Millis{0}), nullptr);
    }
}

class PubSubRules final : public PatternRules {
public:
    zmq::socket_type socketType(Role role) const override {
        // XPUB is PUB on the wire, but it also reports subscriptions, so the sender can
        // wait for its first subscriber instead of publishing into the void.
        return role == Role::Sender ? zmq::socket_type::xpub : zmq::socket_type::sub;
    }
    // NetGear_Async's choice: a subscriber only ever gets the newest frame.
    void setSocketOptions(zmq::socket_t& socket, const ChannelConfig& config,
                          Role role) const override {
        if (role == Role::Sender) {
            socket.set(zmq::sockopt::sndhwm, 1);
            boundSendBacklog(socket, config);
            return;
        }
        socket.set(zmq::sockopt::rcvhwm, 1);
        socket.set(zmq::sockopt::subscribe, "");
    }
    // The receiver learns from connection events that it cut off a sender.
    bool watchesPeers(Role role) const override { return role == Role::Receiver; }

    std::unique_ptr<SenderPolicy> makeSender(Channel& channel) const override {
        return std::make_unique<PubSender>(channel);
    }
    std::unique_ptr<ReceiverPolicy> makeReceiver(Channel& /*channel*/,
                                                 const std::string& /*receiverId*/,
                                                 ReplyProvider /*replies*/) const override {
        return makeSilentReceiver();
    }
};

}  // namespace

const PatternRules& pubSubRules() {
    static const PubSubRules rules;
    return rules;
}

}  // namespace ng::transport::detail
