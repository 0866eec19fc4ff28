// Unit tests of lib/codec (JPEG frames through TurboJPEG) and of the wire's JPEG extension.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/jpeg.hpp"
#include "core/errors.hpp"
#include "source/test_pattern.hpp"
#include "wire/messages.hpp"

using ng::Codec;
using ng::Frame;
using ng::FrameShape;
using ng::codec::JpegDecoder;
using ng::codec::JpegEncoder;
using ng::codec::JpegError;
using ng::codec::JpegSettings;
using ng::codec::Subsampling;

namespace {

// A raw frame owning its pixels: the test pattern; its first channel for grayscale; an
// opaque alpha channel added for BGRA.
Frame patternFrame(const FrameShape& shape, std::uint64_t index = 7) {
    const FrameShape bgr{shape.height, shape.width, 3};
    std::vector<std::uint8_t> colour(bgr.bytes());
    ng::source::renderTestFrame(index, bgr, colour.data());
    auto pixels = std::make_shared<std::vector<std::uint8_t>>(shape.bytes());
    const auto channels = static_cast<std::size_t>(shape.channels);
    for (std::size_t i = 0; i < pixels->size(); ++i) {
        const std::size_t channel = i % channels;
        (*pixels)[i] = channel < 3 ? colour[i / channels * 3 + channel] : 255;
    }
    Frame frame;
    frame.shape = shape;
    frame.pixels = pixels->data();
    frame.owner = pixels;
    frame.seq = index;
    frame.captureTimeUs = 1234;
    frame.data = "hello";
    return frame;
}

double psnr(const Frame& a, const Frame& b) {
    REQUIRE(a.shape == b.shape);
    double squared = 0;
    for (std::size_t i = 0; i < a.bytes(); ++i) {
        const double d = double(a.pixels[i]) - double(b.pixels[i]);
        squared += d * d;
    }
    const double mse = squared / double(a.bytes());
    return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

Frame roundTrip(const Frame& raw, const JpegSettings& settings) {
    JpegEncoder encoder(settings);
    const Frame jpeg = encoder.encode(raw);
    CHECK(jpeg.codec == Codec::Jpeg);
    CHECK(jpeg.codedBytes > 0);
    if (raw.bytes() > 10000) CHECK(jpeg.codedBytes < raw.bytes() / 4);  // tiny ones grow
    CHECK(jpeg.headroom >= ng::wire::kMaxNdarrayPrefix);  // room for a zero-copy send
    JpegDecoder decoder;
    CHECK(decoder.readShape({jpeg.pixels, jpeg.codedBytes}) == raw.shape);
    return decoder.decode(jpeg);
}

}  // namespace

TEST_SUITE("codec") {

TEST_CASE("jpeg: quality buys picture fidelity with bytes") {
    const Frame raw = patternFrame({480, 640, 3});
    double last = 0;
    for (int quality : {50, 90, 100}) {
        CAPTURE(quality);
        JpegSettings settings;
        settings.quality = quality;
        settings.subsampling = Subsampling::S444;
        const Frame back = roundTrip(raw, settings);
        CHECK(back.codec == Codec::Raw);
        CHECK(back.seq == raw.seq);
        CHECK(back.captureTimeUs == raw.captureTimeUs);
        CHECK(back.data == raw.data);
        const double db = psnr(raw, back);
        CHECK(db > last);
        CHECK(db >= (quality == 50 ? 38.0 : quality == 90 ? 50.0 : 55.0));
        last = db;
    }
    // The default 4:2:0 halves the chroma, which the colour bars' edges show most.
    CHECK(psnr(raw, roundTrip(raw, JpegSettings{})) >= 35.0);
}

TEST_CASE("jpeg: grayscale stays grayscale and odd sizes survive") {
    for (const FrameShape shape : {FrameShape{479, 641, 1}, FrameShape{479, 641, 3},
                                   FrameShape{1, 1, 3}, FrameShape{17, 3, 1}}) {
        CAPTURE(shape.width);
        CAPTURE(shape.channels);
        const Frame raw = patternFrame(shape);
        JpegSettings settings;
        settings.subsampling = Subsampling::S444;
        const Frame back = roundTrip(raw, settings);
        CHECK(back.shape == shape);
        CHECK(psnr(raw, back) >= 30.0);
    }
}

TEST_CASE("jpeg: subsampling and the fast DCT trade bytes and fidelity") {
    const Frame raw = patternFrame({480, 640, 3});
    std::vector<std::size_t> sizes;
    for (Subsampling s : {Subsampling::S444, Subsampling::S422, Subsampling::S420}) {
        JpegSettings settings;
        settings.subsampling = s;
        JpegEncoder encoder(settings);
        sizes.push_back(encoder.encode(raw).codedBytes);
    }
    CHECK(sizes[0] > sizes[1]);
    CHECK(sizes[1] > sizes[2]);
    JpegSettings fast;
    fast.fast = true;
    CHECK(psnr(raw, roundTrip(raw, fast)) >= 34.0);
    CHECK(ng::codec::parseSubsampling("422") == Subsampling::S422);
    CHECK_THROWS_AS(ng::codec::parseSubsampling("411"), std::invalid_argument);
}

TEST_CASE("jpeg: --jpeg-fast encodes other bytes than the accurate default") {
    // TurboJPEG uses the fast DCT unless asked for the accurate one, so a fast flag that
    // only added TJFLAG_FASTDCT gave the default's bytes exactly.
    const Frame raw = patternFrame({480, 640, 3});
    for (int quality : {50, 90, ng::codec::kAlwaysAccurateQuality - 1}) {
        CAPTURE(quality);
        JpegSettings accurate;
        accurate.quality = quality;
        JpegSettings fast = accurate;
        fast.fast = true;
        JpegEncoder accurateEncoder(accurate), fastEncoder(fast);
        const Frame a = accurateEncoder.encode(raw), f = fastEncoder.encode(raw);
        const bool same = a.codedBytes == f.codedBytes &&
                          std::equal(a.pixels, a.pixels + a.codedBytes, f.pixels);
        CHECK_FALSE(same);
        // The accurate DCT is the more faithful one.
        CHECK(psnr(raw, roundTrip(raw, accurate)) >= psnr(raw, roundTrip(raw, fast)));
    }
}

TEST_CASE("jpeg: BGRA loses only its alpha") {
    const Frame raw = patternFrame({48, 64, 4});
    JpegEncoder encoder(JpegSettings{});
    const Frame jpeg = encoder.encode(raw);
    CHECK(jpeg.shape == FrameShape{48, 64, 3});
}

TEST_CASE("jpeg: corrupt streams are refused, not decoded into garbage") {
    const Frame raw = patternFrame({120, 160, 3});
    JpegEncoder encoder(JpegSettings{});
    const Frame jpeg = encoder.encode(raw);
    JpegDecoder decoder;

    const std::vector<std::uint8_t> garbage(500, 0x5A);
    CHECK_THROWS_AS(decoder.readShape({garbage.data(), garbage.size()}), JpegError);
    CHECK_THROWS_AS(decoder.readShape({jpeg.pixels, 0}), JpegError);

    Frame truncated = jpeg;
    truncated.codedBytes = jpeg.codedBytes / 2;
    CHECK_THROWS_AS(decoder.decode(truncated), JpegError);

    Frame misdeclared = jpeg;
    misdeclared.shape = {240, 320, 3};
    CHECK_THROWS_WITH_AS(decoder.decode(misdeclared), doctest::Contains("not the announced"),
                         JpegError);

    // The decoder is still good afterwards.
    CHECK(decoder.decode(jpeg).shape == raw.shape);
}

TEST_CASE("wire: a JPEG frame is a 1-D byte array announced by ng_codec") {
    ng::wire::Header header;
    header.seq = 3;
    header.codec = Codec::Jpeg;
    const ng::wire::Bytes encoded = ng::wire::encodeFrameHeader(header);
    const ng::wire::Header back = ng::wire::decodeHeader({encoded.data(), encoded.size()});
    CHECK(back.codec == Codec::Jpeg);
    CHECK(back.seq == 3u);

    const std::vector<std::uint8_t> payload = {0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9};
    const ng::wire::NdarrayPrefix prefix = ng::wire::encodeByteArrayPrefix(payload.size());
    std::vector<std::uint8_t> part(prefix.bytes.begin(), prefix.bytes.begin() + prefix.size);
    part.insert(part.end(), payload.begin(), payload.end());
    const ng::ByteView bytes = ng::wire::decodeByteArray({part.data(), part.size()}, 1000);
    CHECK(std::vector<std::uint8_t>(bytes.data, bytes.data + bytes.size) == payload);
    // The two kinds of part are not confused with each other, and the limit holds.
    CHECK_THROWS_AS(ng::wire::decodeNdarray({part.data(), part.size()}, 1000), ng::ProtocolError);
    CHECK_THROWS_AS(ng::wire::decodeByteArray({part.data(), part.size()}, 6), ng::ProtocolError);
    const ng::wire::Bytes picture = ng::wire::encodeNdarray({2, 2, 1}, payload.data());
    CHECK_THROWS_AS(ng::wire::decodeByteArray({picture.data(), picture.size()}, 1000),
                    ng::ProtocolError);
}

// The bytes docs/protocol.md (3.4) shows, as Python's msgpack and msgpack_numpy write them.
TEST_CASE("wire: the JPEG extension's bytes are what Python writes for the same values") {
    const auto hex = [](const char* text) {
        std::vector<std::uint8_t> out;
        for (const char* p = text; *p;) {
            if (*p == ' ') {
                ++p;
                continue;
            }
            out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(p, 2), nullptr, 16)));
            p += 2;
        }
        return out;
    };
    ng::wire::Header header;
    header.seq = 7;
    header.codec = Codec::Jpeg;
    CHECK(ng::wire::encodeFrameHeader(header) ==
          hex("85 a9 74 65 72 6d 69 6e 61 74 65 c2 a7 62 69 5f 6d 6f 64 65 c2 a4 64 61 74 61 a0 "
              "a6 6e 67 5f 73 65 71 07 a8 6e 67 5f 63 6f 64 65 63 a4 6a 70 65 67"));
    const ng::wire::NdarrayPrefix prefix = ng::wire::encodeByteArrayPrefix(843);
    CHECK(std::vector<std::uint8_t>(prefix.bytes.begin(), prefix.bytes.begin() + prefix.size) ==
          hex("85 c4 02 6e 64 c3 c4 04 74 79 70 65 a3 7c 75 31 c4 04 6b 69 6e 64 c4 00 "
              "c4 05 73 68 61 70 65 91 cd 03 4b c4 04 64 61 74 61 c5 03 4b"));
    CHECK(ng::wire::encodeReply(ng::wire::DataValue::fromText("ok"), Codec::Jpeg) ==
          hex("83 ab 72 65 74 75 72 6e 5f 74 79 70 65 a3 73 74 72 ab 72 65 74 75 72 6e 5f 64 "
              "61 74 61 a2 6f 6b a8 6e 67 5f 63 6f 64 65 63 a4 6a 70 65 67"));
}

