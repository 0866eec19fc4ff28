// The two tools' pipelines: build from options, run to the end, return the exit code.
#pragma once

#include "cli/options.hpp"

namespace ng::pipeline {

// Capture stage -> bounded queue -> send loop. Returns a docs/cli.md exit code; every
// failure has been logged as one line naming the thing and the fix.
int runSender(const cli::SendOptions& options);

// Receive loop -> bounded queue -> sink stage. Returns a docs/cli.md exit code; outputs
// are finalised whatever the reason the stream ended.
int runReceiver(const cli::RecvOptions& options);

}  // namespace ng::pipeline
