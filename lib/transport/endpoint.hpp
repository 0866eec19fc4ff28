// Endpoint and pattern vocabulary shared by the CLI and the transport.
#pragma once

#include <string>

namespace ng::transport {

// ZeroMQ messaging pattern, numbered as in NetGear_Async.
enum class Pattern { Pair = 0, ReqRep = 1, PubSub = 2, PushPull = 3 };
enum class Protocol { Tcp, Ipc };

// Patterns in which the receiver answers every frame (and the terminate message).
inline bool answersEachFrame(Pattern p) { return p == Pattern::Pair || p == Pattern::ReqRep; }
const char* patternName(Pattern p);

struct Endpoint {
    Protocol protocol = Protocol::Tcp;
    std::string address;  // host or interface ("*"); for ipc, a filesystem path
    int port = 5555;      // tcp only; 0 = any free port (bind only)
    bool bind = false;    // this end binds rather than connects

    // "tcp://host:port" or "ipc://path".
    std::string url() const;
};

}  // namespace ng::transport
