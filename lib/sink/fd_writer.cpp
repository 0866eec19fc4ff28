// FdWriter: the write(2) loop with the error messages ngrecv shows.
#include "sink/fd_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/errors.hpp"

namespace ng::sink {

void FdWriter::writeAll(const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd_, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE) {
                throw std::runtime_error("stdout closed (the reader of -o " + output_ + " exited)");
            }
            throw std::runtime_error("cannot write -o " + output_ +
                                     " to stdout: " + std::strerror(errno));
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

void FdWriter::requireNotTerminal() const {
    if (::isatty(fd_)) {
        throw UsageError("-o " + output_ +
                         ": stdout is a terminal; pipe it into a player or encoder, e.g. "
                         "ngrecv -o - | ffplay -, or redirect it to a file");
    }
}

}  // namespace ng::sink
