// PeerMonitor: connection events of one socket, read without blocking.
#include "transport/peer_monitor.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <utility>

namespace ng::transport::detail {

namespace {

constexpr int kWatchedEvents = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;

using Failure = PeerMonitor::HandshakeFailure;

Failure::Kind protocolFailure(int code) {
    switch (code) {
        case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
            return Failure::Kind::Mechanism;
        case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
            return Failure::Kind::Crypto;
        default:
            return Failure::Kind::Protocol;
    }
}

// A connection made again within this of one ending is libzmq reconnecting after its peer
// dropped the connection (it retries after ZMQ_RECONNECT_IVL, 100 ms by default, plus up to
// as much again), not a new sender. Events are read when the owner next looks, so the
// measured gap is at most the real one plus the owner's polling gap.
constexpr std::chrono::milliseconds kQuickReconnect{500};
// A connection cut off for an oversized message ends as that message arrives, so its peer
// was heard from a frame interval or so before. One silent this long before it ended was
// lost to a cut link (dropped by a heartbeat, or closed by a sender that reopened meanwhile),
// and the connection made again once the link is back is no sign of a cut-off.
constexpr std::chrono::milliseconds kSilentBeforeLoss{2000};

// Each monitor publishes on its own inproc address within the context.
std::string nextMonitorAddress() {
    static std::atomic<unsigned> counter{0};
    return fmt::format("inproc://ng-peer-monitor-{}", counter++);
}

}  // namespace

PeerMonitor::PeerMonitor(zmq::context_t& context, zmq::socket_t& socket, SilentLoss silentLoss)
    : monitored_(socket.handle()), silentLoss_(std::move(silentLoss)) {
    const std::string address = nextMonitorAddress();
    if (zmq_socket_monitor(monitored_, address.c_str(), kWatchedEvents) != 0) {
        throw zmq::error_t();
    }
    events_ = zmq::socket_t(context, zmq::socket_type::pair);
    events_.set(zmq::sockopt::linger, 0);
    events_.connect(address);
}

// Monitoring stops before the reading end closes. libzmq 4.3 ignores a failed send of an
// event and so leaks the event's address part (ASan saw it when a peer went away just as
// ngsend closed); with the monitor stopped first, no event is sent to a closed reader,
// and those already queued are freed with the pipe.
PeerMonitor::~PeerMonitor() { zmq_socket_monitor(monitored_, nullptr, 0); }

int PeerMonitor::quickReconnects() {
    while (readEvent()) {
    }
    const int count = quickReconnects_;
    quickReconnects_ = 0;
    return count;
}

std::optional<PeerMonitor::HandshakeFailure> PeerMonitor::handshakeFailure() {
    while (readEvent()) {
    }
    std::optional<HandshakeFailure> failure = failure_;
    failure_.reset();
    return failure;
}

bool PeerMonitor::peerLost() {
    while (readEvent()) {
    }
    const bool lost = lost_;
    lost_ = false;
    return lost;
}

// Messages that come after a long silence are those a cut link held back; a sender that
// reopened its socket meanwhile closes the old connection right after them, which looks
// like a cut-off unless the silence is remembered.
void PeerMonitor::heard() {
    const SteadyClock::time_point now = SteadyClock::now();
    if (now - lastHeard_ >= kSilentBeforeLoss) resumedAt_ = now;
    lastHeard_ = now;
}

// One event is two parts: 16-bit event id and 32-bit value, then the peer's address.
bool PeerMonitor::readEvent() {
    zmq::message_t head;
    if (!events_.recv(head, zmq::recv_flags::dontwait)) return false;
    zmq::message_t address;
    if (head.more()) static_cast<void>(events_.recv(address, zmq::recv_flags::none));
    if (head.size() < sizeof(std::uint16_t)) return true;
    std::uint16_t event = 0;
    std::memcpy(&event, head.data(), sizeof event);
    // A connection counts as a peer once its handshake succeeded: one refused or speaking
    // another mechanism comes and goes, and is no peer that was lost.
    switch (event) {
        case ZMQ_EVENT_CONNECTED:
        case ZMQ_EVENT_ACCEPTED:
            ++handshaking_;
            break;
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            if (handshaking_ > 0) --handshaking_;
            if (connected_ > 0) ++crowdedArrivals_;
            ++connected_;
            if (lostAt_ && SteadyClock::now() - *lostAt_ <= kQuickReconnect) ++quickReconnects_;
            lastHeard_ = SteadyClock::now();
            lostAt_.reset();
            spdlog::debug("peer connected: {}", address.to_string());
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: {
            if (handshaking_ > 0) --handshaking_;
            ++failedOpen_;
            std::uint32_t value = 0;
            if (head.size() >= sizeof event + sizeof value) {
                std::memcpy(&value, static_cast<const char*>(head.data()) + sizeof event,
                            sizeof value);
            }
            const int code = static_cast<int>(value);
            const Failure::Kind kind = event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                                           ? Failure::Kind::Refused
                                       : event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                           ? protocolFailure(code)
                                           : Failure::Kind::NoDetail;
            // A failure with a reason tells more than one without.
            if (!failure_ || failure_->kind == Failure::Kind::NoDetail) {
                failure_ = Failure{kind, code};
            }
            spdlog::debug("handshake failed ({:#x}): {}", value, address.to_string());
            break;
        }
        case ZMQ_EVENT_DISCONNECTED:
            if (failedOpen_ > 0) {
                --failedOpen_;
                break;
            }
            if (connected_ == 0 && handshaking_ > 0) {
                // Closed during the handshake, with no reason given at this end.
                --handshaking_;
                break;
            }
            if (connected_ > 0) --connected_;
            lost_ = true;
            ++losses_;
            // Only a connection that ended while its peer was talking may come back as a
            // cut-off sender (quickReconnects()).
            lastLossSilent_ = noteLoss(address.to_string());
            if (lastLossSilent_ ||
                SteadyClock::now() - lastHeard_ >= kSilentBeforeLoss ||
                (resumedAt_ && SteadyClock::now() - *resumedAt_ < kSilentBeforeLoss)) {
                lostAt_.reset();
            } else {
                lostAt_ = SteadyClock::now();
            }
            spdlog::debug("peer disconnected: {}", address.to_string());
            break;
        default:
            break;
    }
    return true;
}

// libzmq's monitor says no more than DISCONNECTED, whatever the reason. A peer that closed
// its end had been heard from lately (its last message, or the heartbeats keeping a busy
// connection alive); one silent for a heartbeat timeout was dropped by the heartbeat: the
// link or the host is gone, and the connecting end makes the connection again once it is back.
bool PeerMonitor::noteLoss(const std::string& address) {
    if (silentLoss_.heartbeat.count() == 0) return false;
    const auto silent = SteadyClock::now() - lastHeard_;
    if (silent < silentLoss_.heartbeat) return false;
    if (silentLoss_.count) ++*silentLoss_.count;
    spdlog::warn(
        "no heartbeat from {} on {} for {:.1f} s: dropped the connection (the link or the "
        "peer is down); it is made again when the peer can be reached",
        silentLoss_.peerWord, address,
        std::chrono::duration<double>(silent).count());
    return true;
}

}  // namespace ng::transport::detail
