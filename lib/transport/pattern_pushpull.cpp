// PUSH/PULL (pattern 3): every frame delivered, none answered; a byte budget bounds the queue.
#include <memory>

#include "transport/pattern.hpp"
#include "transport/queued_bytes.hpp"
#include "transport/stream_end.hpp"

namespace ng::transport::detail {

namespace {

// The bytes of frames queued in libzmq: 4 frames at VGA, 2 at 720p and 1 at 1080p. Fewer
// buffers in turn stay in cache, but fewer frames queued than that made the sender wait.
constexpr std::size_t kQueuedFrameBytes = std::size_t{6} << 20;

class PushSender final : public SenderPolicy {
public:
    explicit PushSender(Channel& channel)
        : channel_(channel), queued_(kQueuedFrameBytes, framesInFlight(channel.config())) {}

    WaitResult beforeSend(std::size_t frameBytes, const Deadline& deadline) override {
        // libzmq holds the frames while no receiver got through, so a failed handshake
        // shows here as a wait for room: look at the handshake events meanwhile.
        return channel_.watched(deadline, [&](const Deadline& slice) {
            return queued_.waitForRoom(frameBytes, slice, &channel_.stop());
        });
    }
    QueuedBytes* queuedBytes() override { return &queued_; }
    WaitResult awaitRoom(std::size_t lastFrameBytes) override;
    std::optional<std::string> terminate(const wire::Bytes& endMessage) override {
        EndingBudget budget(channel_.config().timeout, channel_.stop());
        // PUSH deals messages in turn among its endpoints (-a repeated): one copy each
        // reaches every receiver.
        const std::size_t copies = 1 + channel_.config().moreEndpoints.size();
        for (std::size_t i = 0; i < copies; ++i) {
            if (!sendTerminate(channel_, budget, endMessage)) break;
        }
        return std::nullopt;
    }

private:
    Channel& channel_;
    QueuedBytes queued_;
};

// When libzmq may hold two frames or more, the next one is captured only once there is room
// for it, into the buffer libzmq just let go, so the frames queued are all the buffers in
// turn; when it may hold one, capturing first keeps the capture and the send overlapping.
// With --latest the frame is taken only once it can go: taken first, it would age while the
// one before it leaves.
WaitResult PushSender::awaitRoom(std::size_t lastFrameBytes) {
    if (queued_.framesThatFit(lastFrameBytes) < 2 && !channel_.config().latest) {
        return WaitResult::Ready;
    }
    return channel_.watched(Deadline::forTimeout(channel_.config().timeout),
                            [&](const Deadline& slice) {
                                return queued_.waitForRoom(lastFrameBytes, slice, &channel_.stop());
                            });
}

class PushPullRules final : public PatternRules {
public:
    zmq::socket_type socketType(Role role) const override {
        return role == Role::Sender ? zmq::socket_type::push : zmq::socket_type::pull;
    }
    void setSocketOptions(zmq::socket_t& socket, const ChannelConfig& config,
                          Role role) const override {
        if (role == Role::Sender) {
            socket.set(zmq::sockopt::sndhwm, queuedFrames(config));
            boundSendBacklog(socket, config);
        } else {
            boundReceiveQueue(socket, config);
        }
    }
    // The receiver learns from connection events that it cut off a sender.
    bool watchesPeers(Role role) const override { return role == Role::Receiver; }

    std::unique_ptr<SenderPolicy> makeSender(Channel& channel) const override {
        return std::make_unique<PushSender>(channel);
    }
    std::unique_ptr<ReceiverPolicy> makeReceiver(Channel& /*channel*/,
                                                 const std::string& /*receiverId*/,
                                                 ReplyProvider /*replies*/) const override {
        return makeSilentReceiver();
    }
};

}  // namespace

const PatternRules& pushPullRules() {
    static const PushPullRules rules;
    return rules;
}

}  // namespace ng::transport::detail
