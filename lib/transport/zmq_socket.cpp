// The sliced, stop-aware waits of a ZeroMQ socket.
#include "transport/zmq_socket.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace ng::transport::detail {

namespace {

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
