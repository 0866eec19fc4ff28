// Channel: makes and configures every socket of the transport, and owns what goes with it.
#include "transport/zmq_channel.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <stdexcept>

#include "transport/pattern.hpp"

namespace ng::transport::detail {

namespace {

// Room for the msgpack map around the pixels when bounding a received message's size.
constexpr std::size_t kMessageOverhead = 4096;
// How far past the frame limit a message is still read, so that the frame is refused with
// a reason its sender is told (ng_refused) instead of its connection being dropped without
// one: as much again as the limit, but at least enough for a mistaken frame size and at
// most what a refused message may cost in memory.
constexpr std::size_t kMinRefusalHeadroom = std::size_t{16} << 20;
constexpr std::size_t kMaxRefusalHeadroom = std::size_t{256} << 20;

// How long a receiver's close may take to deliver its last answer (the end-of-stream
// acknowledgement is usually still queued when the caller closes the receiver).
constexpr Millis kReceiverLinger{1000};
// Bytes a Unix socket may hold before a write blocks (see setCommonOptions()).
constexpr int kIpcSendBuffer = 4 << 20;

const char* toolName(Role role) { return role == Role::Sender ? "ngsend" : "ngrecv"; }

// The address handed to zmq_bind / zmq_connect.
std::string zmqAddress(const Endpoint& endpoint) {
    const std::string url = endpoint.url();
    if (endpoint.protocol == Protocol::Tcp && endpoint.bind && endpoint.port == 0) {
        // "*" lets the kernel pick a free port; actualEndpoint() reads back which.
        return url.substr(0, url.rfind(':')) + ":*";
    }
    return url;
}

std::string bindHint(int error, const Endpoint& endpoint, Role role) {
    const bool ipc = endpoint.protocol == Protocol::Ipc;
    switch (error) {
        case EADDRINUSE:
            return ipc ? fmt::format("is another {} using this path? choose another --address",
                                     toolName(role))
                       : fmt::format("is another {} running? choose another --port",
                                     toolName(role));
        case EADDRNOTAVAIL:
        case ENODEV:
            return "is --address an address of this machine? use * to bind all interfaces";
        case EACCES:
            return ipc ? "no permission to create the socket file there: choose another path"
                       : "ports below 1024 need privileges: choose another --port";
        case ENOENT:
            return "does the folder of the socket path exist?";
        default:
            return "check --address, --port and --protocol";
    }
}

std::string connectHint(int error) {
    if (error == EINVAL) return "check --address and --port: is the host name right?";
    return "check --address, --port and --protocol";
}

void setCommonOptions(zmq::socket_t& socket, const ChannelConfig& config, Role role) {
    const bool sender = role == Role::Sender;
    // A sender closed without terminate() is an aborted stream: drop what is queued and
    // close at once. terminate() raises the linger so a finished stream is flushed.
    const Millis receiverLinger =
        config.timeout.count() == 0 ? kReceiverLinger : std::min(config.timeout, kReceiverLinger);
    setLinger(socket, sender ? Millis{0} : receiverLinger);

    // libzmq disconnects a peer whose message part exceeds this, before buffering it.
    // Senders get frames back in bidirectional mode, so the bound holds both ways.
    socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(readableMessageBytes(config)));

    // ZMQ_IMMEDIATE stays off: with it, libzmq drops a connection's pipe, unread answers
    // included, the moment the peer disconnects, so the terminate acknowledgement of a
    // receiver that closes right after sending it (as vidgear's does) was now and then lost.
    // An absent receiver still shows: PAIR and REQ time out waiting for the frame's answer,
    // PUSH once its queue is full.

