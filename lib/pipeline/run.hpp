// The two tools' pipelines: build from options, run to the end, return the exit code.
#pragma once

#include "cli/options.hpp"

namespace ng::pipeline {

// Capture thread -> bounded queue -> send thread. Returns a cli.md exit code; every
// failure has been logged as one line naming the thing and the fix.
int runSender(const cli::SendOptions& options);

// Receive thread -> bounded queue -> sink thread. Returns a cli.md exit code; outputs
// are finalised whatever the reason the stream ended.
int runReceiver(const cli::RecvOptions& options);

}  // namespace ng::pipeline
