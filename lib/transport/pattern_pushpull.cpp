// PUSH/PULL (pattern 3): every frame delivered, none answered; a byte budget bounds the queue.
#include <spdlog/spdlog.h>

#include <deque>
#include <memory>
#include <vector>

#include "core/loopback_host.hpp"
#include "transport/pattern.hpp"
#include "transport/queued_bytes.hpp"
#include "transport/stream_end.hpp"

namespace ng::transport::detail {

namespace {

// The bytes of frames queued in libzmq: 4 frames at VGA, 2 at 720p and 1 at 1080p. Fewer
// buffers in turn stay in cache, but fewer frames queued than that made the sender wait.
constexpr std::size_t kQueuedFrameBytes = std::size_t{6} << 20;

// The most bytes of recent frames kept to be sent again after a dropped connection.
constexpr std::size_t kResendBytes = std::size_t{16} << 20;
// Frames sent this long before a dropped connection was noticed may still have been in the
// kernel's buffers: twice the heartbeat interval (when a dead link is noticed) and a margin.
constexpr Millis kResendMargin{1000};

// Copies of the frames sent lately, within an age and a byte budget. Deep copies: the
// zero-copy parts libzmq holds are counted until it lets them go (QueuedBytes), and a shared
// copy would hold them forever.
class RecentFrames {
public:
    RecentFrames(Millis age, std::size_t maxBytes) : age_(age), maxBytes_(maxBytes) {}

    bool enabled() const { return age_.count() > 0; }
    void keep(const std::vector<zmq::message_t>& message) {
        next_.clear();
        if (!enabled()) return;
        for (const zmq::message_t& part : message) next_.emplace_back(part.data(), part.size());
    }
    void sent(std::uint64_t seq) {
        if (!enabled()) return;
        std::size_t bytes = 0;
        for (const zmq::message_t& part : next_) bytes += part.size();
        const auto now = SteadyClock::now();
        frames_.push_back(Kept{seq, now, bytes, std::move(next_)});
        next_.clear();
        bytes_ += bytes;
        while (!frames_.empty() &&
               (bytes_ > maxBytes_ || now - frames_.front().sentAt > age_)) {
            bytes_ -= frames_.front().bytes;
            frames_.pop_front();
        }
    }
    std::size_t size() const { return frames_.size(); }
    std::uint64_t oldestSeq() const { return frames_.front().seq; }
    std::uint64_t newestSeq() const { return frames_.back().seq; }
    // Fresh copies of the frames kept, oldest first (they stay kept: the link may fail again).
    std::vector<std::vector<zmq::message_t>> copies() const {
        std::vector<std::vector<zmq::message_t>> all;
        for (const Kept& kept : frames_) {
            std::vector<zmq::message_t> message;
            for (const zmq::message_t& part : kept.message) {
                message.emplace_back(part.data(), part.size());
            }
            all.push_back(std::move(message));
        }
        return all;
    }

private:
    struct Kept {
        std::uint64_t seq;
        SteadyClock::time_point sentAt;
        std::size_t bytes;
        std::vector<zmq::message_t> message;
    };
    const Millis age_;
    const std::size_t maxBytes_;
    std::deque<Kept> frames_;
    std::vector<zmq::message_t> next_;
    std::size_t bytes_ = 0;
};

// An ipc path or a loopback address has no cable to cut: nothing is lost in a kernel
// buffer there, and a copy of every frame would only slow the stream.
bool cannotBeCut(const Endpoint& endpoint) {
    return endpoint.protocol == Protocol::Ipc || isLoopbackHost(endpoint.address);
}

// How long the frames sent are kept to be sent again after a dropped connection: none
// without heartbeats, which are what notice the drop, or where every endpoint is local.
Millis resendWindow(const ChannelConfig& config) {
    if (config.heartbeat.count() == 0) return Millis{0};
    bool local = cannotBeCut(config.endpoint);
    for (const Endpoint& more : config.moreEndpoints) local = local && cannotBeCut(more);
    return local ? Millis{0} : 2 * config.heartbeat + kResendMargin;
}

class PushSender final : public SenderPolicy {
public:
    explicit PushSender(Channel& channel)
        : channel_(channel),
          queued_(kQueuedFrameBytes, framesInFlight(channel.config())),
          recent_(resendWindow(channel.config()), kResendBytes) {}

    WaitResult beforeSend(std::size_t frameBytes, const Deadline& deadline) override {
        // libzmq holds the frames while no receiver got through, so a failed handshake
        // shows here as a wait for room: look at the handshake events meanwhile.
        bool lost = false;
        const WaitResult room = channel_.watched(deadline, [&](const Deadline& slice) {
            if (recent_.enabled() && channel_.monitor().peerLost()) {
                lost = true;
                return WaitResult::Ready;
            }
            return queued_.waitForRoom(frameBytes, slice, &channel_.stop());
        });
        if (!lost) return room;
        // A connection dropped by the heartbeat had been silent for an interval: --timeout
        // runs from then, so a link cut for good ends the stream within --timeout plus one
        // interval.
        const ChannelConfig& config = channel_.config();
        const Deadline resendBy =
            config.timeout.count() == 0 || !channel_.monitor().lastLossWasSilent()
                ? deadline
                : deadline.earliest(
                      Deadline::at(SteadyClock::now() - config.heartbeat + config.timeout));
        const WaitResult again = sendRecentAgain(resendBy);
        if (again != WaitResult::Ready) return again;
        return channel_.watched(resendBy, [&](const Deadline& slice) {
            return queued_.waitForRoom(frameBytes, slice, &channel_.stop());
        });
    }
    void beforeSending(std::vector<zmq::message_t>& message) override { recent_.keep(message); }
    wire::Reply afterSend(std::uint64_t seq, std::size_t /*frameBytes*/) override {
        recent_.sent(seq);
        return wire::Reply{};
    }
    QueuedBytes* queuedBytes() override { return &queued_; }
    std::uint64_t framesSentAgain() const override { return sentAgain_; }
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
    WaitResult sendRecentAgain(const Deadline& deadline);

    Channel& channel_;
    QueuedBytes queued_;
    RecentFrames recent_;
    std::uint64_t sentAgain_ = 0;
};

// A dropped connection (a missed heartbeat) takes with it the frames in the kernel's
// buffers, which no answer tells apart from those delivered: the recent ones go again on a
// fresh socket, oldest first, and the receiver drops those it already has.
WaitResult PushSender::sendRecentAgain(const Deadline& deadline) {
    channel_.reopen();
    const std::size_t count = recent_.size();
    if (count == 0) return WaitResult::Ready;
    spdlog::warn("the connection to {} was dropped: sending the last {} frames ({}-{}) again "
                 "(a receiver drops what it already has)",
                 channel_.endpoint(), count, recent_.oldestSeq(), recent_.newestSeq());
    for (std::vector<zmq::message_t>& message : recent_.copies()) {
        const WaitResult sent = channel_.send(message, deadline);
        if (sent != WaitResult::Ready) return sent;
        ++sentAgain_;
    }
    return WaitResult::Ready;
}

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
