// Internal to transport: learns from libzmq's socket monitor when a peer connects or goes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "core/clock.hpp"

namespace ng::transport::detail {

// A sender waiting for an answer cannot tell a slow receiver from a dead one by the socket
// alone. libzmq's monitor reports every connection that ends (the receiver was killed or
// restarted), so the sender can give up on the answers at once instead of waiting out its
// timeout. Reading it never blocks and costs nothing per frame: events come only when
// connections open or close.
class PeerMonitor {
public:
    // How a connection that ended without a word from its peer is told: the heartbeat
    // interval (0 = heartbeats off), what the peer is called in the warning ("the receiver",
    // "a sender"), and the running count of such losses, which outlives the monitor.
    struct SilentLoss {
        std::chrono::milliseconds heartbeat{0};
        std::string peerWord;
        std::uint64_t* count = nullptr;
    };

    // Starts monitoring `socket`, which must outlive this object.
    PeerMonitor(zmq::context_t& context, zmq::socket_t& socket, SilentLoss silentLoss);
    ~PeerMonitor();
    PeerMonitor(const PeerMonitor&) = delete;
    PeerMonitor& operator=(const PeerMonitor&) = delete;

    // Reads the events that arrived since the last call. True when a connection to a peer
    // ended among them (one that failed its handshake is no peer: see handshakeFailure()).
    bool peerLost();
    // A message came from a peer: it was alive then. A connection that ends a heartbeat
    // timeout or more after the last sign of life ended for want of heartbeats.
    void heard();
    // Peers connected now (past the handshake), as far as the events read so far tell.
    int connectedPeers() const { return connected_; }
    // Reads the events that arrived since the last call. How many connections were made
    // again soon after one ended, since the last call: what a sender's libzmq does when the
    // receiving end dropped its connection for a message over ZMQ_MAXMSGSIZE, which no
    // event names. A sender that ended or was stopped does not come back that soon.
    int quickReconnects();
    // Connections accepted while another peer was connected, in all: on a PAIR socket, which
    // takes one peer, a second sender that libzmq turned away.
    std::uint64_t crowdedArrivals() const { return crowdedArrivals_; }
    // Connections past their handshake that ended, in all, as far as the events read so far
    // tell.
    std::uint64_t losses() const { return losses_; }
    // Whether the last connection that ended was dropped for want of heartbeats.
    bool lastLossWasSilent() const { return lastLossSilent_; }

    // How a connection's handshake failed, as libzmq's monitor tells it.
    struct HandshakeFailure {
        enum class Kind {
            Refused,    // the ZAP handler refused the peer (HANDSHAKE_FAILED_AUTH)
            Mechanism,  // one end speaks CURVE, the other plaintext
            Crypto,     // a CURVE message did not decrypt: the client has a wrong server key
            Protocol,   // another ZMTP error
            NoDetail,   // the peer closed the connection during the handshake
        };
        Kind kind;
        int code;  // the ZAP status or the ZMQ_PROTOCOL_ERROR_* value
    };
    // Reads the events that arrived since the last call. The first handshake failure among
    // those not reported yet, or nullopt.
    std::optional<HandshakeFailure> handshakeFailure();

private:
    bool readEvent();

    // Warns of a connection dropped for want of heartbeats; true when it was one.
    bool noteLoss(const std::string& address);

    void* monitored_;  // the monitored socket's libzmq handle
    SilentLoss silentLoss_;
    SteadyClock::time_point lastHeard_ = SteadyClock::now();
    // When a message came after a long silence: a link back after a cut, whose old
    // connections end now with the data they kept (see heard()).
    std::optional<SteadyClock::time_point> resumedAt_;
    zmq::socket_t events_;
    int connected_ = 0;
    // Connections made but not yet through their handshake.
    int handshaking_ = 0;
    // Connections whose handshake failed and whose end (DISCONNECTED) is yet to come.
    int failedOpen_ = 0;
    std::optional<HandshakeFailure> failure_;  // not reported yet
    bool lost_ = false;
    std::optional<SteadyClock::time_point> lostAt_;  // the last connection that ended
    int quickReconnects_ = 0;
    std::uint64_t crowdedArrivals_ = 0;
    std::uint64_t losses_ = 0;
    bool lastLossSilent_ = false;
};

}  // namespace ng::transport::detail
