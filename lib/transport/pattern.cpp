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
// --latest over TCP: the kernel's send buffer, which otherwise grows to megabytes behind a
// slow link, several frames that leave long after they were captured. The kernel doubles
// it; a LAN's round trip still fills a link of hundreds of Mbit/s from it.
constexpr int kLatestSendBuffer = 64 << 10;

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

std::size_t framesInFlight(const ChannelConfig& config) {
    return config.latest ? 1 : kFramesInFlight;
}

void boundSendBacklog(zmq::socket_t& socket, const ChannelConfig& config) {
    if (!config.latest || config.endpoint.protocol != Protocol::Tcp) return;
    socket.set(zmq::sockopt::sndbuf, kLatestSendBuffer);
}

void boundReceiveQueue(zmq::socket_t& socket, const ChannelConfig& config) {
    socket.set(zmq::sockopt::rcvhwm, queuedFrames(config));
}

}  // namespace ng::transport::detail
