// Endpoint and pattern vocabulary shared by the CLI and the transport, and which end binds.
#pragma once

#include <string>

namespace ng::transport {

// ZeroMQ messaging pattern, numbered as in NetGear_Async.
enum class Pattern { Pair = 0, ReqRep = 1, PubSub = 2, PushPull = 3 };
enum class Protocol { Tcp, Ipc };

// Patterns in which the receiver answers every frame (and the terminate message).
inline bool answersEachFrame(Pattern p) { return p == Pattern::Pair || p == Pattern::ReqRep; }
const char* patternName(Pattern p);

// The address an end uses when --address is not given.
inline constexpr const char* kAnyInterface = "*";             // the binding end: every interface
inline constexpr const char* kDefaultPeerHost = "localhost";  // the connecting end

struct Endpoint {
    Protocol protocol = Protocol::Tcp;
    std::string address;  // host or interface ("*"); for ipc, a filesystem path
    int port = 5555;      // tcp only; 0 = any free port (bind only)
    bool bind = false;    // this end binds rather than connects

    // "tcp://host:port" or "ipc://path".
    std::string url() const;
};

// What the user asked of one end: its side of the stream, --bind/--connect, and
// --address ("" = not given), --port and --protocol.
struct EndpointRequest {
    bool isReceiver = false;
    bool forceBind = false;
    bool forceConnect = false;
    Protocol protocol = Protocol::Tcp;
    std::string address;
    int port = 5555;
};

// The endpoint for `request`. The receiver binds and the sender connects, as in
// NetGear_Async, unless --bind or --connect swaps them. A binding end given a host name
// (`-a localhost`) gets the IPv4 address it resolves to, because ZeroMQ binds only to
// addresses and interface names; "*", addresses, interface names and ipc paths stay as
// given. Throws UsageError naming the host when it is none of these.
Endpoint endpointFor(const EndpointRequest& request);

}  // namespace ng::transport
