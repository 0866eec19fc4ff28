#include "core/loopback_host.hpp"

namespace ng {

bool isLoopbackHost(const std::string& host) {
    return host == "localhost" || host == "::1" || host.compare(0, 4, "127.") == 0;
}

}  // namespace ng
