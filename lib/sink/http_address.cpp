// parseHttpAddress(): the -o http://HOST:PORT spelling, checked before the plugin loads.
#include <cctype>

#include "core/errors.hpp"
#include "sink/http_settings.hpp"

namespace ng::sink {

namespace {

constexpr int kMaxPort = 65535;

[[noreturn]] void malformed(const std::string& spec, const std::string& why) {
    throw UsageError("output '" + spec + "': " + why +
                     "; write http://HOST:PORT (e.g. http://0.0.0.0:8080, http://:8080 for every "
                     "interface, http://127.0.0.1:0 for a free port)");
}

}  // namespace

std::optional<HttpAddress> parseHttpAddress(const std::string& spec) {
    const std::string scheme = kHttpScheme;
    if (spec.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
    std::string rest = spec.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.find('/') != std::string::npos) malformed(spec, "a path is not served");
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string::npos) malformed(spec, "the port is missing");
    HttpAddress address;
    address.host = rest.substr(0, colon);
    if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
        address.host = address.host.substr(1, address.host.size() - 2);
    } else if (address.host.find(':') != std::string::npos) {
        malformed(spec, "an IPv6 address goes in brackets, [::1]");
    }
    const std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5) malformed(spec, "the port must be a number 0-65535");
    for (const char c : port) {
        if (!std::isdigit(static_cast<unsigned char>(c))) {
            malformed(spec, "the port must be a number 0-65535");
        }
    }
    address.port = std::stoi(port);
    if (address.port > kMaxPort) malformed(spec, "the port must be a number 0-65535");
    return address;
}

}  // namespace ng::sink