    // A Unix socket's send buffer stays at the kernel's small default (TCP's grows by
    // itself), so a large frame went out in many writes, each waking the receiver. The
    // kernel caps this at net.core.wmem_max.
    if (config.endpoint.protocol == Protocol::Ipc) {
        socket.set(zmq::sockopt::sndbuf, kIpcSendBuffer);
    }
    if (config.endpoint.protocol == Protocol::Tcp &&
        config.endpoint.address.find(':') != std::string::npos) {
        socket.set(zmq::sockopt::ipv6, true);  // an IPv6 literal is refused otherwise
    }
}

// libzmq would delete what is at the path and bind anyway: refuse instead.
void refuseTakenIpcPath(const Endpoint& endpoint, Role role) {
    if (endpoint.protocol != Protocol::Ipc || !endpoint.bind) return;
    switch (inspectIpcPath(endpoint.address)) {
        case IpcPathState::LiveSocket:
            throw std::runtime_error(fmt::format("cannot bind {}: Address already in use ({})",
                                                 endpoint.url(),
                                                 bindHint(EADDRINUSE, endpoint, role)));
        case IpcPathState::NotASocket:
            throw std::runtime_error(
                fmt::format("cannot bind {}: the path exists and is not a socket (binding would "
                            "delete it: choose another --address)",
                            endpoint.url()));
        case IpcPathState::Free:
        case IpcPathState::StaleSocket:
            break;
    }
}

std::string actualEndpoint(zmq::socket_t& socket, const Endpoint& endpoint) {
    if (!endpoint.bind) return endpoint.url();
    return socket.get(zmq::sockopt::last_endpoint);
}

}  // namespace

std::size_t readableMessageBytes(const ChannelConfig& config) {
    const std::size_t limit = std::min<std::size_t>(config.maxFrameBytes, INT64_MAX / 4);
    return limit + std::clamp(limit, kMinRefusalHeadroom, kMaxRefusalHeadroom) + kMessageOverhead;
}

Channel::Channel(const ChannelConfig& config, Role role, const std::atomic<bool>& stop)
    : config_(config),
      role_(role),
      pattern_(patternRules(config.pattern)),
      stop_(stop),
      socket_(open()),
      endpoint_(actualEndpoint(socket_, config_.endpoint)) {
    ipcFile_.arm(config_.endpoint);
    if (pattern_.watchesPeers(role_)) monitor_ = std::make_unique<PeerMonitor>(context_, socket_);
}

Channel::~Channel() = default;

void Channel::reopen() {
    monitor_.reset();
    socket_.close();
    socket_ = open();
    if (pattern_.watchesPeers(role_)) monitor_ = std::make_unique<PeerMonitor>(context_, socket_);
}

PeerMonitor& Channel::monitor() {
    assert(monitor_ && "the pattern does not watch peers at this end");
    return *monitor_;
}

zmq::socket_t Channel::open() {
    zmq::socket_t socket(context_, pattern_.socketType(role_));
    // Options first: high-water marks only apply to connections made after they are set.
    pattern_.setSocketOptions(socket, config_, role_);
    setCommonOptions(socket, config_, role_);

    refuseTakenIpcPath(config_.endpoint, role_);
    attach(socket, config_.endpoint);
    for (const Endpoint& more : config_.moreEndpoints) attach(socket, more);
    return socket;
}

void Channel::attach(zmq::socket_t& socket, const Endpoint& endpoint) const {
    const std::string address = zmqAddress(endpoint);
    try {
        if (endpoint.bind) {
            socket.bind(address);
        } else {
            socket.connect(address);
        }
    } catch (const zmq::error_t& e) {
        const std::string hint =
            endpoint.bind ? bindHint(e.num(), endpoint, role_) : connectHint(e.num());
        throw std::runtime_error(fmt::format("cannot {} {}: {} ({})",
                                             endpoint.bind ? "bind" : "connect", address,
                                             e.what(), hint));
    }
    spdlog::debug("{} {} {} as the {} end", endpoint.bind ? "bound" : "connected to", address,
                  patternName(config_.pattern), role_ == Role::Sender ? "sending" : "receiving");
}

}  // namespace ng::transport::detail
