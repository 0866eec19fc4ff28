// Signal handlers that only set an atomic flag (async-signal-safe), ustreamer style.
#include "core/signals.hpp"

#include <csignal>
#include <unistd.h>

namespace ng {

namespace {

// Signal handlers cannot carry context, so the flag is necessarily process-wide.
std::atomic<bool> gStopRequested{false};
std::atomic<int> gSignalsSeen{0};

extern "C" void onStopSignal(int signalNumber) {
    if (gSignalsSeen.fetch_add(1) >= 1) _exit(128 + signalNumber);
    gStopRequested.store(true);
}

}  // namespace

const std::atomic<bool>& installStopSignals() {
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    return gStopRequested;
}

}  // namespace ng
