// Helpers shared by the unit tests: temporary folders.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <doctest/doctest.h>

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

}  // namespace ng::test
