// A plugin for test_plugin_loader.cpp: reports what it sees of the loading process's state.
#include <spdlog/spdlog.h>

#include "core/signals.hpp"

// Whether the stop flag this plugin sees is raised (installing the handlers again is
// harmless: they only set the flag).
extern "C" __attribute__((visibility("default"))) bool ng_probe_stop_requested() {
    return ng::installStopSignals().load();
}

// The spdlog level this plugin logs at.
extern "C" __attribute__((visibility("default"))) int ng_probe_log_level() {
    return static_cast<int>(spdlog::get_level());
}
