// The receiving end's answers: NetGear_Async's per-message answer, or none.
#include "transport/receiver_policy.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "core/errors.hpp"
#include "transport/frame_message.hpp"
#include "transport/zmq_channel.hpp"

namespace ng::transport::detail {

namespace {

class AnsweringReceiver final : public ReceiverPolicy {
public:
    AnsweringReceiver(Channel& channel, const std::string& receiverId, ReplyProvider replies)
        : channel_(channel), receiverId_(receiverId), replies_(std::move(replies)) {}

    void checkMode(bool senderBiMode) override {
        if (senderBiMode != channel_.config().bidirectional) refuseModeMismatch();
    }
    void frameTaken(Codec codec) override;
    void terminateTaken() override { answer(wire::encodeTerminateAck(receiverId_)); }
    void refused() override;

private:
    [[noreturn]] void refuseModeMismatch();
    void answer(const wire::Bytes& bytes);

    Channel& channel_;
    const std::string& receiverId_;
    ReplyProvider replies_;
};

// A REP socket cannot receive again before it answers, so the sender is answered even when
// the ReplyProvider throws. A compressed frame's reply says it was understood (only ngsend
// sends those, and only it reads that).
void AnsweringReceiver::frameTaken(Codec codec) {
    if (!channel_.config().bidirectional) {
        answer(wire::encodePlainAck(receiverId_));
        return;
    }
    wire::DataValue value = wire::DataValue::none();
    if (replies_) {
        try {
            value = replies_();
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
void AnsweringReceiver::refused() {
    answer(channel_.config().bidirectional ? wire::encodeReply(wire::DataValue::none())
                                           : wire::encodePlainAck(receiverId_));
}

// NetGear_Async raises "Bidirectional Mode is not activate on {client|server} end" here, but
// names the client (receiver) whenever the receiver has the mode on, which is the end where
// it is active. We say the same thing in its terms (server = sender, client = receiver) and
// name the end where the mode is really off.
void AnsweringReceiver::refuseModeMismatch() {
    // A plain confirmation first, so the sender is not left waiting for an answer.
    answer(wire::encodePlainAck(receiverId_));
    if (channel_.config().bidirectional) {
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

void AnsweringReceiver::answer(const wire::Bytes& bytes) {
    std::vector<zmq::message_t> message = singlePart(bytes);
    // REP can always answer at once; PAIR waits while the sender's queue is full.
    const WaitResult sent = channel_.send(message, Deadline::forTimeout(channel_.config().timeout));
    if (sent != WaitResult::Ready) {
        spdlog::warn("could not answer the sender at {}", channel_.endpoint());
    }
}

class SilentReceiver final : public ReceiverPolicy {
public:
    void checkMode(bool /*senderBiMode*/) override {}
    void frameTaken(Codec /*codec*/) override {}
    void terminateTaken() override {}
    void refused() override {}
};

}  // namespace

std::unique_ptr<ReceiverPolicy> makeAnsweringReceiver(Channel& channel,
                                                      const std::string& receiverId,
                                                      ReplyProvider replies) {
    return std::make_unique<AnsweringReceiver>(channel, receiverId, std::move(replies));
}

std::unique_ptr<ReceiverPolicy> makeSilentReceiver() { return std::make_unique<SilentReceiver>(); }

}  // namespace ng::transport::detail
