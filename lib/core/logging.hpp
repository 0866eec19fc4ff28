// Logging set-up: every log line goes to stderr, because stdout may carry video or replies.
#pragma once

#include <string>

namespace ng {

// Routes spdlog's default logger to stderr as "tool: [level] message" at `level`
// (an spdlog level name). SPDLOG_LEVEL in the environment wins when `level` is "".
void configureLogging(const std::string& toolName, const std::string& level);

}  // namespace ng
