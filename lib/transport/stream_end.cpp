// Ending a stream: the budget for it, the flush on close and the end-of-stream message.
#include "transport/stream_end.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "transport/frame_message.hpp"
#include "transport/zmq_channel.hpp"

namespace ng::transport::detail {

namespace {

// After a stop request (the first Ctrl-C asks for a clean end) the end-of-stream message
// is still worth delivering, but only for this long: the user is waiting.
constexpr Millis kStopGrace{1000};

}  // namespace

EndingBudget::EndingBudget(Millis timeout, const std::atomic<bool>& stop)
    : deadline_(Deadline::forTimeout(timeout)), stop_(&stop) {}

void EndingBudget::cutShort() {
    deadline_ = deadline_.earliest(Deadline::after(kStopGrace));
    stop_ = nullptr;
}

// The reference closed with 0 here and lost the tail of every PUSH stream.
Millis flushLinger(const Channel& channel) {
    if (channel.stop()) return kStopGrace;
    const Millis timeout = channel.config().timeout;
    return timeout.count() == 0 ? Millis{-1} : timeout;
}

bool sendTerminate(Channel& channel, EndingBudget& budget, const wire::Bytes& endMessage) {
    std::vector<zmq::message_t> message = singlePart(endMessage);
    const WaitResult sent = budget.wait(
        [&](const Deadline& d, const std::atomic<bool>* s) { return channel.send(message, d, s); });
    if (sent != WaitResult::Ready) {
        // Nobody takes messages, so there is nothing to flush: the linger stays 0.
        spdlog::warn(
            "no receiver at {} took the end-of-stream message; it stops at its own "
            "timeout",
            channel.endpoint());
        return false;
    }
    channel.setLinger(flushLinger(channel));
    return true;
}

}  // namespace ng::transport::detail
