// Logging set-up: every log line goes to stderr, because stdout may carry video or replies.
#pragma once

#include <string>

namespace ng {

// Routes spdlog's default logger to stderr as "tool: [level] message" at `level`
// (an spdlog level name), the level coloured only on a terminal; when stderr is systemd's
// journal, as "<priority>message" instead. SPDLOG_LEVEL in the environment wins when
// `level` is "".
void configureLogging(const std::string& toolName, const std::string& level);

}  // namespace ng
