// Channel: makes and configures every socket of the transport, and owns what goes with it.
#include "transport/zmq_channel.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <thread>

#include "core/errors.hpp"
#include "transport/key_file.hpp"
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
// ZMTP carries the heartbeat TTL in tenths of a second in 16 bits; twice this fits.
constexpr Millis kMaxHeartbeat{3'000'000};
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

    // Heartbeats find a dead link while no frame is due, and drop the connection so that
    // the connecting end makes it again when the link returns. The TTL tells the peer to
    // drop us too when our pings stop; a peer without heartbeats (vidgear) still answers
    // pings, as libzmq does that itself.
    if (config.heartbeat.count() > 0) {
        const int interval = static_cast<int>(std::min<Millis::rep>(config.heartbeat.count(),
                                                                    kMaxHeartbeat.count()));
        socket.set(zmq::sockopt::heartbeat_ivl, interval);
        socket.set(zmq::sockopt::heartbeat_timeout, interval);
        socket.set(zmq::sockopt::heartbeat_ttl, 2 * interval);
    }

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

// Reads the key files and access rules once, so that each socket the channel opens (a
// reopened REQ socket too) gets the same setup. Throws UsageError for a bad key file.
ChannelSecurity loadSecurity(const ChannelConfig& config, Role role) {
    const SecurityConfig& given = config.security;
    ChannelSecurity security;
    security.curve = given.curve();
    if (security.curve && !curveAvailable()) {
        throw std::runtime_error(
            "--secret-key: this libzmq was built without CURVE support (it needs libsodium): "
            "install a libzmq with CURVE, e.g. Debian's libzmq5");
    }
    if (security.curve) {
        const Certificate own = loadSecretKey(given.secretKeyFile);
        security.publicKey = own.publicKey;
        security.secretKey = *own.secretKey;
        if (role == Role::Sender) security.serverKey = loadPublicKey(given.serverKeyFile);
    }
    if (role == Role::Receiver && (security.curve || !given.allowIps.empty())) {
        AccessPolicy access;
        access.curve = security.curve;
        if (security.curve) {
            access.anyKey = given.allowKeys == "*";
            if (access.anyKey) {
                spdlog::warn("--allow-keys '*': any sender that knows this receiver's public key "
                             "gets in; the stream is encrypted, but senders are not "
                             "authenticated");
            } else {
                for (std::string& key : loadAllowedKeys(given.allowKeys)) {
                    access.keys.insert(std::move(key));
                }
            }
        }
        for (const std::string& text : given.allowIps) {
            std::optional<AddressBlock> block = AddressBlock::parse(text);
            if (!block) {
                throw UsageError(fmt::format(
                    "--allow-ip: '{}' is not an address block; use e.g. 192.168.1.0/24, "
                    "10.1.2.3 or fd00::/8 (no bits set past the prefix)",
                    text));
            }
            access.addresses.push_back(std::move(*block));
        }
        security.access = std::move(access);
    }
    return security;
}

void setSecurityOptions(zmq::socket_t& socket, const ChannelSecurity& security, Role role) {
    if (security.curve) {
        if (role == Role::Receiver) {
            socket.set(zmq::sockopt::curve_server, true);
            socket.set(zmq::sockopt::curve_secretkey, security.secretKey);
        } else {
            socket.set(zmq::sockopt::curve_serverkey, security.serverKey);
            socket.set(zmq::sockopt::curve_publickey, security.publicKey);
            socket.set(zmq::sockopt::curve_secretkey, security.secretKey);
        }
    }
    // A domain makes libzmq ask the access check for plaintext (NULL) peers as well.
    if (security.access) socket.set(zmq::sockopt::zap_domain, kZapDomain);
}

