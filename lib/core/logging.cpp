// Logging set-up shared by both tools.
#include "core/logging.hpp"

#include <cstdlib>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ng {

void configureLogging(const std::string& toolName, const std::string& level) {
    auto logger = spdlog::stderr_color_mt(toolName);
    logger->set_pattern("%n: [%^%l%$] %v");
    spdlog::set_default_logger(logger);
    if (level.empty()) {
        spdlog::set_level(spdlog::level::info);
        spdlog::cfg::load_env_levels();  // honours SPDLOG_LEVEL, as spdlog users expect
    } else {
        spdlog::set_level(spdlog::level::from_str(level));
    }
}

}  // namespace ng
