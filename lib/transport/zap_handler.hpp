// Internal to transport: the receiver's gatekeeper, answering ZeroMQ's ZAP requests (RFC 27).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "transport/address_block.hpp"

namespace ng::transport::detail {

// The ZAP domain the receiver's socket names, so that libzmq asks the handler even for the
// NULL mechanism (plaintext with --allow-ip).
inline constexpr const char* kZapDomain = "ngstream";

// Who may connect: the --allow-keys and --allow-ip of a receiver.
struct AccessPolicy {
    bool curve = false;              // the socket is a CURVE server
    bool anyKey = false;             // --allow-keys '*': any client that knows the server key
    std::set<std::string> keys;      // allowed client public keys, Z85
    std::vector<AddressBlock> addresses;  // --allow-ip; empty: any address
};

// Why a peer is refused, or nullopt when it may connect. `credential` is the CURVE client's
// public key, 32 raw bytes, as the ZAP request carries it ("" for NULL).
std::optional<std::string> refusalReason(const AccessPolicy& policy, const std::string& mechanism,
                                         const std::string& address,
                                         const std::string& credential);

// Answers every ZAP request of `context` on a thread of its own, from construction until
// destruction. libzmq asks the handler bound at inproc://zeromq.zap.01 in the socket's own
// context, so one must exist per context, bound before a peer's handshake reaches the
// socket: the constructor returns once it is bound. Refusals are counted and logged (a
// few a second, the rest counted), with the peer's address.
class ZapHandler {
public:
    // Throws std::runtime_error when the ZAP address is taken in this context.
    ZapHandler(zmq::context_t& context, AccessPolicy policy);
    ~ZapHandler();
    ZapHandler(const ZapHandler&) = delete;
    ZapHandler& operator=(const ZapHandler&) = delete;

    // Peers refused so far (any thread).
    std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

private:
    void run(zmq::socket_t& socket);
    void answer(zmq::socket_t& socket, std::vector<zmq::message_t>& request);
    void logRefusal(const std::string& address, const std::string& why);

    const AccessPolicy policy_;
    zmq::socket_t socket_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> refused_{0};
    // Log rate limit, touched on the handler thread only.
    std::int64_t logSecond_ = -1;
    int logsThisSecond_ = 0;
    std::uint64_t unlogged_ = 0;
    std::thread thread_;
};

}  // namespace ng::transport::detail