TEST_CASE("wire: an unknown codec is refused and replies confirm JPEG") {
    const std::vector<std::uint8_t> header = {
        0x84, 0xa9, 't', 'e', 'r', 'm', 'i', 'n', 'a', 't', 'e', 0xc2, 0xa7, 'b', 'i', '_',
        'm', 'o', 'd', 'e', 0xc2, 0xa4, 'd', 'a', 't', 'a', 0xa0, 0xa8, 'n', 'g', '_', 'c',
        'o', 'd', 'e', 'c', 0xa4, 'h', '2', '6', '4'};
    CHECK_THROWS_WITH_AS(ng::wire::decodeHeader({header.data(), header.size()}),
                         doctest::Contains("unknown codec 'h264'"), ng::ProtocolError);

    const auto text = ng::wire::DataValue::fromText("ok");
    const ng::wire::Bytes plain = ng::wire::encodeReply(text);
    const ng::wire::Bytes confirmed = ng::wire::encodeReply(text, Codec::Jpeg);
    CHECK(ng::wire::decodeReply({plain.data(), plain.size()}).decoded == Codec::Raw);
    const ng::wire::Reply reply = ng::wire::decodeReply({confirmed.data(), confirmed.size()});
    CHECK(reply.decoded == Codec::Jpeg);
    CHECK(reply.data.text == "ok");
}

}  // TEST_SUITE
