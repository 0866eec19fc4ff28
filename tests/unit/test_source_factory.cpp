// Tests of makeSource(): which spelling makes which source, and the errors for bad ones.
#include <doctest/doctest.h>

#include <string>

#include "core/errors.hpp"
#include "source/source.hpp"
#include "test_support.hpp"

using ng::source::makeSource;
using ng::source::SourceOptions;

namespace {

SourceOptions withSpec(const std::string& spec) {
    SourceOptions options;
    options.spec = spec;
    return options;
}

// The message of the exception makeSource() throws for `options`, "" if none.
template <typename Error>
std::string errorOf(const SourceOptions& options) {
    return ng::test::messageOf<Error>([&] { makeSource(options); });
}

}  // namespace

TEST_SUITE("source") {
    TEST_CASE("makeSource: test pattern by name") {
        auto source = makeSource(withSpec("test"));
        REQUIRE(source);
        CHECK(source->describe() == "test pattern 640x480");
    }

    TEST_CASE("makeSource: bad spellings are usage errors naming the source") {
        CHECK(errorOf<ng::UsageError>(withSpec("")).find("source ''") != std::string::npos);

        const std::string missing = errorOf<ng::UsageError>(withSpec("no/such/clip.mp4"));
        CHECK(missing.find("'no/such/clip.mp4'") != std::string::npos);
        CHECK(missing.find("no such file") != std::string::npos);
        CHECK(missing.find("'test'") != std::string::npos);

        SourceOptions zero = withSpec("test");
        zero.width = 0;
        CHECK(errorOf<ng::UsageError>(zero).find("--size 0x480") != std::string::npos);
        SourceOptions negative = withSpec("test");
        negative.height = -1;
        CHECK_THROWS_AS(makeSource(negative), ng::UsageError);
    }

    TEST_CASE("makeSource: picam is a clear runtime error in this build") {
        for (const char* spec : {"picam", "picam:0", "picam:1"}) {
            CAPTURE(spec);
            const std::string message = errorOf<std::runtime_error>(withSpec(spec));
            CHECK(message.find("picam: the Raspberry Pi camera is not available") == 0);
            CHECK(message.find("-s 0") != std::string::npos);
        }
        // Not picam, not a file: a usage error like any other missing file.
        CHECK_THROWS_AS(makeSource(withSpec("picam:x")), ng::UsageError);
    }
}
