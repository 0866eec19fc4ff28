// The HTTP output's settings and its -o spelling, http://HOST:PORT (issue 21).
#pragma once

#include <optional>
#include <string>

namespace ng::sink {

inline constexpr const char* kHttpScheme = "http://";

// What --http-quality, --http-max-clients and --http-token set.
struct HttpSettings {
    int quality = 80;     // JPEG quality of raw frames encoded for viewers
    int maxClients = 16;  // video streams served at once; more get 503
    std::string token;    // required of every request when not ""
};

// Where the server listens. An empty host is every interface (http://:PORT).
struct HttpAddress {
    std::string host;
    int port = 0;  // 0: a free port, chosen by the system
};

// Reads "http://HOST:PORT", "http://:PORT" or "http://[V6]:PORT" (no path). Returns nothing
// for a value that does not start with http://; throws UsageError naming the fix for one
// that does but is malformed.
std::optional<HttpAddress> parseHttpAddress(const std::string& spec);

}  // namespace ng::sink
