// Internal to transport: a messaging pattern's rules, one type per pattern, chosen by Pattern.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <zmq.hpp>

#include "transport/channel.hpp"
#include "transport/receiver_policy.hpp"
#include "transport/sender_policy.hpp"
#include "transport/zmq_channel.hpp"

namespace ng::transport::detail {

// Everything in which one NetGear_Async pattern differs from the others: the socket each end
// uses and its options (Channel asks when it opens a socket), and the per-stream rules of
// each end (FrameSender and FrameReceiver ask once, when they start). Each pattern's rules
// are one type in their own file, pattern_<name>.cpp; a rule of one pattern changes there.
class PatternRules {
public:
    virtual ~PatternRules() = default;

    // The socket `role` uses.
    virtual zmq::socket_type socketType(Role role) const = 0;
    // The options of that socket that are the pattern's own, set before it binds or connects.
    virtual void setSocketOptions(zmq::socket_t& socket, const ChannelConfig& config,
                                  Role role) const = 0;
    // Whether the receiving socket takes one sender only (PAIR): libzmq turns others away.
    virtual bool takesOneSender() const { return false; }
    // Whether `role`'s channel reads its socket's connection events (Channel::monitor()).
    virtual bool watchesPeers(Role role) const = 0;

    // The rules of the sending end for a stream on `channel`, which outlives them.
    virtual std::unique_ptr<SenderPolicy> makeSender(Channel& channel) const = 0;
    // The rules of the receiving end; `receiverId` outlives them, `replies` gives the answer
    // to each frame in bidirectional mode.
    virtual std::unique_ptr<ReceiverPolicy> makeReceiver(Channel& channel,
                                                         const std::string& receiverId,
                                                         ReplyProvider replies) const = 0;
};

// What the patterns whose receiver answers each frame (PAIR, REQ/REP) have in common: both
// ends read connection events (the sender learns that its receiver went away, the receiver
// that it cut off a sender), and the receiver answers every frame as NetGear_Async does.
class AnsweringPatternRules : public PatternRules {
public:
    bool watchesPeers(Role /*role*/) const override { return true; }
    std::unique_ptr<ReceiverPolicy> makeReceiver(Channel& channel, const std::string& receiverId,
                                                 ReplyProvider replies) const override {
        return makeAnsweringReceiver(channel, receiverId, std::move(replies));
    }
};

// The rules of `pattern` (static: they hold no state).
const PatternRules& patternRules(Pattern pattern);

// One per pattern_<name>.cpp.
const PatternRules& pairRules();
const PatternRules& reqRepRules();
const PatternRules& pubSubRules();
const PatternRules& pushPullRules();

// Frames a PUSH sender may queue for a slow receiver, and a receiver for a slow reader.
int queuedFrames(const ChannelConfig& config);
// Frames a sender keeps in flight (kFramesInFlight), awaiting their answers or held by
// libzmq: with --latest one, so that a slow link never holds a backlog of old frames.
std::size_t framesInFlight(const ChannelConfig& config);
// With --latest over TCP, a small kernel send buffer for a sender that does not wait for
// answers (PUSH, PUB), which would otherwise queue several frames there behind a slow link.
void boundSendBacklog(zmq::socket_t& socket, const ChannelConfig& config);
// Bounds what a receiver buffers behind a slow output, at queuedFrames(): a sender that does
// not wait for answers would fill it otherwise.
void boundReceiveQueue(zmq::socket_t& socket, const ChannelConfig& config);

}  // namespace ng::transport::detail
