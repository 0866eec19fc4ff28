// Internal to transport: the sender's side of NetGear_Async's per-frame answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/clock.hpp"
#include "transport/zmq_socket.hpp"
#include "wire/messages.hpp"

namespace ng::transport::detail {

class Channel;
class EndingBudget;
class PeerMonitor;

// Answers given up on, and why, in the words of the warning that says so.
struct Unanswered {
    std::string frames;     // "frame 7", "frames 4-7"
    std::string cause;      // "went away", "gave no reply within ..."
    std::string waitLimit;  // how long the stream still waits for a receiver
};

// What a pattern whose receiver answers each frame decides while its sender waits.
class AnswerRules {
public:
    virtual ~AnswerRules() = default;
    // How long one answer is waited for before the stream goes on without it; nullopt:
    // only the timeout ends the wait.
    virtual std::optional<Millis> replyRetryInterval() const = 0;
    // Whether the connection events `monitor` reads now mean the answers due will never come.
    virtual bool answersLost(PeerMonitor& monitor) const = 0;
    // The answers due were given up: make the stream go on, and say so (warnGoingOn()).
    virtual void goOnWithout(const Unanswered& lost) = 0;
    // Whether late answers are waited for again after reopening the socket and sending the
    // same frames again (lazy pirate), rather than given up (goOnWithout()). The receiver
    // tells a frame it already has by its sender and number, answers it, and drops it.
    virtual bool sendsAgain() const { return false; }
    // Why a receiver that is connected may never have answered at all, for the timeout's
    // message ("" when nothing is more likely than a stalled receiver).
    virtual std::string neverAnsweredHint() const { return ""; }
};

// The warning for answers given up that may still reach a receiver, or be lost with it.
void warnGoingOn(const std::string& endpoint, const Unanswered& lost);

// The frames sent whose answers are due, oldest first, and the waits for those answers.
// A receiver that went away or stopped replying does not end the stream (AnswerRules say
// how it goes on); only waiting past the timeout for any answer does.
class AnswerTracker {
public:
    // `channel` and `rules` outlive the tracker.
    AnswerTracker(Channel& channel, AnswerRules& rules);

    // The message of the frame about to go out, kept (sharing its bytes) to be sent again
    // when its answer is late and the rules say so (AnswerRules::sendsAgain()).
    void keep(std::vector<zmq::message_t>& message);
    // Frame `seq` went out: its answer is due.
    void sent(std::uint64_t seq);
    std::size_t due() const { return unanswered_.size(); }

    // Waits for the oldest answer due. nullopt when a stop request cut the wait short; an
    // empty Reply{} when the answers due were given up. Throws TimeoutError when no receiver
    // answered within the timeout, ProtocolError when an answer is malformed.
    std::optional<wire::Reply> awaitOldest();
    // Waits for every answer due, in order; returns early on a stop request.
    std::vector<wire::Reply> flush();
    // Sends the end-of-stream message `endMessage` and waits for the receiver's
    // acknowledgement (see FrameSender::terminate()).
    std::optional<std::string> endStream(const wire::Bytes& endMessage);

    std::uint64_t unansweredFrames() const { return unansweredFrames_; }
    // Frames sent again because their answers were late.
    std::uint64_t framesSentAgain() const { return sentAgain_; }

private:
    // How one wait for an answer ended.
    enum class Outcome {
        Answered,
        Stopped,       // a stop request cut the wait short
        ReceiverGone,  // its connection closed: the answers due will never come
        NoReply,       // no reply within the pattern's retry interval
    };
    struct Wait {
        Outcome outcome;
        wire::Reply reply;  // Answered only
    };

    // A frame sent whose answer is due, and a copy of its message when it may be sent again.
    struct Due {
        std::uint64_t seq;
        SteadyClock::time_point sentAt;
        std::vector<zmq::message_t> message;
    };

    Wait awaitAnswer(std::uint64_t seq);
    void giveUp(Outcome why);
    // Reopens the socket and sends every frame due again; false when the rules give up instead.
    bool sendAgain(Outcome why);
    std::string describeLate(Outcome why) const;
    // Part 2 of an answer with a frame moves into the reply's frame.
    wire::Reply decodeAnswer(std::vector<zmq::message_t>& answer) const;
    std::optional<std::string> awaitTerminateAck(EndingBudget& budget);
    [[noreturn]] void throwNoAnswer(std::uint64_t seq);

    Channel& channel_;
    AnswerRules& rules_;
    std::deque<Due> unanswered_;
    std::vector<zmq::message_t> nextMessage_;  // keep()'s, until sent()
    std::uint64_t sentAgain_ = 0;
    // The receiver's connection closed; answers it sent before still count.
    bool receiverGone_ = false;
    // Since when no answer has come despite a recovery: the timeout runs from here, so
    // recovering again and again never waits past it.
    std::optional<SteadyClock::time_point> unansweredSince_;
    std::uint64_t unansweredFrames_ = 0;
    bool answeredAny_ = false;
    // A receiver was connected at some point, on this socket or one before a reopen.
    bool receiverSeen_ = false;
};

}  // namespace ng::transport::detail
