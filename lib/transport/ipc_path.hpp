// Internal to transport: guards around the socket file of an ipc endpoint that libzmq lacks.
#pragma once

#include <string>

#include "transport/endpoint.hpp"

namespace ng::transport::detail {

// What is at an ipc path before this end binds it. libzmq 4.3 binds by first deleting
// whatever is there, so it would silently take a path from a live peer, or delete a file
// that a mistyped --address happens to name.
enum class IpcPathState { Free, StaleSocket, LiveSocket, NotASocket };
IpcPathState inspectIpcPath(const std::string& path);

// Removes the socket file of an ipc endpoint this end bound, which libzmq 4.3 leaves
// behind. Must be destroyed after the ZeroMQ context (declare it before), so the
// listener is closed by then; a file that a live peer has taken over since is left alone.
class IpcFileRemover {
public:
    IpcFileRemover() = default;
    ~IpcFileRemover();
    IpcFileRemover(const IpcFileRemover&) = delete;
    IpcFileRemover& operator=(const IpcFileRemover&) = delete;

    // Call once the bind succeeded; only an ipc endpoint that was bound leaves a file.
    void arm(const Endpoint& endpoint) {
        if (endpoint.protocol == Protocol::Ipc && endpoint.bind) path_ = endpoint.address;
    }

private:
    std::string path_;
};

}  // namespace ng::transport::detail
