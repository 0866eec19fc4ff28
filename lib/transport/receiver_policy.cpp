// The receiving end's answers: NetGear_Async's per-message answer, or none.
#include "transport/receiver_policy.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <vector>

#include "core/errors.hpp"
#include "transport/frame_message.hpp"
#include "transport/zmq_channel.hpp"

namespace ng::transport::detail {

namespace {

class AnsweringReceiver final : public ReceiverPolicy {
public:
    AnsweringReceiver(Channel& channel, const std::string& receiverId, ReplyProvider replies)
        : channel_(channel),
          receiverId_(receiverId),
          replies_(std::move(replies)),
          dialect_(wire::dialectFor(channel.config().dialect)) {}

    // Only NetGear_Async's header says whether the sender's mode is on.
    void checkMode(bool senderBiMode) override {
        if (!dialect_.tellsBiMode()) return;
        if (senderBiMode != channel_.config().bidirectional) refuseModeMismatch();
    }
    void frameTaken(Codec codec) override;
    void terminateTaken() override { answer(dialect_.encodeEndAck(receiverId_)); }
    void refused(const wire::Notice& notice) override;
    void stopAfter(std::uint64_t frames) override { stopAfter_ = frames; }

private:
    [[noreturn]] void refuseModeMismatch();
    // The answer to a frame from a sender in bidirectional mode `biMode`, with `notice`.
    void answerFrame(bool biMode, const ReplyContent& reply, Codec codec,
                     const wire::Notice& notice);
    void answer(const wire::Bytes& bytes);
    void answer(std::vector<zmq::message_t>& message);

    Channel& channel_;
    const std::string& receiverId_;
    ReplyProvider replies_;
    const wire::Dialect& dialect_;
    std::uint64_t taken_ = 0;
    std::uint64_t stopAfter_ = 0;  // 0: no limit
};

// A REP socket cannot receive again before it answers, so the sender is answered even when
// the ReplyProvider throws. A compressed frame's reply says it was understood (only ngsend
// sends those, and only it reads that).
void AnsweringReceiver::frameTaken(Codec codec) {
    wire::Notice notice;
    if (stopAfter_ != 0 && ++taken_ == stopAfter_) {
        notice.stop = fmt::format("it reached its --frames {}", stopAfter_);
    }
    const bool biMode = channel_.config().bidirectional;
    ReplyContent reply;
    if (biMode && replies_) {
        try {
            reply = replies_();
        } catch (...) {
            answerFrame(biMode, ReplyContent{}, codec, notice);
            throw;
        }
    }
    answerFrame(biMode, reply, codec, notice);
}

// A message we cannot use still gets its answer, or a REQ sender would wait out its
// timeout (and a REP socket cannot receive again before it answers). The ReplyProvider
// is not asked: its reply (perhaps the next line of stdin) belongs to a real frame.
void AnsweringReceiver::refused(const wire::Notice& notice) {
    answerFrame(channel_.config().bidirectional, ReplyContent{}, Codec::Raw, notice);
}

// NetGear_Async raises "Bidirectional Mode is not activate on {client|server} end" here, but
// names the client (receiver) whenever the receiver has the mode on, which is the end where
// it is active. We say the same thing in its terms (server = sender, client = receiver) and
// name the end where the mode is really off. The sender is told first, in the form of answer
// it expects, so that it stops at once rather than waiting out its timeout.
void AnsweringReceiver::refuseModeMismatch() {
    const bool here = channel_.config().bidirectional;
    wire::Notice notice;
    notice.refused =
        here ? "bidirectional mode is off at the sender and on at the receiver: start ngsend "
               "with --bidirectional, or ngrecv without it"
             : "bidirectional mode is on at the sender and off at the receiver: start ngrecv "
               "with --bidirectional, or ngsend without it";
    notice.stop = "it refused the stream";
    answerFrame(!here, ReplyContent{}, Codec::Raw, notice);
    if (here) {
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

// In bidirectional mode a reply map, the notice's keys added, and the frame sent back if
// any; otherwise the plain confirmation, or a map of the notice alone in its place (a
// vidgear sender only logs it).
void AnsweringReceiver::answerFrame(bool biMode, const ReplyContent& reply, Codec codec,
                                    const wire::Notice& notice) {
    if (biMode && !reply.frame.empty()) {
        const Frame& frame = reply.frame;
        std::vector<zmq::message_t> message =
            singlePart(dialect_.encodeFrameReply(reply.data, frame.shape, codec, notice));
        // One copy: the frame may still be on its way to another answer.
        const wire::NdarrayPrefix prefix = dialect_.ndarrayPayload()
                                               ? wire::encodeNdarrayPrefix(frame.shape)
                                               : wire::NdarrayPrefix{};
        zmq::message_t& part = message.emplace_back(prefix.size + frame.shape.bytes());
        auto* out = static_cast<std::uint8_t*>(part.data());
        std::memcpy(out, prefix.bytes.data(), prefix.size);
        std::memcpy(out + prefix.size, frame.pixels, frame.shape.bytes());
        answer(message);
    } else if (biMode) {
        answer(dialect_.encodeReply(reply.data, codec, notice));
    } else {
        answer(dialect_.encodePlainAck(receiverId_, notice));
    }
}

void AnsweringReceiver::answer(const wire::Bytes& bytes) {
    std::vector<zmq::message_t> message = singlePart(bytes);
    answer(message);
}

void AnsweringReceiver::answer(std::vector<zmq::message_t>& message) {
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
    void refused(const wire::Notice& /*notice*/) override {}
};

}  // namespace

std::unique_ptr<ReceiverPolicy> makeAnsweringReceiver(Channel& channel,
                                                      const std::string& receiverId,
                                                      ReplyProvider replies) {
    return std::make_unique<AnsweringReceiver>(channel, receiverId, std::move(replies));
}

std::unique_ptr<ReceiverPolicy> makeSilentReceiver() { return std::make_unique<SilentReceiver>(); }

}  // namespace ng::transport::detail
