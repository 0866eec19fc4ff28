// BoundedQueue: the hand-off between a producer thread and a consumer thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace ng {

// What push() does when the queue is full.
enum class OverflowPolicy {
    Block,       // wait for room: nothing is lost, the producer slows down
    DropOldest,  // discard the oldest item and count it: the newest frame wins
};

// A fixed-capacity FIFO between threads. close() wakes everyone: pushes then fail, and pops
// drain what is left before reporting the end.
template <typename T>
class BoundedQueue {
public:
    BoundedQueue(std::size_t capacity, OverflowPolicy policy)
        : capacity_(capacity == 0 ? 1 : capacity), policy_(policy) {}

    // Returns false when the queue was closed (the item is dropped).
    bool push(T item) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (policy_ == OverflowPolicy::Block) {
            notFull_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
        } else if (!closed_ && items_.size() >= capacity_) {
            items_.pop_front();
            ++dropped_;
        }
        if (closed_) return false;
        items_.push_back(std::move(item));
        notEmpty_.notify_one();
        return true;
    }

    // Waits up to `timeout` for an item. Empty when timed out or closed and drained.
    template <typename Rep, typename Period>
    std::optional<T> pop(std::chrono::duration<Rep, Period> timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!notEmpty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) {
            return std::nullopt;
        }
        return takeFront();
    }

    // Waits for an item until closed. Empty only when closed and drained.
    std::optional<T> pop() {
        std::unique_lock<std::mutex> lock(mutex_);
        notEmpty_.wait(lock, [&] { return closed_ || !items_.empty(); });
        return takeFront();
    }

    void close() {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        notEmpty_.notify_all();
        notFull_.notify_all();
    }

    bool closed() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return closed_;
    }
    std::uint64_t dropped() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return dropped_;
    }
    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return items_.size();
    }

private:
    std::optional<T> takeFront() {
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        // A blocked producer is woken once half the queue is free rather than after every
        // pop: one wake-up per few items instead of a context switch per frame.
        if (items_.size() <= capacity_ / 2) notFull_.notify_one();
        return item;
    }

    const std::size_t capacity_;
    const OverflowPolicy policy_;
    mutable std::mutex mutex_;
    std::condition_variable notEmpty_;
    std::condition_variable notFull_;
    std::deque<T> items_;
    std::uint64_t dropped_ = 0;
    bool closed_ = false;
};

}  // namespace ng
