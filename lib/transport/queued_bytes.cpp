// QueuedBytes: a byte count shared with libzmq's release callbacks.
#include "transport/queued_bytes.hpp"

#include <algorithm>
#include <utility>

namespace ng::transport::detail {

namespace {
// Where at least this many frames may be queued, a sender that has to wait waits for half
// of them: the other half keeps libzmq busy while it captures the next ones.
constexpr std::size_t kBurstFromFrames = 4;

// What libzmq hands back to release(): the frame's buffer and where to count it off.
struct Held {
    std::shared_ptr<const void> owner;
    std::size_t bytes;
    std::shared_ptr<void> state;  // QueuedBytes::State, type-erased for the static release
};
}  // namespace

std::size_t framesWithin(std::size_t budget, std::size_t frameBytes, std::size_t maxFrames) {
    return std::clamp<std::size_t>(budget / std::max<std::size_t>(frameBytes, 1), 1, maxFrames);
}

QueuedBytes::QueuedBytes(std::size_t budget, std::size_t maxFrames)
    : budget_(budget), maxFrames_(maxFrames), state_(std::make_shared<State>(budget)) {}

std::size_t QueuedBytes::framesThatFit(std::size_t bytes) const {
    return framesWithin(budget_, bytes, maxFrames_);
}

WaitResult QueuedBytes::waitForRoom(std::size_t bytes, const Deadline& deadline,
                                    const std::atomic<bool>* stop) {
    std::unique_lock<std::mutex> lock(state_->mutex);
    if (state_->roomFor(bytes, maxFrames_)) return WaitResult::Ready;
    const std::size_t fit = framesThatFit(bytes);
    const std::size_t frameLimit = fit >= kBurstFromFrames ? fit / 2 + 1 : maxFrames_;
    WaitResult result = WaitResult::Ready;
    state_->waiting = true;
    state_->waitBytes = bytes;
    state_->waitFrames = frameLimit;
    while (!state_->roomFor(bytes, frameLimit)) {
        if (stop && stop->load()) {
            result = WaitResult::Stopped;
            break;
        }
        if (deadline.passed()) {
            result = WaitResult::Expired;
            break;
        }
        state_->released.wait_for(lock, deadline.nextSlice(kPollSlice));
    }
    state_->waiting = false;
    return result;
}

void* QueuedBytes::hold(std::shared_ptr<const void> owner, std::size_t bytes) {
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->queued += bytes;
        ++state_->frames;
    }
    return new Held{std::move(owner), bytes, state_};
}

void QueuedBytes::release(void* /*data*/, void* hint) {
    std::unique_ptr<Held> held(static_cast<Held*>(hint));
    // The buffer goes back to its pool before the sender hears of the room, so that the
    // frame it captures next reuses this buffer instead of allocating another.
    held->owner.reset();
    auto* state = static_cast<State*>(held->state.get());
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->queued -= held->bytes;
        --state->frames;
        // Decided under the lock, which the waiter holds from its last look at the count
        // until it sleeps: a release between the two cannot go unheard.
        wake = state->waiting && state->roomFor(state->waitBytes, state->waitFrames);
    }
    if (wake) state->released.notify_one();
}

}  // namespace ng::transport::detail
