// Replays the fuzzer's seed corpus and its past findings (tests/fuzz/) through the fuzz
// harness, so every build, the sanitized ones included, re-checks them without clang.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/decode_all.hpp"

namespace {

// Every regular file under `folder` except dotfiles, in a stable order.
std::vector<std::filesystem::path> inputsIn(const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') {
            paths.push_back(entry.path());
        }
    }
    std::sort(paths.begin(), paths.end());
    return paths;
}

std::vector<std::uint8_t> readAll(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_SUITE("wire") {
    TEST_CASE("fuzz: the seed corpus and every past finding decode or are refused") {
        const std::filesystem::path root(NG_FUZZ_DIR);
        std::size_t replayed = 0;
        for (const char* folder : {"corpus", "regressions"}) {
            for (const auto& path : inputsIn(root / folder)) {
                CAPTURE(path.string());
                const std::vector<std::uint8_t> bytes = readAll(path);
                // Aborts on a broken decoder contract; any exception but ProtocolError escapes.
                ng::fuzz::decodeAll(bytes.data(), bytes.size());
                ++replayed;
            }
        }
        // The corpus is generated from the wire fixtures (tests/fuzz/make_corpus.py).
        CHECK(replayed >= 40);
    }

}  // TEST_SUITE
