// Helpers shared by the unit tests: temporary folders, environment variables, the message of
// an expected exception, and taking every frame from one of ngsend's frame feeds.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "pipeline/frame_feed.hpp"

namespace ng::test {

// A fresh folder under /tmp, removed with its contents on destruction.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "ng_test") {
        std::string name = "/tmp/" + prefix + "_XXXXXX";
        REQUIRE(::mkdtemp(name.data()) != nullptr);
        path_ = name;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Sets (or, for nullptr, unsets) an environment variable for one scope, then restores it.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) {
            ::setenv(name, value, 1);
        } else {
            ::unsetenv(name);
        }
    }
    ScopedEnv(const char* name, const std::string& value) : ScopedEnv(name, value.c_str()) {}
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

// The message of the `Error` that `action()` throws, "" when it throws none. Any other
// exception passes through, so the test fails on it.
template <typename Error, typename Action>
std::string messageOf(Action&& action) {
    try {
        std::forward<Action>(action)();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// Takes frames until the feed finishes, as ngsend's send loop does.
inline std::vector<Frame> takeAll(pipeline::FrameFeed& feed) {
    std::vector<Frame> frames;
    while (!feed.finished()) {
        if (auto frame = feed.take(std::chrono::milliseconds(50))) {
            frames.push_back(std::move(*frame));
        }
    }
    return frames;
}

}  // namespace ng::test
