// Tests of wire/dialect.hpp: imagezmq's and NetGear's bytes as their Python sources write
// them, NetGear_Async's unchanged, and the sniffing that names a foreign dialect.
#include <doctest/doctest.h>

#include <string>

#include "core/errors.hpp"
#include "wire/dialect.hpp"
#include "wire/json.hpp"

namespace {

using ng::ByteView;
using ng::Codec;
using ng::FrameShape;
using ng::ProtocolError;
using ng::wire::Bytes;
using ng::wire::DataValue;
using ng::wire::DialectKind;
using ng::wire::Header;

std::string text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }
ByteView view(const std::string& s) { return ByteView(std::string_view(s)); }

const ng::wire::Dialect& imagezmq() { return ng::wire::dialectFor(DialectKind::ImageZmq); }
const ng::wire::Dialect& netgear() { return ng::wire::dialectFor(DialectKind::NetGear); }

}  // namespace

TEST_SUITE("wire dialects") {
    TEST_CASE("--wire names") {
        CHECK(ng::wire::parseDialectName("imagezmq") == DialectKind::ImageZmq);
        CHECK(ng::wire::parseDialectName("netgear") == DialectKind::NetGear);
        CHECK(ng::wire::parseDialectName("netgear-async") == DialectKind::NetGearAsync);
        CHECK_FALSE(ng::wire::parseDialectName("zmq").has_value());
    }

    TEST_CASE("imagezmq: send_array's and send_jpg's headers, byte for byte") {
        Header header;
        header.name = "cam1";
        header.data = DataValue::fromText("motion");
        CHECK(text(imagezmq().encodeFrameHeader(header, FrameShape{480, 640, 3}, 0, 1)) ==
              R"({"msg": "cam1|motion", "dtype": "uint8", "shape": [480, 640, 3]})");
        header.codec = Codec::Jpeg;
        header.data = DataValue::none();
        CHECK(text(imagezmq().encodeFrameHeader(header, FrameShape{480, 640, 3}, 99, 1)) ==
              R"({"msg": "cam1"})");
        CHECK_FALSE(imagezmq().encodeEnd(7, std::nullopt, std::nullopt).has_value());
        CHECK(text(imagezmq().encodePlainAck("ID", {})) == "OK");
    }

    TEST_CASE("imagezmq: a hub reads the image, the JPEG and the sender's name") {
        const auto raw = imagezmq().decodeMessage(
            view(R"({"msg": "jeff-pi camera|state", "dtype": "uint8", "shape": [2, 3]})"));
        CHECK(raw.barePayload);
        CHECK(raw.header.codec == Codec::Raw);
        CHECK(raw.shape == FrameShape{2, 3, 1});
        CHECK(raw.header.data.text == "jeff-pi camera|state");
        CHECK(raw.header.name == std::string("jeff-pi camera"));
        const auto jpg = imagezmq().decodeMessage(view(R"({"msg": "\u00e9t\u00e9"})"));
        CHECK(jpg.header.codec == Codec::Jpeg);
        CHECK(jpg.header.data.text == "\xc3\xa9t\xc3\xa9");
        CHECK_THROWS_AS(imagezmq().decodeMessage(view(
                            R"({"msg": "a", "dtype": "float32", "shape": [2, 3]})")),
                        ProtocolError);
        CHECK_THROWS_AS(imagezmq().decodeMessage(view(
                            R"({"msg": "a", "dtype": "uint8", "shape": [2, 3, 7]})")),
                        ProtocolError);
        CHECK_THROWS_AS(imagezmq().decodeMessage(view(R"({"name": "a"})")), ProtocolError);
    }

    TEST_CASE("NetGear: send()'s header, terminate, and the answers") {
        Header header;
        header.data = DataValue::fromText("hi");
        CHECK(text(netgear().encodeFrameHeader(header, FrameShape{2, 3, 3}, 0, 1)) ==
              R"({"terminate_flag": false, "compression": false, "message": "hi", )"
              R"("pattern": "1", "dtype": "uint8", "shape": [2, 3, 3]})");
        header.codec = Codec::Jpeg;
        header.data = DataValue::none();
        CHECK(text(netgear().encodeFrameHeader(header, FrameShape{2, 3, 3}, 50, 0)) ==
              R"({"terminate_flag": false, "compression": {"dct": true, "ups": false, )"
              R"("colorspace": "BGR"}, "message": null, "pattern": "0", "dtype": "", )"
              R"("shape": ""})");
        CHECK(text(*netgear().encodeEnd(3, std::nullopt, std::nullopt)) ==
              R"({"terminate_flag": true})");
        CHECK(text(netgear().encodePlainAck("ABCD1234", {})) ==
              "Data received on device: ABCD1234 !");
        CHECK(text(netgear().encodeReply(DataValue::fromText("pong"), Codec::Raw, {})) ==
              R"({"return_type": "str", "data": "pong"})");
    }

    TEST_CASE("NetGear: a client reads frames, JPEG, terminate and the server's port") {
        const auto raw = netgear().decodeMessage(view(
            R"({"terminate_flag": false, "compression": false, "message": {"k": [1, 2.5]},)"
            R"( "pattern": "0", "dtype": "uint8", "shape": [4, 5, 3]})"));
        CHECK(raw.shape == FrameShape{4, 5, 3});
        CHECK(raw.header.data.text == R"({"k": [1, 2.5]})");
        const auto jpeg = netgear().decodeMessage(view(
            R"({"port": 5577, "terminate_flag": false, "compression": {"dct": true, "ups": )"
            R"(false, "colorspace": "GRAY"}, "message": null, "pattern": "2", "dtype": "", )"
            R"("shape": ""})"));
        CHECK(jpeg.header.codec == Codec::Jpeg);
        CHECK(jpeg.header.name == std::string("5577"));
        CHECK(jpeg.header.data.empty());
        CHECK(netgear().decodeMessage(view(R"({"terminate_flag": true})")).header.terminate);
        const auto reply = netgear().decodeReply(view(R"({"return_type": "str", "data": "x"})"));
        CHECK(reply.kind == ng::wire::Reply::Kind::Data);
        CHECK(reply.data.text == "x");
        CHECK(netgear().decodeReply(view("Data received on device: X !")).kind ==
              ng::wire::Reply::Kind::PlainAck);
        CHECK_THROWS_AS(netgear().decodeEndAck(view("Data received on device: X !")),
                        ProtocolError);
    }

    TEST_CASE("sniffing names the dialect a message is in") {
        Header header;
        const Bytes async = ng::wire::encodeFrameHeader(header);
        CHECK(ng::wire::sniffDialect({async.data(), async.size()}) == DialectKind::NetGearAsync);
        const Bytes iz = imagezmq().encodeFrameHeader(header, FrameShape{2, 2, 3}, 0, 1);
        CHECK(ng::wire::sniffDialect({iz.data(), iz.size()}) == DialectKind::ImageZmq);
        const Bytes ng = netgear().encodeFrameHeader(header, FrameShape{2, 2, 3}, 0, 1);
        CHECK(ng::wire::sniffDialect({ng.data(), ng.size()}) == DialectKind::NetGear);
        CHECK_FALSE(ng::wire::sniffDialect(view("garbage")).has_value());
        CHECK_FALSE(ng::wire::sniffDialect(view(R"({"other": 1})")).has_value());
        // Each dialect refuses the others' messages, so the receiver gets to sniff them.
        for (const Bytes* bytes : {&async, &iz, &ng}) {
            const ByteView message(bytes->data(), bytes->size());
            const DialectKind kind = *ng::wire::sniffDialect(message);
            for (DialectKind other :
                 {DialectKind::NetGearAsync, DialectKind::ImageZmq, DialectKind::NetGear}) {
                if (other == kind) continue;
                CHECK_THROWS_AS(ng::wire::dialectFor(other).decodeMessage(message), ProtocolError);
            }
        }
    }

    TEST_CASE("JSON: hostile input is refused, never crashes") {
        for (const char* bad : {"", "{", "[1,", "\"abc", "{\"a\" 1}", "nul", "{} x", "\"\\u12\"",
                                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"}) {
            CHECK_THROWS_AS(ng::wire::parseJson(view(bad), "test"), ProtocolError);
        }
        CHECK(ng::wire::parseJson(view(" {\"a\": [true, null, -1.5e3]} "), "t").render() ==
              R"({"a": [true, null, -1.5e3]})");
        CHECK(ng::wire::jsonQuote("a\"\n\xc3\xa9\xf0\x9f\x98\x80") ==
              R"("a\"\n\u00e9\ud83d\ude00")");
    }
}
