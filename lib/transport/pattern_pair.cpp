// PAIR (pattern 0): one socket each way, a few frames in flight ahead of their answers.
#include <memory>

#include "transport/answer_tracker.hpp"
#include "transport/pattern.hpp"
#include "transport/queued_bytes.hpp"

namespace ng::transport::detail {

namespace {

// The bytes of frames awaiting their answers: 4 frames at VGA and 720p, 2 at 1080p. One
// frame would be lockstep, a round trip per frame.
constexpr std::size_t kUnansweredFrameBytes = std::size_t{16} << 20;

// PAIR carries answers on the same socket as frames, so the sender can keep a few frames
// in flight and read their answers in order, instead of paying a round trip per frame
// (the receiver, ours or vidgear's, answers each frame as it takes it). Large frames get a
// smaller window, so the sender's buffers in turn stay in cache.
class PairSender final : public SenderPolicy, private AnswerRules {
public:
    explicit PairSender(Channel& channel) : channel_(channel), answers_(channel, *this) {}

    void beforeSending(std::vector<zmq::message_t>& message) override { answers_.keep(message); }
    wire::Reply afterSend(std::uint64_t seq, std::size_t frameBytes) override {
        answers_.sent(seq);
        const std::size_t window =
            framesWithin(kUnansweredFrameBytes, frameBytes, framesInFlight(channel_.config()));
        if (answers_.due() < window) {
            return wire::Reply{};
        }
        // The frame went out; a stop may only cut short the wait for an older frame's answer.
        return answers_.awaitOldest().value_or(wire::Reply{});
    }
    std::vector<wire::Reply> flush() override { return answers_.flush(); }
    std::optional<std::string> terminate(const wire::Bytes& endMessage) override {
        return answers_.endStream(endMessage);
    }
    std::uint64_t unansweredFrames() const override { return answers_.unansweredFrames(); }
    std::uint64_t framesSentAgain() const override { return answers_.framesSentAgain(); }

private:
    // Only the timeout gives up on an answer while the receiver stays connected.
    bool sendsAgain() const override { return true; }
    std::optional<Millis> replyRetryInterval() const override { return std::nullopt; }
    // PAIR cannot tell which answers a lost connection took with it, so any loss resets the
    // frames in flight.
    bool answersLost(PeerMonitor& monitor) const override { return monitor.peerLost(); }
    // libzmq's PAIR receiver keeps its first sender and ignores any other without a word.
    std::string neverAnsweredHint() const override {
        return "a PAIR receiver (--pattern 0) takes one sender and refuses others: is another "
               "ngsend streaming to it? For many senders use --pattern 1, 2 or 3 at both ends";
    }
    // PAIR reconnects by itself and keeps frames sent meanwhile for the next receiver.
    void goOnWithout(const Unanswered& lost) override { warnGoingOn(channel_.endpoint(), lost); }

    Channel& channel_;
    AnswerTracker answers_;
};

class PairRules final : public AnsweringPatternRules {
public:
    bool takesOneSender() const override { return true; }
    zmq::socket_type socketType(Role /*role*/) const override { return zmq::socket_type::pair; }
    void setSocketOptions(zmq::socket_t& socket, const ChannelConfig& config,
                          Role role) const override {
        if (role == Role::Receiver) boundReceiveQueue(socket, config);
    }

    std::unique_ptr<SenderPolicy> makeSender(Channel& channel) const override {
        return std::make_unique<PairSender>(channel);
    }
};

}  // namespace

const PatternRules& pairRules() {
    static const PairRules rules;
    return rules;
}

}  // namespace ng::transport::detail
