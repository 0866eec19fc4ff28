// Internal to transport: what ending a stream may take, and the end-of-stream message.
#pragma once

#include <atomic>

#include "transport/zmq_socket.hpp"
#include "wire/messages.hpp"

namespace ng::transport::detail {

class Channel;

// The time ending a stream may take: the timeout, cut short by a stop request. Ending
// cleanly is worth a moment even after the first Ctrl-C, but the user is waiting.
class EndingBudget {
public:
    EndingBudget(Millis timeout, const std::atomic<bool>& stop);

    // Runs `operation(deadline, stopFlag)`, a stop-aware wait, within the budget.
    template <typename Operation>
    WaitResult wait(Operation operation) {
        for (;;) {
            const WaitResult result = operation(deadline_, stop_);
            if (result != WaitResult::Stopped) return result;
            cutShort();
        }
    }

private:
    void cutShort();

    Deadline deadline_;
    const std::atomic<bool>* stop_;
};

// How long closing the sender may wait for queued frames to reach the receiver: the
// timeout, or a short grace once stopping; negative waits until all are delivered.
Millis flushLinger(const Channel& channel);

// Sends the end-of-stream message `endMessage` within `budget`. Once a receiver has taken it,
// closing the socket flushes what is still queued (flushLinger()). False, after a warning, when no
// receiver took it.
bool sendTerminate(Channel& channel, EndingBudget& budget, const wire::Bytes& endMessage);

}  // namespace ng::transport::detail