// libzmq closes a socket's listener on its I/O thread, after close() returns: binding its
// address again may find it still taken for a moment.
void bindAgain(zmq::socket_t& socket, const std::string& address) {
    constexpr Millis kListenerRelease{2000};
    const Deadline deadline = Deadline::after(kListenerRelease);
    for (;;) {
        try {
            socket.bind(address);
            return;
        } catch (const zmq::error_t& e) {
            if (e.num() != EADDRINUSE || deadline.passed()) throw;
        }
        std::this_thread::sleep_for(Millis(20));
    }
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
      security_(loadSecurity(config, role)),
      zap_(startAccessCheck()),
      socket_(open(config_.endpoint)),
      endpoint_(actualEndpoint(socket_, config_.endpoint)) {
    ipcFile_.arm(config_.endpoint);
    sendsAreAlive_ = role_ == Role::Sender && !pattern_.watchesPeers(role_);
    // Every socket is watched, whether or not its pattern follows its peers: a failed
    // handshake shows nowhere else.
    monitor_ = watch();
}

Channel::~Channel() = default;

std::unique_ptr<PeerMonitor> Channel::watch() {
    PeerMonitor::SilentLoss silentLoss;
    silentLoss.heartbeat = config_.heartbeat;
    silentLoss.peerWord = role_ == Role::Sender ? "the receiver" : "a sender";
    silentLoss.count = &heartbeatLosses_;
    return std::make_unique<PeerMonitor>(context_, socket_, std::move(silentLoss));
}

void Channel::reopen() {
    monitor_.reset();
    socket_.close();
    Endpoint endpoint = config_.endpoint;
    if (endpoint.bind && endpoint.protocol == Protocol::Tcp) {
        // The port bound, which differs from the one asked for when that was 0.
        endpoint.port = std::stoi(endpoint_.substr(endpoint_.rfind(':') + 1));
    }
    socket_ = open(endpoint, true);
    monitor_ = watch();
}

PeerMonitor& Channel::monitor() {
    assert(monitor_);
    return *monitor_;
}

std::unique_ptr<ZapHandler> Channel::startAccessCheck() {
    if (!security_.access) return nullptr;
    return std::make_unique<ZapHandler>(context_, *security_.access);
}

void Channel::checkHandshakes() {
    const std::optional<PeerMonitor::HandshakeFailure> failure = monitor_->handshakeFailure();
    if (!failure) return;
    // libzmq gives no reason at the end that did not see the mismatch first; the next
    // attempts (libzmq reconnects at once) may show one, so a few are waited for.
    if (role_ == Role::Sender && failure->kind == PeerMonitor::HandshakeFailure::Kind::NoDetail &&
        ++unexplainedFailures_ < kUnexplainedFailures) {
        return;
    }
    const std::string what = describe(*failure);
    if (role_ == Role::Sender) {
        // A peer that got through earlier is still served; one that never did is all there
        // was to wait for.
        if (monitor_->connectedPeers() == 0) throw std::runtime_error(what);
        spdlog::warn("{}", what);
        return;
    }
    // The access check logs its own refusals, with the peer's address.
    if (failure->kind == PeerMonitor::HandshakeFailure::Kind::Refused) return;
    // A reason given once is kept over later failures that give none.
    const bool explained = failure->kind != PeerMonitor::HandshakeFailure::Kind::NoDetail;
    if (explained || !lastFailureExplained_) {
        lastFailure_ = what;
        lastFailureExplained_ = explained;
    }
    const auto now = SteadyClock::now();
    if (lastFailureLog_ && now - *lastFailureLog_ < std::chrono::seconds(1)) {
        ++unloggedFailures_;
        return;
    }
    lastFailureLog_ = now;
    spdlog::warn("{}{}", what,
                 unloggedFailures_ > 0
                     ? fmt::format(" ({} more handshakes failed since the last message)",
                                   unloggedFailures_)
                     : std::string());
    unloggedFailures_ = 0;
}

std::string Channel::securityProblem() const {
    if (!lastFailure_.empty()) return lastFailure_;
    if (refusedPeers() > 0) {
        return fmt::format("{} connection(s) refused: not in --allow-keys{}", refusedPeers(),
                           config_.security.allowIps.empty() ? "" : " or --allow-ip");
    }
    return "";
}

// What a failed handshake means at this end, in words that name the fix.
std::string Channel::describe(const PeerMonitor::HandshakeFailure& failure) const {
    using Kind = PeerMonitor::HandshakeFailure::Kind;
    const SecurityConfig& given = config_.security;
    const bool sender = role_ == Role::Sender;
    switch (failure.kind) {
        case Kind::Refused:
            if (!sender) return "a sender was refused";
            if (security_.curve) {
                return fmt::format(
                    "the receiver at {} refused our key (ZAP status {}): add our public key {} to "
                    "its --allow-keys, or check its --allow-ip",
                    endpoint_, failure.code, publicFileFor(given.secretKeyFile));
            }
            return fmt::format(
                "the receiver at {} refused this connection (ZAP status {}): is this machine's "
                "address in its --allow-ip?",
                endpoint_, failure.code);
        case Kind::Mechanism:
            if (security_.curve) {
                return sender ? fmt::format(
                                    "the peer at {} speaks plaintext, this end requires CURVE: "
                                    "start ngrecv with --secret-key and --allow-keys, or drop "
                                    "--secret-key and --server-key here",
                                    endpoint_)
                              : fmt::format(
                                    "a peer at {} speaks plaintext, this end requires CURVE: "
                                    "start ngsend with --secret-key and --server-key",
                                    endpoint_);
            }
            return sender ? fmt::format(
                                "the peer at {} requires CURVE, this end speaks plaintext: give "
                                "ngsend --secret-key and --server-key",
                                endpoint_)
                          : fmt::format(
                                "a peer at {} requires CURVE, this end speaks plaintext: give "
                                "ngrecv --secret-key and --allow-keys",
                                endpoint_);
        case Kind::Crypto:
            return sender ? fmt::format("the CURVE handshake with {} failed: is --server-key {} "
                                        "the receiver's public key?",
                                        endpoint_, given.serverKeyFile)
                          : fmt::format(
                                "a sender's CURVE handshake on {} failed: its --server-key is "
                                "not this receiver's public key ({})",
                                endpoint_, publicFileFor(given.secretKeyFile));
        case Kind::Protocol:
            return fmt::format("the handshake with a peer on {} failed (ZMTP error {:#x}): is it "
                               "a ZeroMQ peer with the same --pattern?",
                               endpoint_, failure.code);
        case Kind::NoDetail:
            break;
    }
    if (sender && security_.curve) {
        return fmt::format(
            "the receiver at {} closed the connection during the CURVE handshake: either it "
            "speaks plaintext (this end requires CURVE: start ngrecv with --secret-key and "
            "--allow-keys), or --server-key {} is not its public key",
            endpoint_, given.serverKeyFile);
    }
    // libzmq often gives no reason at the end that did not see the mismatch first.
    if (security_.curve) {
        return fmt::format("a peer on {} closed the connection during the CURVE handshake: "
                           "probably it speaks plaintext, this end requires CURVE (start ngsend "
                           "with --secret-key and --server-key)",
                           endpoint_);
    }
    return sender ? fmt::format("the peer at {} closed the connection during the handshake: "
                                "does it require CURVE? (then give ngsend --secret-key and "
                                "--server-key)",
                                endpoint_)
                  : fmt::format("a peer on {} closed the connection during the handshake: does "
                                "it use CURVE? (then give ngrecv --secret-key and --allow-keys)",
                                endpoint_);
}

zmq::socket_t Channel::open(const Endpoint& endpoint, bool again) {
    zmq::socket_t socket(context_, pattern_.socketType(role_));
    // Options first: high-water marks only apply to connections made after they are set.
    pattern_.setSocketOptions(socket, config_, role_);
    setCommonOptions(socket, config_, role_);
    // Here, where every socket is made: none is left plaintext by accident.
    setSecurityOptions(socket, security_, role_);

    // The path bound before a reopen is this end's own.
    if (!again) refuseTakenIpcPath(endpoint, role_);
    attach(socket, endpoint, again);
    for (const Endpoint& more : config_.moreEndpoints) attach(socket, more);
    return socket;
}

void Channel::attach(zmq::socket_t& socket, const Endpoint& endpoint, bool again) const {
    const std::string address = zmqAddress(endpoint);
    try {
        if (endpoint.bind && again) {
            bindAgain(socket, address);
        } else if (endpoint.bind) {
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
