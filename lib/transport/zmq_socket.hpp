// Internal to transport: stop-aware bounded waits on a ZeroMQ socket.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "transport/channel.hpp"

namespace ng::transport::detail {

// The longest a single wait blocks, so a raised stop flag is noticed within this time.
inline constexpr Millis kPollSlice{100};

// A point in time after which a wait gives up, or none (wait forever).
class Deadline {
public:
    static Deadline never() { return Deadline{}; }
    // A wait too long for the clock to represent (Millis::max()) never ends.
    static Deadline after(Millis wait);
    static Deadline at(SteadyClock::time_point when) { return Deadline{when}; }
    // --timeout semantics: 0 waits forever.
    static Deadline forTimeout(Millis timeout) {
        return timeout.count() == 0 ? never() : after(timeout);
    }

    bool passed() const { return at_ && SteadyClock::now() >= *at_; }
    // How long the next poll may block: at most `slice`, never past the deadline.
    Millis nextSlice(Millis slice) const;
    Deadline earliest(const Deadline& other) const;

private:
    Deadline() = default;
    explicit Deadline(SteadyClock::time_point at) : at_(at) {}
    std::optional<SteadyClock::time_point> at_;
};

enum class WaitResult { Ready, Stopped, Expired };

// Sends the parts as one message, waiting for room until the deadline passes or *stop is
// raised (`stop` may be null: not interruptible). Only the first part waits: once libzmq
// has admitted it, it admits the rest at once, so a message is never abandoned half-sent.
// A signal interrupting the wait (EINTR) only means "not yet".
WaitResult sendMessage(zmq::socket_t& socket, std::vector<zmq::message_t>& parts,
                       const Deadline& deadline, const std::atomic<bool>* stop);

// Receives one whole message (all its parts) into `parts`; waits like sendMessage. A
// message already there is taken even when stop is raised.
WaitResult receiveMessage(zmq::socket_t& socket, std::vector<zmq::message_t>& parts,
                          const Deadline& deadline, const std::atomic<bool>* stop);

// Sets ZMQ_LINGER: how long closing the socket may take to flush queued messages;
// a negative value waits until they are all delivered.
void setLinger(zmq::socket_t& socket, Millis linger);

inline ByteView viewOf(const zmq::message_t& message) {
    return ByteView(message.data(), message.size());
}

// "15 s", "0.3 s": durations as messages to the user state them.
std::string formatSeconds(Millis duration);

}  // namespace ng::transport::detail
