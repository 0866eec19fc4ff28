// FdWriter: writes whole buffers to a borrowed file descriptor (stdout for -o - and raw:-).
#pragma once

#include <cstddef>
#include <string>
#include <utility>

namespace ng::sink {

// Bulk video goes through ::write rather than iostreams: no extra buffering or copies, and
// a closed pipe is reported as an error instead of being latched in a stream state.
class FdWriter {
public:
    // `fd` is borrowed and stays open; `output` names the -o value for error messages.
    FdWriter(int fd, std::string output) : fd_(fd), output_(std::move(output)) {}

    // Writes all `size` bytes, retrying partial writes and EINTR. Throws
    // std::runtime_error when the reader went away (EPIPE; the pipeline ignores SIGPIPE)
    // or on any other write error.
    void writeAll(const void* data, std::size_t size);

    // Throws UsageError when the fd is a terminal: video bytes there help nobody.
    void requireNotTerminal() const;

    int fd() const { return fd_; }

private:
    int fd_;
    std::string output_;
};

}  // namespace ng::sink
