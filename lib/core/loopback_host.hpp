// Whether a host name or address stays on this machine.
#pragma once

#include <string>

namespace ng {

// True for 127.0.0.0/8, ::1 and localhost: only this machine can reach it, and no cable
// between two machines can be cut under it.
bool isLoopbackHost(const std::string& host);

}  // namespace ng
