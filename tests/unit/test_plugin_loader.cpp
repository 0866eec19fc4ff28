// Tests of the plugin loader: its errors, that the default path never loads OpenCV videoio,
// and that a plugin shares the loading process's stop flag and log level.
#include <doctest/doctest.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "core/plugin_loader.hpp"
#include "core/signals.hpp"
#include "sink/sink.hpp"
#include "source/source.hpp"

extern char** environ;

namespace fs = std::filesystem;

using ng::test::TempDir;
using ng::test::ScopedEnv;

namespace {

std::string loadError(const std::string& name, const char* symbol) {
    return ng::test::messageOf<std::runtime_error>([&] { ng::loadPluginSymbol(name, symbol); });
}

std::string selfMaps() {
    std::ifstream in("/proc/self/maps");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

constexpr const char* kLazyLoadTest = "making the test source and null sink maps no videoio";
constexpr const char* kSharedStateTest =
    "a plugin sees the stop request and the log level of the process that loads it";
constexpr const char* kChildEnv = "NG_TEST_CHILD";

bool inChild() { return std::getenv(kChildEnv) != nullptr; }

// Runs test case `name` alone in a fresh copy of this binary, for a test that needs a
// process no other test has touched, or changes process-wide state.
void runInChild(const char* name) {
    ScopedEnv child(kChildEnv, "1");
    const std::string self = fs::read_symlink("/proc/self/exe");
    const std::string filter = std::string("-tc=") + name;
    std::vector<char*> argv = {const_cast<char*>(self.c_str()), const_cast<char*>(filter.c_str()),
                               const_cast<char*>("--minimal"), nullptr};
    pid_t pid = 0;
    REQUIRE(::posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace

TEST_SUITE("plugin") {
    TEST_CASE("plugin loader: a missing plugin names the file, the folders and the fix") {
        TempDir empty;
        ScopedEnv dir("NG_PLUGIN_DIR", empty.path());
        const std::string message = loadError("no_such_backend", "ng_create_nothing");
        CHECK(message.find("libng_no_such_backend.so") != std::string::npos);
        CHECK(message.find(empty.path() + " (not there)") != std::string::npos);
        CHECK(message.find(NG_PLUGIN_INSTALL_DIR) != std::string::npos);
        CHECK(message.find("set NG_PLUGIN_DIR") != std::string::npos);
    }

    TEST_CASE("plugin loader: a file that is no library reports dlopen's reason") {
        TempDir dir("ng_plugin_test");
        // Long enough to be read as a header, so dlopen's reason is "invalid ELF header".
        std::ofstream(dir.path() + "/libng_broken.so") << std::string(4096, 'x');
        ScopedEnv env("NG_PLUGIN_DIR", dir.path());
        const std::string message = loadError("broken", "ng_create_nothing");
        CHECK(message.find("libng_broken.so") != std::string::npos);
        CHECK(message.find("invalid ELF header") != std::string::npos);
    }

    TEST_CASE(kLazyLoadTest) {
        // Another test in this binary may already have loaded a plugin.
        if (!inChild()) {
            runInChild(kLazyLoadTest);
            return;
        }

        // In the child: the binary itself must not link videoio or highgui ...
        CHECK(selfMaps().find("libopencv_core") != std::string::npos);  // the check can see
        CHECK(selfMaps().find("libopencv_videoio") == std::string::npos);

        // ... and the default path must not load them.
        ng::source::SourceOptions options;
        auto source = ng::source::makeSource(options);
        source->start();
        auto frame = source->next(std::chrono::milliseconds(0));
        REQUIRE(frame);
        auto sink = ng::sink::makeSink("null");
        ng::sink::StreamInfo info;
        info.shape = frame->shape;
        sink->open(info);
        CHECK(sink->write(*frame));
        sink->close();
        source->stop();

        const std::string maps = selfMaps();
        CHECK(maps.find("libopencv_videoio") == std::string::npos);
        CHECK(maps.find("libopencv_highgui") == std::string::npos);
        CHECK(maps.find("libng_") == std::string::npos);
    }

    TEST_CASE(kSharedStateTest) {
        // A raised stop flag stays raised, so this runs in a process of its own.
        if (!inChild()) {
            runInChild(kSharedStateTest);
            return;
        }
        using Probe = bool (*)();
        using LevelProbe = int (*)();
        const auto stopSeen =
            reinterpret_cast<Probe>(ng::loadPluginSymbol("test_probe", "ng_probe_stop_requested"));
        const auto levelSeen =
            reinterpret_cast<LevelProbe>(ng::loadPluginSymbol("test_probe", "ng_probe_log_level"));

        const std::atomic<bool>& stop = ng::installStopSignals();
        std::raise(SIGINT);  // as Ctrl-C does: the handler raises this process's stop flag
        REQUIRE(stop.load());
        CHECK(stopSeen());

        spdlog::set_level(spdlog::level::warn);
        CHECK(levelSeen() == spdlog::level::warn);
        spdlog::set_level(spdlog::level::debug);
        CHECK(levelSeen() == spdlog::level::debug);
    }
}
