// Internal to transport: what a messaging pattern decides at the sending end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "transport/zmq_socket.hpp"
#include "wire/messages.hpp"

namespace ng::transport::detail {

class QueuedBytes;

// The most frames a sender keeps in flight, held by libzmq (PUSH) or awaiting their answers
// (PAIR). The fewer buffers take turns, the likelier the one the kernel copies out is still
// in the CPU's last-level cache.
inline constexpr std::size_t kFramesInFlight = 4;

// One pattern's rules at the sending end, one object per stream (PatternRules::makeSender()).
// FrameSender does what every pattern does alike (checks, building and sending the frame
// message, the timeout error) and asks this where patterns differ. The defaults are "no such
// rule". Called on the sender's thread only.
class SenderPolicy {
public:
    virtual ~SenderPolicy() = default;

    // Waits until a frame of `frameBytes` may go out, within `deadline`. Stopped ends send()
    // with nullopt; Expired makes it throw that no receiver took the frame.
    virtual WaitResult beforeSend(std::size_t /*frameBytes*/, const Deadline& /*deadline*/) {
        return WaitResult::Ready;
    }
    // Counts the frame's zero-copy part while libzmq holds it, where the pattern bounds
    // that; nullptr otherwise.
    virtual QueuedBytes* queuedBytes() { return nullptr; }
    // The frame's message, about to go out: a pattern that may send it again keeps a copy.
    virtual void beforeSending(std::vector<zmq::message_t>& /*message*/) {}
    // Frame `seq` of `frameBytes` went out: what send() returns (see FrameSender::send()).
    virtual wire::Reply afterSend(std::uint64_t /*seq*/, std::size_t /*frameBytes*/) {
        return wire::Reply{};
    }

    // FrameSender::awaitRoom() for a frame of `lastFrameBytes` (not 0).
    virtual WaitResult awaitRoom(std::size_t /*lastFrameBytes*/) { return WaitResult::Ready; }
    // FrameSender::flush().
    virtual std::vector<wire::Reply> flush() { return {}; }
    // FrameSender::terminate(), called once: sends `endMessage`, the end-of-stream message.
    virtual std::optional<std::string> terminate(const wire::Bytes& endMessage) = 0;
    // FrameSender::unansweredFrames().
    virtual std::uint64_t unansweredFrames() const { return 0; }
    // FrameSender::framesSentAgain().
    virtual std::uint64_t framesSentAgain() const { return 0; }
};

}  // namespace ng::transport::detail
