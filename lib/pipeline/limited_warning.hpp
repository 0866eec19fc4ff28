// LimitedWarning: a per-frame warning logged a few times, the rest counted and told at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.hpp"

namespace ng::pipeline {

// Logs "<what>: <detail>" at most `limit` times per `period` (with a zero period: the first
// `limit` times of the run), so that a flood of bad frames cannot flood the log. Those over
// the limit are only counted, and `tellSkipped(skipped, total)` tells them in one line when
// the next period's first warning comes, on flush() and on destruction, so nothing goes
// untold. Not thread-safe: one thread warns.
class LimitedWarning {
public:
    using TellSkipped = std::function<void(std::uint64_t skipped, std::uint64_t total)>;

    LimitedWarning(std::string what, std::uint64_t limit, std::chrono::seconds period,
                   TellSkipped tellSkipped);
    ~LimitedWarning() { flush(); }
    LimitedWarning(const LimitedWarning&) = delete;
    LimitedWarning& operator=(const LimitedWarning&) = delete;

    void warn(const std::string& detail);
    // Tells the warnings skipped since the last time, if any.
    void flush();

private:
    const std::string what_;
    const std::uint64_t limit_;
    const std::chrono::seconds period_;
    const TellSkipped tellSkipped_;
    SteadyClock::time_point periodStart_{};
    std::uint64_t inPeriod_ = 0;
    std::uint64_t skipped_ = 0;
    std::uint64_t total_ = 0;
};

}  // namespace ng::pipeline
