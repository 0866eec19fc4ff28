// Socket set-up per NetGear_Async pattern and role, and the sliced, stop-aware waits.
#include "transport/zmq_socket.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <stdexcept>

#include "transport/ipc_path.hpp"

namespace ng::transport::detail {

namespace {

// Frames a PUSH sender may queue for a slow receiver, and any receiver for a slow reader.
// libzmq's default (1000) would let ~1 GB of VGA frames and half a minute of latency pile
// up behind a slow link or a slow output; with a short queue the sender waits instead.
constexpr int kQueuedFrames = 8;
// --latest: one frame. (ZMQ_CONFLATE would keep only the newest message too, but it
// refuses multipart messages, and a NetGear_Async frame has two parts.)
constexpr int kLatestQueuedFrames = 1;

// Room for the msgpack map around the pixels when bounding a received message's size.
constexpr std::int64_t kMessageOverhead = 4096;

// How long a receiver's close may take to deliver its last answer (the end-of-stream
// acknowledgement is usually still queued when the caller closes the receiver).
constexpr Millis kReceiverLinger{1000};
// Bytes a Unix socket may hold before a write blocks (see setCommonOptions()).
constexpr int kIpcSendBuffer = 4 << 20;

zmq::socket_type socketType(Pattern pattern, Role role) {
    const bool sender = role == Role::Sender;
    switch (pattern) {
        case Pattern::Pair:
            return zmq::socket_type::pair;
        case Pattern::ReqRep:
            return sender ? zmq::socket_type::req : zmq::socket_type::rep;
        case Pattern::PubSub:
            // XPUB is PUB on the wire, but it also reports subscriptions, so the sender can
            // wait for its first subscriber instead of publishing into the void.
            return sender ? zmq::socket_type::xpub : zmq::socket_type::sub;
        case Pattern::PushPull:
            return sender ? zmq::socket_type::push : zmq::socket_type::pull;
    }
    throw std::logic_error("unknown messaging pattern");
}

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

void setPatternOptions(zmq::socket_t& socket, const ChannelConfig& config, Role role) {
    const bool sender = role == Role::Sender;
    const int queuedFrames = config.latest ? kLatestQueuedFrames : kQueuedFrames;
    // Bounds what a receiver buffers behind a slow output (a subscriber's below): a PUSH
    // sender, or any sender that does not wait for answers, would fill it otherwise.
    if (!sender && config.pattern != Pattern::PubSub) {
        socket.set(zmq::sockopt::rcvhwm, queuedFrames);
    }
    switch (config.pattern) {
        case Pattern::Pair:
            break;
        case Pattern::ReqRep:
            if (sender) {
                // Relaxed: a new request may follow one whose reply never came (after a
                // timeout); correlate: a late reply to that old request is then discarded.
                socket.set(zmq::sockopt::req_relaxed, true);
                socket.set(zmq::sockopt::req_correlate, true);
            }
            break;
        case Pattern::PubSub:
            // NetGear_Async's choice: a subscriber only ever gets the newest frame.
            if (sender) {
                socket.set(zmq::sockopt::sndhwm, 1);
            } else {
                socket.set(zmq::sockopt::rcvhwm, 1);
                socket.set(zmq::sockopt::subscribe, "");
            }
            break;
        case Pattern::PushPull:
            if (sender) socket.set(zmq::sockopt::sndhwm, queuedFrames);
            break;
    }
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
    const std::size_t maxBytes = std::min<std::size_t>(config.maxFrameBytes, INT64_MAX / 2);
    socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(maxBytes) + kMessageOverhead);

    // ZMQ_IMMEDIATE stays off: with it, libzmq drops a connection's pipe, unread answers
    // included, the moment the peer disconnects, so the terminate acknowledgement of a
    // receiver that closes right after sending it (as vidgear's does) was lost about one run
    // in twenty. An absent receiver still shows: PAIR and REQ time out waiting for the
    // frame's answer, PUSH once its kQueuedFrames are queued.

    // A Unix socket's send buffer stays at the kernel's 208 KB default (TCP's grows by
    // itself), so a 1080p frame went out in 30 writes, each waking the receiver. 4 MB (the
    // kernel caps it at net.core.wmem_max) took a PUSH stream at 1080p from 0.78 to 0.93 of
    // the bare ceiling (median of 8 interleaved runs); lockstep REQ/REP is unchanged.
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

// One send that waits up to the socket's send timeout; false when there was no room in
// that time (EAGAIN) or a signal came.
bool trySend(zmq::socket_t& socket, zmq::message_t& part, zmq::send_flags flags) {
    try {
        return socket.send(part, flags).has_value();
    } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
        return false;
    }
}

// One receive that waits up to the socket's receive timeout; false when nothing came in
// that time (EAGAIN) or a signal came.
bool tryReceive(zmq::socket_t& socket, zmq::message_t& part) {
    try {
        return socket.recv(part, zmq::recv_flags::none).has_value();
    } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
        return false;
    }
}

