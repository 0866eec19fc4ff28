// Endpoint URLs and pattern names as ZeroMQ and the user see them.
#include "transport/endpoint.hpp"

namespace ng::transport {

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

}  // namespace ng::transport
