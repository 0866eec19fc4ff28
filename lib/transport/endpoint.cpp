// Endpoint URLs and pattern names as ZeroMQ and the user see them, and which end binds.
#include "transport/endpoint.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <sys/socket.h>

#include <memory>

#include <spdlog/spdlog.h>

#include "core/errors.hpp"

namespace ng::transport {

namespace {

bool isIpLiteral(const std::string& address) {
    std::string bare = address;
    if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') {
        bare = bare.substr(1, bare.size() - 2);
    }
    unsigned char buffer[sizeof(in6_addr)];
    return inet_pton(AF_INET, bare.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, bare.c_str(), buffer) == 1;
}

// The first address `host` resolves to, IPv4 before IPv6 (most hosts serve both, and
// "localhost" must not become ::1 where IPv6 is off); "" when it resolves to none.
std::string resolveHost(const std::string& host, std::string& why) {
    for (const int family : {AF_INET, AF_INET6}) {
        addrinfo hints{};
        hints.ai_family = family;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
        if (rc != 0) {
            if (why.empty()) why = gai_strerror(rc);
            continue;
        }
        std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw = family == AF_INET
                              ? static_cast<const void*>(
                                    &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr)
                              : static_cast<const void*>(
                                    &reinterpret_cast<sockaddr_in6*>(found->ai_addr)->sin6_addr);
        if (inet_ntop(family, raw, text, sizeof text)) return text;
    }
    return "";
}

// ZeroMQ binds to an address or an interface name, not to a host name: turn a host name
// into the address it stands for.
std::string bindableAddress(const std::string& address) {
    if (address == kAnyInterface || isIpLiteral(address)) return address;
    if (if_nametoindex(address.c_str()) != 0) return address;  // "lo", "eth0": ZeroMQ's own
    std::string why;
    const std::string resolved = resolveHost(address, why);
    if (resolved.empty()) {
        throw UsageError("--address " + address +
                         ": cannot bind to it: not an address, an "
                         "interface of this machine or a host name that resolves (" +
                         why + "); use * to bind every interface");
    }
    // Named here, as later messages show only the address.
    spdlog::info("--address {}: binding to {}, the address it resolves to", address, resolved);
    return resolved;
}

}  // namespace

const char* patternName(Pattern p) {
    switch (p) {
        case Pattern::Pair:
            return "PAIR";
        case Pattern::ReqRep:
            return "REQ/REP";
        case Pattern::PubSub:
            return "PUB/SUB";
        case Pattern::PushPull:
            return "PUSH/PULL";
    }
    return "unknown";
}

std::string Endpoint::url() const {
    if (protocol == Protocol::Ipc) return "ipc://" + address;
    // A bare IPv6 literal needs brackets, or its colons would be read as the port separator.
    const bool bareIpv6 = address.find(':') != std::string::npos && address.front() != '[';
    const std::string host = bareIpv6 ? "[" + address + "]" : address;
    return "tcp://" + host + ":" + std::to_string(port);
}

Endpoint endpointFor(const EndpointRequest& request) {
    Endpoint endpoint;
    endpoint.protocol = request.protocol;
    endpoint.port = request.port;
    endpoint.bind = request.forceBind || (request.isReceiver && !request.forceConnect);
    if (request.address.empty()) {
        endpoint.address = endpoint.bind ? kAnyInterface : kDefaultPeerHost;
    } else if (endpoint.bind && endpoint.protocol == Protocol::Tcp) {
        endpoint.address = bindableAddress(request.address);
    } else {
        endpoint.address = request.address;
    }
    return endpoint;
}

}  // namespace ng::transport
