// Internal to transport: one end's context, socket, peer monitor and ipc file, made in one place.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "transport/channel.hpp"
#include "transport/ipc_path.hpp"
#include "transport/peer_monitor.hpp"
#include "transport/zmq_socket.hpp"

namespace ng::transport::detail {

// Which end of a NetGear_Async pattern a socket plays.
enum class Role { Sender, Receiver };

class PatternRules;

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
    // with a fresh peer monitor.
    void reopen();

    // sendMessage() / receiveMessage() on this socket, interrupted by this end's stop flag,
    // or by `stop` when given (null: not interruptible).
    WaitResult send(std::vector<zmq::message_t>& parts, const Deadline& deadline) {
        return sendMessage(socket_, parts, deadline, &stop_);
    }
    WaitResult send(std::vector<zmq::message_t>& parts, const Deadline& deadline,
                    const std::atomic<bool>* stop) {
        return sendMessage(socket_, parts, deadline, stop);
    }
    WaitResult receive(std::vector<zmq::message_t>& parts, const Deadline& deadline) {
        return receiveMessage(socket_, parts, deadline, &stop_);
    }
    WaitResult receive(std::vector<zmq::message_t>& parts, const Deadline& deadline,
                       const std::atomic<bool>* stop) {
        return receiveMessage(socket_, parts, deadline, stop);
    }

    // How long closing may take to deliver what is queued (see detail::setLinger()).
    void setLinger(Millis linger) { detail::setLinger(socket_, linger); }

    // The connection events of the socket; only when pattern().watchesPeers(role()).
    PeerMonitor& monitor();

    const ChannelConfig& config() const { return config_; }
    Role role() const { return role_; }
    const PatternRules& pattern() const { return pattern_; }
    const std::atomic<bool>& stop() const { return stop_; }
    // The endpoint actually bound (with the port chosen for port 0), or the URL connected to.
    const std::string& endpoint() const { return endpoint_; }

private:
    zmq::socket_t open();
    // Binds or connects `socket` to `endpoint`.
    void attach(zmq::socket_t& socket, const Endpoint& endpoint) const;

    const ChannelConfig config_;
    const Role role_;
    const PatternRules& pattern_;
    const std::atomic<bool>& stop_;
    // Destruction runs upwards: the monitor and the socket close, the context ends (closing
    // the listener), and only then can the ipc socket file go.
    IpcFileRemover ipcFile_;
    zmq::context_t context_;
    zmq::socket_t socket_;
    std::unique_ptr<PeerMonitor> monitor_;
    std::string endpoint_;
};

}  // namespace ng::transport::detail
