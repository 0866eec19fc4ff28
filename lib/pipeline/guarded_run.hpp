// The one try/catch of each tool: maps an escaping exception to a docs/cli.md exit code.
#pragma once

#include <exception>
#include <functional>

namespace ng::pipeline {

// Runs `body` and returns its exit code; an exception becomes one error line on the log
// and exit 2 (UsageError), 3 (TimeoutError) or 1 (anything else).
int runGuarded(const std::function<int()>& body);

}  // namespace ng::pipeline
