// Clocks: wall time for capture stamps that cross machines, steady time for pacing.
#pragma once

#include <chrono>
#include <cstdint>

namespace ng {

using SteadyClock = std::chrono::steady_clock;

// Microseconds since the Unix epoch; comparable between sender and receiver only as far
// as their clocks agree (exactly, on one machine).
inline std::int64_t wallClockMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Paces a loop to at most `fps` iterations a second without drift; fps <= 0 never waits.
// A late frame does not cause a burst: the schedule restarts from now when far behind.
class Pacer {
public:
    explicit Pacer(double fps);
    // Sleeps until the next slot, or returns early when `stop` becomes true.
    template <typename StopFlag>
    void wait(const StopFlag& stop);

private:
    SteadyClock::duration period_{};
    SteadyClock::time_point next_{};
    bool started_ = false;
};

}  // namespace ng

#include "core/clock_impl.hpp"
