// QueuedBytes: a byte count shared with libzmq's release callbacks.
#include "transport/queued_bytes.hpp"

#include <algorithm>
#include <utility>

namespace ng::transport::detail {

namespace {
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
    : budget_(budget), maxFrames_(maxFrames) {}

std::size_t QueuedBytes::framesThatFit(std::size_t bytes) const {
    return framesWithin(budget_, bytes, maxFrames_);
}

WaitResult QueuedBytes::waitForRoom(std::size_t bytes, const Deadline& deadline,
                                    const std::atomic<bool>* stop) {
    std::unique_lock<std::mutex> lock(state_->mutex);
    for (;;) {
        if (state_->frames == 0 ||
            (state_->queued + bytes <= budget_ && state_->frames < maxFrames_)) {
            return WaitResult::Ready;
        }
        if (stop && stop->load()) return WaitResult::Stopped;
        if (deadline.passed()) return WaitResult::Expired;
        state_->released.wait_for(lock, deadline.nextSlice(kPollSlice));
    }
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
    {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->queued -= held->bytes;
        --state->frames;
    }
    state->released.notify_one();
}

}  // namespace ng::transport::detail
