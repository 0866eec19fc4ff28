// Plugin loader: finds libng_<name>.so, dlopens it once per process and resolves symbols.
//
// Plugin ABI: a plugin exports extern "C" factory functions that return a raw pointer to a
// C++ interface (ng::source::Source, ng::sink::Sink); the caller wraps it in a unique_ptr at
// once. Plugins are built by the same project with the same compiler and libstdc++, so C++
// objects, std::string and exceptions cross the boundary safely; a plugin from another
// build is not supported (reinstalling replaces the tools and the plugins together).
#include "core/plugin_loader.hpp"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "version.hpp"

namespace ng {

namespace {

std::string executableDir() {
    std::string path(4096, '\0');
    const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size());
    if (n <= 0) return {};
    path.resize(static_cast<std::size_t>(n));
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string{} : path.substr(0, slash);
}

// The folders to search, in order of precedence (see plugin_loader.hpp).
std::vector<std::string> searchDirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("NG_PLUGIN_DIR"); env && *env) dirs.emplace_back(env);
    if (const std::string exeDir = executableDir(); !exeDir.empty()) {
        dirs.push_back(exeDir + "/" + kPluginDirFromBinDir);
    }
    dirs.emplace_back(NG_PLUGIN_INSTALL_DIR);
    return dirs;
}

bool fileExists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void* openPlugin(const std::string& name) {
    const std::string file = "libng_" + name + ".so";
    std::string tried;
    for (const std::string& dir : searchDirs()) {
        const std::string path = dir + "/" + file;
        if (!tried.empty()) tried += "; ";
        if (!fileExists(path)) {
            tried += dir + " (not there)";
            continue;
        }
        if (void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
            spdlog::debug("loaded plugin {}", path);
            return handle;
        }
        // The file is there but cannot load (a missing OpenCV library, a stale build):
        // say why, and still try the other folders.
        const char* why = ::dlerror();
        const std::string reason = why ? why : "unknown dlopen error";
        spdlog::debug("cannot load plugin {}: {}", path, reason);
        tried += dir + " (" + reason + ")";
    }
    throw std::runtime_error("cannot load plugin " + file + ": tried " + tried +
                             "; reinstall ngstream (or build target ng_" + name +
                             "), or set NG_PLUGIN_DIR to the folder that holds " + file);
}

}  // namespace

void* loadPluginSymbol(const std::string& name, const char* symbol) {
    // The only process-wide state in the library: a loaded plugin is never unloaded (the
    // objects it created may outlive any one caller, and OpenCV's backends keep threads
    // and static registries), so the handles live as long as the process. The mutex lets
    // sources and sinks on different threads load plugins concurrently.
    static std::mutex mutex;
    static std::map<std::string, void*> handles;

    std::lock_guard<std::mutex> lock(mutex);
    auto it = handles.find(name);
    if (it == handles.end()) it = handles.emplace(name, openPlugin(name)).first;

    ::dlerror();  // clear any stale error so the one below belongs to this dlsym
    void* address = ::dlsym(it->second, symbol);
    if (!address) {
        const char* why = ::dlerror();
        throw std::runtime_error("plugin libng_" + name + ".so has no symbol " + symbol + " (" +
                                 (why ? why : "null symbol") +
                                 "): it comes from another ngstream build; reinstall ngstream "
                                 "or point NG_PLUGIN_DIR at this build's plugins");
    }
    return address;
}

}  // namespace ng
