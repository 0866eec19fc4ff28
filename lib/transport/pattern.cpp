// The pattern factory, and the socket queue bounds that several patterns share.
#include "transport/pattern.hpp"

#include <stdexcept>

namespace ng::transport::detail {

namespace {

// libzmq's default (1000) would let a gigabyte of VGA frames and half a minute of latency
// pile up behind a slow link or a slow output; with a short queue the sender waits instead.
constexpr int kQueuedFrames = 8;
// --latest: one frame. (ZMQ_CONFLATE would keep only the newest message too, but it
// refuses multipart messages, and a NetGear_Async frame has two parts.)
constexpr int kLatestQueuedFrames = 1;

}  // namespace

const PatternRules& patternRules(Pattern pattern) {
    switch (pattern) {
        case Pattern::Pair:
            return pairRules();
        case Pattern::ReqRep:
            return reqRepRules();
        case Pattern::PubSub:
            return pubSubRules();
        case Pattern::PushPull:
            return pushPullRules();
    }
    throw std::logic_error("unknown messaging pattern");
}

int queuedFrames(const ChannelConfig& config) {
    return config.latest ? kLatestQueuedFrames : kQueuedFrames;
}

void boundReceiveQueue(zmq::socket_t& socket, const ChannelConfig& config) {
    socket.set(zmq::sockopt::rcvhwm, queuedFrames(config));
}

}  // namespace ng::transport::detail
