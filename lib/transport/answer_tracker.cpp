// AnswerTracker: waits for the receiver's answer to each frame, in order, and survives its loss.
#include "transport/answer_tracker.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>
#include <utility>

#include "core/errors.hpp"
#include "transport/stream_end.hpp"
#include "transport/zmq_channel.hpp"

namespace ng::transport::detail {

namespace {

// While an answer is late, how often the connection events are read, to learn that the
// receiver went away.
constexpr Millis kPeerCheckInterval{100};

}  // namespace

void warnGoingOn(const std::string& endpoint, const Unanswered& lost) {
    spdlog::warn(
        "the receiver at {} {}: {} unanswered (lost with it, or kept for the next "
        "receiver); going on, waiting {} for a receiver",
        endpoint, lost.cause, lost.frames, lost.waitLimit);
}

AnswerTracker::AnswerTracker(Channel& channel, AnswerRules& rules)
    : channel_(channel), rules_(rules) {}

void AnswerTracker::keep(std::vector<zmq::message_t>& message) {
    nextMessage_.clear();
    if (!rules_.sendsAgain()) return;
    for (zmq::message_t& part : message) {
        nextMessage_.emplace_back();
        nextMessage_.back().copy(part);  // shares a large part's bytes, counted by reference
    }
}

void AnswerTracker::sent(std::uint64_t seq) {
    unanswered_.push_back(Due{seq, SteadyClock::now(), std::move(nextMessage_)});
    nextMessage_.clear();
}

std::optional<wire::Reply> AnswerTracker::awaitOldest() {
    for (;;) {
        Wait wait = awaitAnswer(unanswered_.front().seq);
        switch (wait.outcome) {
            case Outcome::Answered:
                unanswered_.pop_front();
                if (!wait.reply.notice.stop.empty()) {
                    // The receiver takes no more frames: those still in flight stay unanswered.
                    unansweredFrames_ += unanswered_.size();
                    unanswered_.clear();
                }
                return std::move(wait.reply);
            case Outcome::Stopped:
                return std::nullopt;
            case Outcome::ReceiverGone:
            case Outcome::NoReply:
                if (sendAgain(wait.outcome)) continue;
                giveUp(wait.outcome);
                return wire::Reply{};
        }
        throw std::logic_error("unknown answer outcome");
    }
}

std::vector<wire::Reply> AnswerTracker::flush() {
    std::vector<wire::Reply> replies;
    while (!unanswered_.empty()) {
        std::optional<wire::Reply> reply = awaitOldest();
        if (!reply) break;  // stopped
        replies.push_back(std::move(*reply));
    }
    return replies;
}

// The receiver went away (killed, restarted) or stopped replying: the stream goes on
// without the answers still due, so a receiver started again gets the next frames.
void AnswerTracker::giveUp(Outcome why) {
    if (!unansweredSince_) unansweredSince_ = SteadyClock::now();
    unansweredFrames_ += unanswered_.size();
    Unanswered lost;
    lost.frames = unanswered_.size() == 1 ? fmt::format("frame {}", unanswered_.front().seq)
                                          : fmt::format("frames {}-{}", unanswered_.front().seq,
                                                        unanswered_.back().seq);
    unanswered_.clear();
    receiverGone_ = false;

    lost.cause = describeLate(why);
    const Millis timeout = channel_.config().timeout;
    lost.waitLimit = timeout.count() == 0 ? std::string("as long as it takes (--timeout 0)")
                                          : fmt::format("up to {}", formatSeconds(timeout));
    rules_.goOnWithout(lost);
}

std::string AnswerTracker::describeLate(Outcome why) const {
    return why == Outcome::ReceiverGone
               ? std::string("went away")
               : fmt::format("gave no reply within {}",
                             formatSeconds(rules_.replyRetryInterval().value_or(Millis{0})));
}

// Lazy pirate: the socket may hold requests nobody will answer, so a fresh one takes the
// frames again, oldest first. The timeout runs from the oldest frame's first sending, so
// sending again and again never waits past it.
bool AnswerTracker::sendAgain(Outcome why) {
    if (!rules_.sendsAgain() || channel_.config().endpoint.bind) return false;
    for (const Due& due : unanswered_) {
        if (due.message.empty()) return false;  // kept before the rules asked for copies
    }
    if (!unansweredSince_) unansweredSince_ = unanswered_.front().sentAt;
    receiverGone_ = false;
    channel_.reopen();
    const Millis timeout = channel_.config().timeout;
    const Deadline giveUpAt =
        timeout.count() == 0 ? Deadline::never() : Deadline::at(*unansweredSince_ + timeout);
    for (Due& due : unanswered_) {
        std::vector<zmq::message_t> again(due.message.size());
        for (std::size_t i = 0; i < again.size(); ++i) again[i].copy(due.message[i]);
        switch (channel_.send(again, giveUpAt)) {
            case WaitResult::Ready:
                ++sentAgain_;
                break;
            case WaitResult::Stopped:
                return true;  // the next wait sees the stop
            case WaitResult::Expired:
                throwNoAnswer(due.seq);
        }
    }
    const std::string frames =
        unanswered_.size() == 1
            ? fmt::format("frame {}", unanswered_.front().seq)
            : fmt::format("frames {}-{}", unanswered_.front().seq, unanswered_.back().seq);
    spdlog::warn("the receiver at {} {}: sent {} again on a new connection (a receiver drops "
                 "what it already has), waiting {} for an answer",
                 channel_.endpoint(), describeLate(why), frames,
                 timeout.count() == 0 ? std::string("as long as it takes (--timeout 0)")
                                      : fmt::format("up to {} in all", formatSeconds(timeout)));
    return true;
}

AnswerTracker::Wait AnswerTracker::awaitAnswer(std::uint64_t seq) {
    const Millis timeout = channel_.config().timeout;
    const Deadline giveUpAt =
        timeout.count() == 0
            ? Deadline::never()
            : Deadline::at(unansweredSince_.value_or(SteadyClock::now()) + timeout);
    const std::optional<Millis> retryInterval = rules_.replyRetryInterval();
    // The retry interval runs only while a receiver is connected: a request queued for a
    // receiver that is still starting (a Python peer importing its modules) is not late,
    // and only --timeout gives up on it.
    Deadline retry = Deadline::never();
    bool retryArmed = false;
    std::vector<zmq::message_t> answer;
    for (;;) {
        if (retryInterval && !retryArmed && channel_.monitor().connectedPeers() > 0) {
            retry = Deadline::after(*retryInterval);
            retryArmed = true;
        }
        // Once the receiver is known gone, only answers already here are taken.
        const Deadline slice =
            receiverGone_ ? Deadline::after(Millis{0})
                          : giveUpAt.earliest(retry).earliest(Deadline::after(kPeerCheckInterval));
        switch (channel_.receive(answer, slice)) {
            case WaitResult::Stopped:
                return {Outcome::Stopped, {}};
            case WaitResult::Ready:
                unansweredSince_.reset();
                answeredAny_ = true;
                return {Outcome::Answered, decodeAnswer(answer)};
            case WaitResult::Expired:
                break;
        }
        if (channel_.monitor().connectedPeers() > 0) receiverSeen_ = true;
        if (receiverGone_) return {Outcome::ReceiverGone, {}};
        if (rules_.answersLost(channel_.monitor())) {
            receiverGone_ = true;  // go round once more for answers sent before it went
            continue;
        }
        if (giveUpAt.passed()) throwNoAnswer(seq);
        if (retry.passed()) return {Outcome::NoReply, {}};
    }
}

void AnswerTracker::throwNoAnswer(std::uint64_t seq) {
    const ChannelConfig& config = channel_.config();
    // A receiver that let this sender connect but never answered it, and whose connection
    // then ended (a PAIR receiver keeps its first sender and lets the heartbeat drop
    // others), is better explained by the pattern's hint than by "none is connected".
    const std::string hint = answeredAny_ ? "" : rules_.neverAnsweredHint();
    const bool neverAnsweredSeen = receiverSeen_ && !hint.empty();
    if (channel_.monitor().connectedPeers() == 0 && !neverAnsweredSeen) {
        throw TimeoutError(fmt::format(
            "no receiver answered at {} within {}: none is connected (is ngrecv running there "
            "with the same --pattern ({}) and --protocol? --timeout 0 waits forever)",
            channel_.endpoint(), formatSeconds(config.timeout), static_cast<int>(config.pattern)));
    }
    if (!hint.empty()) {
        throw TimeoutError(fmt::format("the receiver at {} never answered within {}: {}",
                                       channel_.endpoint(), formatSeconds(config.timeout), hint));
    }
    throw TimeoutError(fmt::format(
        "the receiver at {} did not answer frame {} within {}: is it stalled, or is it not "
        "ngrecv/NetGear_Async with --pattern {}?",
        channel_.endpoint(), seq, formatSeconds(config.timeout), static_cast<int>(config.pattern)));
}

wire::Reply AnswerTracker::decodeAnswer(std::vector<zmq::message_t>& answer) const {
    wire::Reply reply =
        wire::dialectFor(channel_.config().dialect).decodeReply(viewOf(answer.front()));
    if (reply.kind != wire::Reply::Kind::Ndarray) return reply;

    if (answer.size() != 2) {
        throw ProtocolError(fmt::format(
            "the receiver answered with a frame in {} part(s) instead of 2", answer.size()));
    }
    // On the heap before its address is taken: libzmq keeps a small message's bytes inside
    // the message_t itself, so they move whenever it does.
    auto payload = std::make_shared<zmq::message_t>(std::move(answer[1]));
    const std::size_t limit = channel_.config().maxFrameBytes;
    try {
        const wire::NdarrayView ndarray = wire::decodeNdarray(viewOf(*payload), limit);
        reply.frame.shape = ndarray.shape;
        reply.frame.pixels = ndarray.pixels;
        reply.frame.owner = std::move(payload);
    } catch (const ProtocolError&) {
        // A whole, valid frame over the limit is refused by this end's settings and the
        // stream goes on; anything else is a malformed answer.
        if (payload->size() <= limit) throw;
        const FrameShape s = wire::decodeNdarray(viewOf(*payload), payload->size()).shape;
        reply.refusedFrame = fmt::format(
            "the frame sent back is {}x{}x{} ({} bytes), over this end's --max-frame-size of {} "
            "bytes; start ngsend with --max-frame-size {}x{}x{} or more, or send smaller frames "
            "back",
            s.width, s.height, s.channels, s.bytes(), limit, s.width, s.height, s.channels);
    }
    return reply;
}

std::optional<std::string> AnswerTracker::endStream(const wire::Bytes& endMessage) {
    EndingBudget budget(channel_.config().timeout, channel_.stop());
    if (!sendTerminate(channel_, budget, endMessage)) return std::nullopt;
    const ChannelConfig& config = channel_.config();
    if (!wire::dialectFor(config.dialect).acksEnd(config.pattern == Pattern::Pair)) {
        return std::nullopt;  // nothing will come: the message is sent, the stream over
    }
    std::optional<std::string> ack = awaitTerminateAck(budget);
    if (ack || channel_.stop()) return ack;
    if (unansweredSince_) {
        // The receiver went away and none answered since: the end of the stream, and any
        // frames sent meanwhile, reached nobody.
        throw TimeoutError(fmt::format(
            "the receiver at {} went away and no receiver answered since: the end of the stream "
            "reached nobody (was ngrecv stopped, or did it refuse the stream, e.g. "
            "--bidirectional on one end only?)",
            channel_.endpoint()));
    }
    // The stream has ended whatever happens here, so a missing acknowledgement is only
    // worth a warning.
    spdlog::warn("the receiver at {} did not acknowledge the end of the stream",
                 channel_.endpoint());
    return std::nullopt;
}

// nullopt when no acknowledgement came within the budget.
std::optional<std::string> AnswerTracker::awaitTerminateAck(EndingBudget& budget) {
    std::vector<zmq::message_t> answer;
    for (;;) {
        const WaitResult got = budget.wait([&](const Deadline& d, const std::atomic<bool>* s) {
            return channel_.receive(answer, d, s);
        });
        if (got != WaitResult::Ready) return std::nullopt;
        try {
            return wire::dialectFor(channel_.config().dialect)
                .decodeEndAck(viewOf(answer.front()));
        } catch (const ProtocolError& e) {
            // PAIR does not pair answers with requests: the answer to a frame whose wait a
            // stop request cut short can arrive first. Keep waiting for the acknowledgement.
            spdlog::debug(
                "skipped an answer while waiting for the end-of-stream "
                "acknowledgement: {}",
                e.what());
        }
    }
}

}  // namespace ng::transport::detail
