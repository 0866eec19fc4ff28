// SIGINT/SIGTERM handling: the first signal asks the pipeline to stop, the second exits.
#pragma once

#include <atomic>

namespace ng {

// Installs the handlers (once per process) and returns the flag they raise. The handler
// only stores to this flag; a second signal ends the process at once with 128+signal.
// SIGPIPE is ignored so a closed stdout reader becomes an EPIPE error, not a silent death.
const std::atomic<bool>& installStopSignals();

}  // namespace ng
