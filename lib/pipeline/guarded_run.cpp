// Exception-to-exit-code mapping shared by ngsend and ngrecv.
#include "pipeline/guarded_run.hpp"

#include <spdlog/spdlog.h>

#include "core/errors.hpp"

namespace ng::pipeline {

int runGuarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const UsageError& e) {
        spdlog::error("{}", e.what());
        return kExitUsage;
    } catch (const TimeoutError& e) {
        spdlog::error("{}", e.what());
        return kExitTimeout;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitFailure;
    }
}

}  // namespace ng::pipeline
