// A rate-limited warning for per-frame failures (invalid messages, frames that do not decode).
#include "pipeline/limited_warning.hpp"

#include <spdlog/spdlog.h>

namespace ng::pipeline {

LimitedWarning::LimitedWarning(std::string what, std::uint64_t limit, std::chrono::seconds period,
                               TellSkipped tellSkipped)
    : what_(std::move(what)),
      limit_(limit),
      period_(period),
      tellSkipped_(std::move(tellSkipped)) {}

void LimitedWarning::warn(const std::string& detail) {
    if (period_.count() > 0) {
        const auto now = SteadyClock::now();
        if (now - periodStart_ >= period_) {
            flush();
            periodStart_ = now;
            inPeriod_ = 0;
        }
    }
    ++total_;
    if (inPeriod_++ < limit_) {
        spdlog::warn("{}: {}", what_, detail);
    } else {
        ++skipped_;
    }
}

void LimitedWarning::flush() {
    if (skipped_ > 0) tellSkipped_(skipped_, total_);
    skipped_ = 0;
}

}  // namespace ng::pipeline
