// Checks an ipc socket path before binding it and removes the file after closing.
#include "transport/ipc_path.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ng::transport::detail {

namespace {

// Owns a file descriptor for the length of one probe.
class UniqueFd {
public:
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// Whether a process listens on the Unix socket at `path`.
bool acceptsConnections(const std::string& path) {
    sockaddr_un address{};
    if (path.size() >= sizeof(address.sun_path)) return false;  // libzmq refuses it anyway
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe.get() < 0) return false;
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
        return true;
    }
    // A full backlog (EAGAIN) still means someone listens.
    return errno != ECONNREFUSED && errno != ENOENT;
}

}  // namespace

IpcPathState inspectIpcPath(const std::string& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) return IpcPathState::Free;
    if (!S_ISSOCK(info.st_mode)) return IpcPathState::NotASocket;
    return acceptsConnections(path) ? IpcPathState::LiveSocket : IpcPathState::StaleSocket;
}

IpcFileRemover::~IpcFileRemover() {
    if (path_.empty() || inspectIpcPath(path_) != IpcPathState::StaleSocket) return;
    if (::unlink(path_.c_str()) != 0) {
        spdlog::debug("could not remove the ipc socket file {}: {}", path_, std::strerror(errno));
    }
}

}  // namespace ng::transport::detail
