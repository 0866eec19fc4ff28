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

    TEST_CASE("makeSource: picam loads the libcamera plugin, and a missing camera is named") {
        for (const char* spec : {"picam", "picam:0", "picam:200"}) {
            CAPTURE(spec);
            std::unique_ptr<ng::source::Source> source;
            try {
                source = makeSource(withSpec(spec));
            } catch (const std::runtime_error& e) {
                // A build without libcamera-dev has no plugin, and says how to get one.
                CHECK(std::string(e.what()).find("needs ngstream built with libcamera") !=
                      std::string::npos);
                continue;
            }
            // Nothing is opened before start().
            const std::string expected = std::string("picam:") + (spec[5] ? spec + 6 : "0");
            CHECK(source->describe().rfind(expected, 0) == 0);
            if (std::string(spec) == "picam:200") {
                // No machine has 201 cameras: the error names the missing one.
                const std::string message =
                    ng::test::messageOf<std::runtime_error>([&] { source->start(); });
                CHECK((message.find("picam:200: no such camera") == 0 ||
                       message.find("picam: no camera found") == 0));
            }
        }
        CHECK_THROWS_AS(makeSource(withSpec("picam:256")), ng::UsageError);
        // Not picam, not a file: a usage error like any other missing file.
        CHECK_THROWS_AS(makeSource(withSpec("picam:x")), ng::UsageError);
    }
}
