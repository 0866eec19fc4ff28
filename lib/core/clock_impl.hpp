// Template part of Pacer (see clock.hpp).
#pragma once

#include <algorithm>
#include <thread>

namespace ng {

inline Pacer::Pacer(double fps) {
    if (fps > 0) {
        period_ = std::chrono::duration_cast<SteadyClock::duration>(
            std::chrono::duration<double>(1.0 / fps));
    }
}

template <typename StopFlag>
void Pacer::wait(const StopFlag& stop) {
    if (period_.count() == 0) return;
    const auto now = SteadyClock::now();
    if (!started_) {
        started_ = true;
        next_ = now + period_;
        return;
    }
    // More than a few periods behind (a stall): restart the schedule rather than burst.
    if (now - next_ > 4 * period_) next_ = now;
    // Sleep in short slices so a stop request is honoured promptly.
    constexpr auto kSlice = std::chrono::milliseconds(50);
    while (!stop && SteadyClock::now() < next_) {
        std::this_thread::sleep_for(std::min<SteadyClock::duration>(next_ - SteadyClock::now(), kSlice));
    }
    next_ += period_;
}

}  // namespace ng
