// Error types whose kind decides the exit code (see docs/cli.md: 1 runtime, 2 usage, 3 timeout).
#pragma once

#include <stdexcept>
#include <string>

namespace ng {

enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,
    kExitUsage = 2,
    kExitTimeout = 3,
};

// A bad flag, config value or source/output spelling: exit 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The peer did not answer within --timeout: exit 3.
class TimeoutError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A message that breaks the NetGear_Async format. Per frame it is counted and skipped;
// the message says what was wrong.
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace ng
