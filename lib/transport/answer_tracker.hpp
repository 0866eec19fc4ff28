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

    // Frame `seq` went out: its answer is due.
    void sent(std::uint64_t seq) { unanswered_.push_back(seq); }
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

    Wait awaitAnswer(std::uint64_t seq);
    void giveUp(Outcome why);
    // Part 2 of an answer with a frame moves into the reply's frame.
    wire::Reply decodeAnswer(std::vector<zmq::message_t>& answer) const;
    std::optional<std::string> awaitTerminateAck(EndingBudget& budget);
    [[noreturn]] void throwNoAnswer(std::uint64_t seq);

    Channel& channel_;
    AnswerRules& rules_;
    std::deque<std::uint64_t> unanswered_;
    // The receiver's connection closed; answers it sent before still count.
    bool receiverGone_ = false;
    // Since when no answer has come despite a recovery: the timeout runs from here, so
    // recovering again and again never waits past it.
    std::optional<SteadyClock::time_point> unansweredSince_;
    std::uint64_t unansweredFrames_ = 0;
    bool answeredAny_ = false;
};

}  // namespace ng::transport::detail