// How long the next blocking call may wait: a slice of the deadline, so a raised stop flag
// is seen within kPollSlice, and nothing at all once stopping.
int sliceMillis(const Deadline& deadline, bool stopping) {
    return stopping ? 0 : static_cast<int>(deadline.nextSlice(kPollSlice).count());
}

}  // namespace

Deadline Deadline::after(Millis wait) {
    const auto now = SteadyClock::now();
    if (wait > std::chrono::duration_cast<Millis>(SteadyClock::time_point::max() - now)) {
        return never();
    }
    return Deadline{now + wait};
}

Millis Deadline::nextSlice(Millis slice) const {
    if (!at_) return slice;
    // Round up, so the last slice does not spin on zero-length polls.
    const auto left = std::chrono::ceil<Millis>(*at_ - SteadyClock::now());
    return std::clamp(left, Millis{0}, slice);
}

Deadline Deadline::earliest(const Deadline& other) const {
    if (!at_) return other;
    if (!other.at_) return *this;
    return Deadline{std::min(*at_, *other.at_)};
}

zmq::socket_t openSocket(zmq::context_t& context, const ChannelConfig& config, Role role) {
    zmq::socket_t socket(context, socketType(config.pattern, role));
    // Options first: high-water marks only apply to connections made after they are set.
    setPatternOptions(socket, config, role);
    setCommonOptions(socket, config, role);

    refuseTakenIpcPath(config.endpoint, role);
    const std::string address = zmqAddress(config.endpoint);
    try {
        if (config.endpoint.bind) {
            socket.bind(address);
        } else {
            socket.connect(address);
        }
    } catch (const zmq::error_t& e) {
        const std::string hint =
            config.endpoint.bind ? bindHint(e.num(), config.endpoint, role) : connectHint(e.num());
        throw std::runtime_error(fmt::format("cannot {} {}: {} ({})",
                                             config.endpoint.bind ? "bind" : "connect", address,
                                             e.what(), hint));
    }
    spdlog::debug("{} {} {} as the {} end", config.endpoint.bind ? "bound" : "connected to",
                  address, patternName(config.pattern),
                  role == Role::Sender ? "sending" : "receiving");
    return socket;
}

std::string actualEndpoint(zmq::socket_t& socket, const Endpoint& endpoint) {
    if (!endpoint.bind) return endpoint.url();
    return socket.get(zmq::sockopt::last_endpoint);
}

// Blocking calls with a send/receive timeout instead of a poll before each call: libzmq's
// own wait inside send/recv costs one system call where zmq_poll costs four or more (it
// queries ZMQ_EVENTS before and after polling), several times per frame on the fast path.
// A stop request ends the waiting, not what can be done at once: once stopping, each call
// still runs with a zero timeout, so e.g. an answer the peer is owed still goes out.
WaitResult sendMessage(zmq::socket_t& socket, std::vector<zmq::message_t>& parts,
                       const Deadline& deadline, const std::atomic<bool>* stop) {
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const bool more = i + 1 < parts.size();
        const auto flags = more ? zmq::send_flags::sndmore : zmq::send_flags::none;
        // Giving up after the first part would leave a half message that glues itself to
        // the next one, so later parts ignore the stop flag and the deadline (libzmq
        // admits them at once once it has taken the first).
        for (;;) {
            const bool stopping = i == 0 && stop && stop->load();
            socket.set(zmq::sockopt::sndtimeo, i == 0 ? sliceMillis(deadline, stopping)
                                                      : static_cast<int>(kPollSlice.count()));
            if (trySend(socket, parts[i], flags)) break;
            if (i != 0) continue;
            if (stopping) return WaitResult::Stopped;
            if (deadline.passed()) return WaitResult::Expired;
        }
    }
    return WaitResult::Ready;
}

WaitResult receiveMessage(zmq::socket_t& socket, std::vector<zmq::message_t>& parts,
                          const Deadline& deadline, const std::atomic<bool>* stop) {
    parts.clear();
    zmq::message_t first;
    for (;;) {
        const bool stopping = stop && stop->load();
        socket.set(zmq::sockopt::rcvtimeo, sliceMillis(deadline, stopping));
        if (tryReceive(socket, first)) break;
        if (stopping) return WaitResult::Stopped;
        if (deadline.passed()) return WaitResult::Expired;
    }
    parts.push_back(std::move(first));
    // libzmq delivers a message whole, so the remaining parts are already here.
    while (parts.back().more()) {
        zmq::message_t next;
        while (!tryReceive(socket, next)) {
        }
        parts.push_back(std::move(next));
    }
    return WaitResult::Ready;
}

void setLinger(zmq::socket_t& socket, Millis linger) {
    const auto ms = linger.count() < 0 ? -1 : std::min<Millis::rep>(linger.count(), INT_MAX);
    socket.set(zmq::sockopt::linger, static_cast<int>(ms));
}

std::string formatSeconds(Millis duration) {
    if (duration.count() % 1000 == 0) return fmt::format("{} s", duration.count() / 1000);
    return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0);
}

}  // namespace ng::transport::detail
