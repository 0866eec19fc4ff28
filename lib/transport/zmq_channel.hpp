// Internal to transport: one end's context, socket, peer monitor and ipc file, made in one place.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "transport/channel.hpp"
#include "transport/ipc_path.hpp"
#include "transport/peer_monitor.hpp"
#include "transport/zap_handler.hpp"
#include "transport/zmq_socket.hpp"

namespace ng::transport::detail {

// Which end of a NetGear_Async pattern a socket plays.
enum class Role { Sender, Receiver };

class PatternRules;

// The keys and access rules of a channel, read once from its SecurityConfig and applied to
// every socket it opens (a reopened one too).
struct ChannelSecurity {
    bool curve = false;
    std::string publicKey;  // this end's, Z85
    std::string secretKey;
    std::string serverKey;  // sender: the receiver's public key
    // Receiver: who may connect, checked by the ZAP handler; none = anyone (plaintext,
    // no --allow-ip).
    std::optional<AccessPolicy> access;
};

// The largest message part a socket reads (ZMQ_MAXMSGSIZE); libzmq drops a larger one and
// its connection unread. Well above config.maxFrameBytes, so that a frame over that limit
// is read and refused with a reason.
std::size_t readableMessageBytes(const ChannelConfig& config);

// What FrameSender and FrameReceiver both stand on: the ZeroMQ context, the socket that
// config.pattern gives `role` (bound or connected), its peer monitor when the pattern watches
// peers at this end, and the socket file of an ipc endpoint this end bound. Every socket of
// the transport is made and configured in open(), so what applies to all of them has one
// place. Used only on the thread that owns the FrameSender or FrameReceiver.
class Channel {
public:
    // Throws std::runtime_error naming the endpoint and the likely fix. `stop` is what this
    // end's waits poll; it must outlive the channel.
    Channel(const ChannelConfig& config, Role role, const std::atomic<bool>& stop);
    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    // Closes the socket, dropping whatever it holds, and opens a fresh one in its place,
    // with a fresh peer monitor. A bound socket binds again to the same endpoint (the port
    // it got for port 0 too), so every peer connects again.
    void reopen();

    // sendMessage() / receiveMessage() on this socket, interrupted by this end's stop flag,
    // or by `stop` when given (null: not interruptible). A long wait looks at the handshake
    // events now and then (checkHandshakes()).
    WaitResult send(std::vector<zmq::message_t>& parts, const Deadline& deadline) {
        return send(parts, deadline, &stop_);
    }
    WaitResult send(std::vector<zmq::message_t>& parts, const Deadline& deadline,
                    const std::atomic<bool>* stop) {
        const WaitResult sent = watched(deadline, [&](const Deadline& slice) {
            return sendMessage(socket_, parts, slice, stop);
        });
        // A sender that gets answers goes by them; one that gets none (PUSH, PUB) has only
        // its sends to go by.
        return sendsAreAlive_ ? alive(sent) : sent;
    }
    WaitResult receive(std::vector<zmq::message_t>& parts, const Deadline& deadline) {
        return receive(parts, deadline, &stop_);
    }
    WaitResult receive(std::vector<zmq::message_t>& parts, const Deadline& deadline,
                       const std::atomic<bool>* stop) {
        return alive(watched(deadline, [&](const Deadline& slice) {
            return receiveMessage(socket_, parts, slice, stop);
        }));
    }

    // Runs `wait` (which returns Expired when its deadline passed) in slices until
    // `deadline`, checking the handshake events between slices. For waits on something
    // other than the socket that a failed handshake would leave waiting forever.
    template <typename Wait>
    WaitResult watched(const Deadline& deadline, Wait&& wait) {
        for (;;) {
            const WaitResult result = wait(deadline.earliest(Deadline::after(kHandshakeCheck)));
            if (result != WaitResult::Expired) return result;
            checkHandshakes();
            if (deadline.passed()) return WaitResult::Expired;
        }
    }

    // Reads the handshake events that came since the last look. The sender, before any
    // receiver got through, throws std::runtime_error saying what is wrong ("the receiver
    // refused our key", "the peer speaks plaintext, this end requires CURVE"): there is
    // nothing to wait for. The receiver logs it (a few times a second at most) and keeps
    // it for securityProblem(), serving the senders that do get in.
    void checkHandshakes();
    // Receiver: the last handshake failure or refusal, told as the reason no sender got
    // through; "" when there was none.
    std::string securityProblem() const;
    // Connections dropped because the peer sent no heartbeat (see PeerMonitor::SilentLoss).
    std::uint64_t heartbeatLosses() const { return heartbeatLosses_; }
    // Connections the ZAP handler refused (any thread).
    std::uint64_t refusedPeers() const { return zap_ ? zap_->refused() : 0; }

    // How long closing may take to deliver what is queued (see detail::setLinger()).
    void setLinger(Millis linger) { detail::setLinger(socket_, linger); }

    // The connection events of the socket; the pattern reads them where
    // pattern().watchesPeers(role()).
    PeerMonitor& monitor();

    const ChannelConfig& config() const { return config_; }
    Role role() const { return role_; }
    const PatternRules& pattern() const { return pattern_; }
    const std::atomic<bool>& stop() const { return stop_; }
    // The endpoint actually bound (with the port chosen for port 0), or the URL connected to.
    const std::string& endpoint() const { return endpoint_; }

private:
    // How often a long wait looks for handshake failures.
    static constexpr Millis kHandshakeCheck{200};
    // Handshakes that fail without a reason before the sender gives up on finding one.
    static constexpr int kUnexplainedFailures = 3;

    // A socket with this end's options, bound or connected to `endpoint` (and the
    // --address endpoints after the first). `again`: a reopen, whose bind may wait for the
    // listener just closed to let go of its address.
    zmq::socket_t open(const Endpoint& endpoint, bool again = false);
    std::unique_ptr<PeerMonitor> watch();
    // A message went through: the peer was alive just now (see PeerMonitor::heard()).
    WaitResult alive(WaitResult result) {
        if (result == WaitResult::Ready && monitor_) monitor_->heard();
        return result;
    }
    // Binds or connects `socket` to `endpoint`.
    void attach(zmq::socket_t& socket, const Endpoint& endpoint, bool again = false) const;
    std::unique_ptr<ZapHandler> startAccessCheck();
    std::string describe(const PeerMonitor::HandshakeFailure& failure) const;

    const ChannelConfig config_;
    const Role role_;
    const PatternRules& pattern_;
    const std::atomic<bool>& stop_;
    const ChannelSecurity security_;
    // Destruction runs upwards: the monitor and the socket close, the access check stops,
    // the context ends (closing the listener), and only then can the ipc socket file go.
    IpcFileRemover ipcFile_;
    zmq::context_t context_;
    // Bound before the socket exists, so that no peer's handshake finds it missing.
    std::unique_ptr<ZapHandler> zap_;
    zmq::socket_t socket_;
    std::unique_ptr<PeerMonitor> monitor_;
    std::string endpoint_;
    // Receiver: the last handshake failure, and when it was last logged.
    std::string lastFailure_;
    bool lastFailureExplained_ = false;
    std::optional<SteadyClock::time_point> lastFailureLog_;
    std::uint64_t unloggedFailures_ = 0;
    int unexplainedFailures_ = 0;  // sender: failed handshakes with no reason given
    std::uint64_t heartbeatLosses_ = 0;
    bool sendsAreAlive_ = false;  // set in the constructor
};

}  // namespace ng::transport::detail
