// prepareOutputFolder(): mkdir -p and a write probe for file outputs, at start-up; path parts.
#include "sink/output_folder.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "core/errors.hpp"

namespace ng::sink {

namespace {

// access(W_OK) says yes to root on a read-only disk; creating a file is the real test.
bool canCreateFileIn(const std::string& folder, std::string& why) {
    std::string name = folder + "/.ngrecv-write-test-XXXXXX";
    std::vector<char> buffer(name.begin(), name.end());
    buffer.push_back('\0');
    const int fd = ::mkstemp(buffer.data());
    if (fd < 0) {
        why = std::strerror(errno);
        return false;
    }
    ::close(fd);
    ::unlink(buffer.data());
    return true;
}

}  // namespace

std::string folderOf(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string lowerExtension(const std::string& path) {
    const auto dot = path.rfind('.');
    if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return {};
    std::string ext = path.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

void prepareOutputFolder(const std::string& spec, const std::string& folder) {
    namespace fs = std::filesystem;
    std::error_code error;
    if (!fs::exists(folder, error)) {
        fs::create_directories(folder, error);
        if (error) {
            throw UsageError("output '" + spec + "': cannot create its folder '" + folder + "': " +
                             error.message() + " (give a path in a folder you can write to)");
        }
        spdlog::info("created the folder {} for -o {}", folder, spec);
    } else if (!fs::is_directory(folder, error)) {
        throw UsageError("output '" + spec + "': '" + folder +
                         "' is a file, not a folder (give another path)");
    }
    std::string why;
    if (!canCreateFileIn(folder, why)) {
        throw UsageError("output '" + spec + "': cannot write in the folder '" + folder + "': " +
                         why + " (check its permissions, or give a path on a writable disk)");
    }
}

}  // namespace ng::sink
