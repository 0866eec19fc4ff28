// REQ/REP (pattern 1): one frame at a time, each answered; lazy pirate when no answer comes.
#include <spdlog/spdlog.h>

#include <memory>

#include "transport/answer_tracker.hpp"
#include "transport/pattern.hpp"

namespace ng::transport::detail {

namespace {

// The lazy-pirate retry: with no reply this long, the REQ socket is reopened and the
// same request sent again. Short of the default --timeout, so a receiver that vanished without
// closing its connection (a host that lost power) costs seconds, not the whole timeout.
constexpr Millis kReplyRetryInterval{2500};

// A REQ socket must alternate send and receive, so REQ/REP stays in lockstep: send()
// returns this frame's answer.
class ReqSender final : public SenderPolicy, private AnswerRules {
public:
    explicit ReqSender(Channel& channel) : channel_(channel), answers_(channel, *this) {}

    void beforeSending(std::vector<zmq::message_t>& message) override { answers_.keep(message); }
    wire::Reply afterSend(std::uint64_t seq, std::size_t /*frameBytes*/) override {
        answers_.sent(seq);
        // The frame went out; a stop may only cut short the wait for its answer.
        return answers_.awaitOldest().value_or(wire::Reply{});
    }
    std::vector<wire::Reply> flush() override { return answers_.flush(); }
    std::optional<std::string> terminate(const wire::Bytes& endMessage) override {
        return answers_.endStream(endMessage);
    }
    std::uint64_t unansweredFrames() const override { return answers_.unansweredFrames(); }
    std::uint64_t framesSentAgain() const override { return answers_.framesSentAgain(); }

private:
    bool sendsAgain() const override { return true; }
    std::optional<Millis> replyRetryInterval() const override { return kReplyRetryInterval; }
    // A request sent after a receiver came back is with that receiver: only the retry
    // interval gives up on it.
    bool answersLost(PeerMonitor& monitor) const override {
        return monitor.peerLost() && monitor.connectedPeers() == 0;
    }
    // A bound REQ socket is not reopened (its peers would have to find it again): the
    // request is given up. sendsAgain() covers the connecting end.
    void goOnWithout(const Unanswered& lost) override {
        if (channel_.config().endpoint.bind) {
            warnGoingOn(channel_.endpoint(), lost);
            return;
        }
        channel_.reopen();
        spdlog::warn(
            "the receiver at {} {}: {} lost; reopened the REQ socket and going on, waiting {} "
            "for a receiver",
            channel_.endpoint(), lost.cause, lost.frames, lost.waitLimit);
    }

    Channel& channel_;
    AnswerTracker answers_;
};

class ReqRepRules final : public AnsweringPatternRules {
public:
    zmq::socket_type socketType(Role role) const override {
        return role == Role::Sender ? zmq::socket_type::req : zmq::socket_type::rep;
    }
    void setSocketOptions(zmq::socket_t& socket, const ChannelConfig& config,
                          Role role) const override {
        if (role == Role::Receiver) {
            boundReceiveQueue(socket, config);
            return;
        }
        // Relaxed: a new request may follow one whose reply never came (after a timeout);
        // correlate: a late reply to that old request is then discarded.
        socket.set(zmq::sockopt::req_relaxed, true);
        socket.set(zmq::sockopt::req_correlate, true);
    }

    std::unique_ptr<SenderPolicy> makeSender(Channel& channel) const override {
        return std::make_unique<ReqSender>(channel);
    }
};

}  // namespace

const PatternRules& reqRepRules() {
    static const ReqRepRules rules;
    return rules;
}

}  // namespace ng::transport::detail
