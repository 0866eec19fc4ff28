// Tests of wire/messages.hpp: byte-exact encoders, fixture decoding and hostile input.
#include <doctest/doctest.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <msgpack.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "wire/messages.hpp"

namespace {

using ng::ByteView;
using ng::FrameShape;
using ng::ProtocolError;
using ng::wire::Bytes;
using ng::wire::DataValue;
using ng::wire::Header;
using ng::wire::Reply;

constexpr std::size_t kLimit = 64u << 20;  // decodeNdarray's maxBytes unless a test says otherwise

Bytes loadFixture(const std::string& name) {
    const std::string path = std::string(NG_FIXTURE_DIR) + "/wire/" + name + ".bin";
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path
                                              << " (regenerate: /usr/bin/python3 "
                                                 "tests/fixtures/make_wire_fixtures.py)");
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

ByteView view(const Bytes& bytes) { return {bytes.data(), bytes.size()}; }

Bytes bytesOf(const std::string& text) { return Bytes(text.begin(), text.end()); }

// The fixtures' pixels: np.arange(n) % 256.
Bytes pattern(std::size_t n) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i % 256);
    return out;
}

// The ProtocolError message `f` throws, or a marker when it throws none. Any other
// exception escapes and fails the test: decoders must throw nothing but ProtocolError.
template <typename F>
std::string protocolErrorOf(F&& f) {
    try {
        f();
    } catch (const ProtocolError& error) {
        return error.what();
    }
    return "<no ProtocolError>";
}

// ---- a small msgpack writer for hand-made (mostly broken) messages ----

using Packer = msgpack::packer<msgpack::sbuffer>;

// A message under construction: values go through the packer, or raw into the buffer.
struct Out {
    msgpack::sbuffer buffer;
    Packer p{buffer};
};
using Value = std::function<void(Out&)>;

Value nil() {
    return [](Out& o) { o.p.pack_nil(); };
}
Value boolean(bool b) {
    return [b](Out& o) { o.p.pack(b); };
}
Value integer(std::int64_t v) {
    return [v](Out& o) { o.p.pack_int64(v); };
}
Value uinteger(std::uint64_t v) {
    return [v](Out& o) { o.p.pack_uint64(v); };
}
// Always float64, as Python packs a float; msgpack-c's pack_double would pack 2.0 as int 2.
Value real(double v) {
    return [v](Out& o) {
        std::uint64_t bits;
        std::memcpy(&bits, &v, sizeof(bits));
        char bytes[9] = {static_cast<char>(0xcb)};
        for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
        o.buffer.write(bytes, sizeof(bytes));
    };
}
Value str(std::string s) {
    return [s](Out& o) {
        o.p.pack_str(static_cast<std::uint32_t>(s.size()));
        o.p.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
    };
}
Value bin(std::string s) {
    return [s](Out& o) {
        o.p.pack_bin(static_cast<std::uint32_t>(s.size()));
        o.p.pack_bin_body(s.data(), static_cast<std::uint32_t>(s.size()));
    };
}
Value array(std::vector<Value> items) {
    return [items](Out& o) {
        o.p.pack_array(static_cast<std::uint32_t>(items.size()));
        for (const auto& item : items) item(o);
    };
}
Value ints(std::vector<std::int64_t> values) {
    std::vector<Value> items;
    for (const auto v : values) items.push_back(integer(v));
    return array(items);
}
struct Field {
    Value key;
    Value value;
};

Bytes pack(const Value& value) {
    Out out;
    value(out);
    return Bytes(out.buffer.data(), out.buffer.data() + out.buffer.size());
}

Bytes buildMap(const std::vector<Field>& fields) {
    Out out;
    out.p.pack_map(static_cast<std::uint32_t>(fields.size()));
    for (const auto& field : fields) {
        field.key(out);
        field.value(out);
    }
    return Bytes(out.buffer.data(), out.buffer.data() + out.buffer.size());
}

// msgpack-numpy's map for shape `dims` with `dataBytes` bytes of data; keys are bin.
std::vector<Field> ndarrayFields(std::vector<std::int64_t> dims, std::size_t dataBytes) {
    const Bytes pixels = pattern(dataBytes);
    return {{bin("nd"), boolean(true)},
            {bin("type"), str("|u1")},
            {bin("kind"), bin("")},
            {bin("shape"), ints(dims)},
            {bin("data"), bin(std::string(pixels.begin(), pixels.end()))}};
}

// The valid 2x2x3 map with field `key` given `value` instead (appended when absent).
Bytes ndarrayWith(const std::string& key, Value value) {
    auto fields = ndarrayFields({2, 2, 3}, 12);
    const std::vector<std::string> order = {"nd", "type", "kind", "shape", "data"};
    bool replaced = false;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (order[i] == key) {
            fields[i].value = value;
            replaced = true;
        }
    }
    if (!replaced) fields.push_back({bin(key), value});
    return buildMap(fields);
}

Bytes ndarrayWithout(const std::string& key) {
    auto fields = ndarrayFields({2, 2, 3}, 12);
    const std::vector<std::string> order = {"nd", "type", "kind", "shape", "data"};
    std::vector<Field> kept;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (order[i] != key) kept.push_back(fields[i]);
    }
    return buildMap(kept);
}

Bytes headerMap(std::vector<Field> extra, bool withTerminate = true) {
    std::vector<Field> fields;
    if (withTerminate) fields.push_back({str("terminate"), boolean(false)});
    fields.push_back({str("bi_mode"), boolean(false)});
    fields.push_back({str("data"), str("")});
    for (auto& field : extra) fields.push_back(std::move(field));
    return buildMap(fields);
}

Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

struct HostileCase {
    const char* name;
    Bytes bytes;
    const char* expected;  // a substring of the ProtocolError message
};

struct FrameFixture {
    const char* name;
    FrameShape shape;
};

const std::vector<FrameFixture> kFrameFixtures = {
    {"ndarray_2x2x3", {2, 2, 3}},         {"ndarray_1x1x3", {1, 1, 3}},
    {"ndarray_3x5", {3, 5, 1}},           {"ndarray_2x3x4", {2, 3, 4}},
    {"ndarray_1x300", {1, 300, 1}},       {"ndarray_20x30x3", {20, 30, 3}},
    {"ndarray_200x200x3", {200, 200, 3}},
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Encoders: byte-identical to Python's msgpack.packb / msgpack_numpy.encode
// ---------------------------------------------------------------------------------------

TEST_CASE("wire: frame headers match vidgear's bytes") {
    Header header;
    header.data = DataValue::none();
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_plain"));
    header.data = DataValue::fromText("");
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_plain"));

    header.biMode = true;
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_bimode"));
    header.data = DataValue::fromText("hello");
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_text"));
    header.data = DataValue::fromText("h\u00e9llo w\u00f6rld \u2713 \U0001F600");
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_unicode"));

    header.biMode = false;
    header.data = DataValue::fromText(std::string(40, 'x'));
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_text40"));
    header.data = DataValue::fromText(std::string(300, 'y'));
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_text300"));
    header.data = {DataValue::Kind::Text, std::string("raw\0\xff", 5), "bytes"};
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_bytes"));
}

TEST_CASE("wire: header extensions follow vidgear's three keys") {
    Header header;
    header.data = DataValue::none();
    header.seq = 7;
    header.captureTimeUs = 1700000000123456;
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_ext"));

    header.biMode = true;
    header.data = DataValue::fromText("z");
    header.seq = 70000;
    header.captureTimeUs = -5;
    CHECK(ng::wire::encodeFrameHeader(header) == loadFixture("header_ext_wide"));
}

TEST_CASE("wire: ng_fps comes last and leaves every other key's bytes as they were") {
    Header header;
    header.data = DataValue::fromText("hi");
    header.seq = 7;
    header.captureTimeUs = 1700000000123456;
    header.codec = ng::Codec::Jpeg;
    const Bytes without = ng::wire::encodeFrameHeader(header);
    header.nominalFps = 25.0;
    const Bytes with = ng::wire::encodeFrameHeader(header);
    // The map grows by one entry: "ng_fps" (fixstr 6) and 25, which msgpack-c packs as an
    // int because it is whole (29.97 goes as a float 64).
    const Bytes entry = {0xa6, 'n', 'g', '_', 'f', 'p', 's', 0x19};
    REQUIRE(with.size() == without.size() + entry.size());
    CHECK(with[0] == without[0] + 1);
    CHECK(Bytes(with.begin() + 1, with.begin() + static_cast<long>(without.size())) ==
          Bytes(without.begin() + 1, without.end()));
    CHECK(Bytes(with.end() - static_cast<long>(entry.size()), with.end()) == entry);

    const Header back = ng::wire::decodeHeader(view(with));
    CHECK(back.nominalFps == std::optional<double>(25.0));
    CHECK(back.seq == header.seq);
    CHECK(back.codec == ng::Codec::Jpeg);
    header.nominalFps = 30000.0 / 1001.0;
    const Bytes ntsc = ng::wire::encodeFrameHeader(header);
    CHECK(ntsc[ntsc.size() - 9] == 0xcb);
    CHECK(ng::wire::decodeHeader(view(ntsc)).nominalFps == header.nominalFps);
    // Without ng_fps (vidgear, or ngsend --fps 0) there is no rate.
    CHECK_FALSE(ng::wire::decodeHeader(view(without)).nominalFps.has_value());
    // A msgpack sender may pack a whole rate as an int.
    CHECK(ng::wire::decodeHeader(view(headerMap({{str("ng_fps"), integer(30)}}))).nominalFps ==
          std::optional<double>(30.0));
}

TEST_CASE("wire: ng_name and ng_instance travel in frame headers and the end-of-stream message") {
    Header header;
    header.seq = 3;
    const Bytes without = ng::wire::encodeFrameHeader(header);
    header.name = "kitchen";
    header.instance = "AB12CD34";
    const Bytes with = ng::wire::encodeFrameHeader(header);
    // After every earlier key, whose bytes stay as they were.
    CHECK(with[0] == without[0] + 2);
    CHECK(Bytes(with.begin() + 1, with.begin() + static_cast<long>(without.size())) ==
          Bytes(without.begin() + 1, without.end()));
    const Header back = ng::wire::decodeHeader(view(with));
    CHECK(back.name == std::optional<std::string>("kitchen"));
    CHECK(back.instance == std::optional<std::string>("AB12CD34"));
    CHECK_FALSE(ng::wire::decodeHeader(view(without)).name.has_value());

    const Bytes end = ng::wire::encodeTerminate(9, std::string("kitchen"), std::string("AB12CD34"));
    const Header endHeader = ng::wire::decodeHeader(view(end));
    CHECK(endHeader.terminate);
    CHECK(endHeader.name == std::optional<std::string>("kitchen"));
    CHECK(ng::wire::decodeTerminateLastSeq(view(end)) == std::optional<std::uint64_t>(9));
    // A name that is not a str of 1 to 64 bytes comes from a broken sender.
    CHECK_THROWS_AS(ng::wire::decodeHeader(view(headerMap({{str("ng_name"), integer(5)}}))),
                    ng::ProtocolError);
    CHECK_THROWS_AS(ng::wire::decodeHeader(view(headerMap({{str("ng_name"), str("")}}))),
                    ng::ProtocolError);
}

TEST_CASE("wire: ndarray maps match msgpack-numpy's bytes") {
    for (const auto& fixture : kFrameFixtures) {
        INFO(fixture.name);
        const Bytes expected = loadFixture(fixture.name);
        const Bytes pixels = pattern(fixture.shape.bytes());
        CHECK(ng::wire::encodeNdarray(fixture.shape, pixels.data()) == expected);

        // The prefix is everything but the pixels, so prefix + pixels is the whole map.
        const ng::wire::NdarrayPrefix prefix = ng::wire::encodeNdarrayPrefix(fixture.shape);
        REQUIRE(prefix.size + pixels.size() == expected.size());
        CHECK(Bytes(prefix.bytes.begin(), prefix.bytes.begin() + prefix.size) ==
              Bytes(expected.begin(), expected.begin() + prefix.size));
        CHECK(prefix.view().size == prefix.size);
    }
}

TEST_CASE("wire: the ndarray prefix fits the frame headroom for any encodable shape") {
    // The widest prefix: every shape int needs uint32 and the data needs bin32.
    const FrameShape widest{INT_MAX, 1, 1};
    const auto prefix = ng::wire::encodeNdarrayPrefix(widest);
    CHECK(prefix.size <= ng::wire::kMaxNdarrayPrefix);
    CHECK(ng::wire::encodeNdarrayPrefix({65536, 65535, 1}).size <= ng::wire::kMaxNdarrayPrefix);
    CHECK(ng::wire::encodeNdarrayPrefix({1, 1, 4}).size == 43);

    CHECK_THROWS_AS(ng::wire::encodeNdarrayPrefix({0, 2, 3}), std::invalid_argument);
    CHECK_THROWS_AS(ng::wire::encodeNdarrayPrefix({2, -1, 3}), std::invalid_argument);
    CHECK_THROWS_AS(ng::wire::encodeNdarrayPrefix({2, 2, 2}), std::invalid_argument);
    CHECK_THROWS_AS(ng::wire::encodeNdarrayPrefix({INT_MAX, INT_MAX, 3}), std::invalid_argument);
}

TEST_CASE("wire: end of stream and the receiver's answers match vidgear's bytes") {
    CHECK(ng::wire::encodeTerminate() == loadFixture("terminate"));
    CHECK(ng::wire::encodeTerminateAck("ABCD1234") == loadFixture("terminate_ack"));
    CHECK(ng::wire::encodePlainAck("ABCD1234") == loadFixture("plain_ack"));
    CHECK(ng::wire::encodeReply(DataValue::fromText("hello back")) == loadFixture("reply_str"));
    CHECK(ng::wire::encodeReply(DataValue::none()) == loadFixture("reply_none"));
    CHECK(ng::wire::encodeReply({DataValue::Kind::Text, "\x01\x02", "bytes"}) ==
          loadFixture("reply_bytes"));
}

TEST_CASE("wire: an Other value is sent as its text under its Python type") {
    // vidgear would pack the int itself; we keep only the rendering, so the type says int
    // while the value is the str "42" (documented in docs/protocol.md).
    const Bytes encoded = ng::wire::encodeReply({DataValue::Kind::Other, "42", "int"});
    CHECK(encoded != loadFixture("reply_int"));
    const Reply reply = ng::wire::decodeReply(view(encoded));
    CHECK(reply.kind == Reply::Kind::Data);
    CHECK(reply.data.kind == DataValue::Kind::Other);
    CHECK(reply.data.text == "42");
    CHECK(reply.data.pythonType == "int");

    // A value without a type name still produces a valid reply.
    CHECK(ng::wire::decodeReply(view(ng::wire::encodeReply({DataValue::Kind::Text, "t", ""})))
              .data.pythonType == "str");
}

// ---------------------------------------------------------------------------------------
// Decoders: every fixture
// ---------------------------------------------------------------------------------------

TEST_CASE("wire: decodeHeader reads vidgear's headers") {
    struct Expected {
        const char* fixture;
        bool biMode;
        DataValue::Kind kind;
        std::string text;
        const char* pythonType;
    };
    using K = DataValue::Kind;
    const std::vector<Expected> table = {
        {"header_plain", false, K::Text, "", "str"},
        {"header_bimode", true, K::Text, "", "str"},
        {"header_text", true, K::Text, "hello", "str"},
        {"header_unicode", true, K::Text, "h\u00e9llo w\u00f6rld \u2713 \U0001F600", "str"},
        {"header_text40", false, K::Text, std::string(40, 'x'), "str"},
        {"header_text300", false, K::Text, std::string(300, 'y'), "str"},
        {"header_int", false, K::Other, "42", "int"},
        {"header_none", false, K::None, "", "NoneType"},
        {"header_float", false, K::Other, "3.5", "float"},
        {"header_bool", false, K::Other, "True", "bool"},
        {"header_bytes", false, K::Text, std::string("raw\0\xff", 5), "bytes"},
        {"header_list", false, K::Other, "[1, 'a', None, True, -7, 0.25]", "list"},
        {"header_dict", false, K::Other, "{'k': 1, 'n': [1, 2]}", "dict"},
    };
    for (const auto& row : table) {
        INFO(row.fixture);
        const Header header = ng::wire::decodeHeader(view(loadFixture(row.fixture)));
        CHECK_FALSE(header.terminate);
        CHECK(header.biMode == row.biMode);
        CHECK(header.data.kind == row.kind);
        CHECK(header.data.text == row.text);
        CHECK(header.data.pythonType == row.pythonType);
        CHECK_FALSE(header.seq.has_value());
        CHECK_FALSE(header.captureTimeUs.has_value());
    }
    CHECK(ng::wire::decodeHeader(view(loadFixture("header_plain"))).data.empty());
}

TEST_CASE("wire: decodeHeader reads our extensions and the terminate message") {
    const Header ext = ng::wire::decodeHeader(view(loadFixture("header_ext")));
    CHECK(ext.seq == std::optional<std::uint64_t>(7));
    CHECK(ext.captureTimeUs == std::optional<std::int64_t>(1700000000123456));
    const Header wide = ng::wire::decodeHeader(view(loadFixture("header_ext_wide")));
    CHECK(wide.biMode);
    CHECK(wide.data.text == "z");
    CHECK(wide.seq == std::optional<std::uint64_t>(70000));
    CHECK(wide.captureTimeUs == std::optional<std::int64_t>(-5));

    const Header end = ng::wire::decodeHeader(view(loadFixture("terminate")));
    CHECK(end.terminate);
    CHECK_FALSE(end.biMode);
    CHECK(end.data.kind == DataValue::Kind::None);
}

TEST_CASE("wire: header round trips, bin keys and unknown keys") {
    Header header;
    header.biMode = true;
    header.data = DataValue::fromText("caf\u00e9");
    header.seq = UINT64_MAX;
    header.captureTimeUs = INT64_MIN;
    const Header back = ng::wire::decodeHeader(view(ng::wire::encodeFrameHeader(header)));
    CHECK(back.biMode);
    CHECK(back.data.text == "caf\u00e9");
    CHECK(back.seq == header.seq);
    CHECK(back.captureTimeUs == header.captureTimeUs);

    const Bytes binKeys = buildMap({{bin("terminate"), boolean(false)},
                                    {bin("bi_mode"), boolean(true)},
                                    {bin("data"), bin("x")},
                                    {str("future_key"), ints({1, 2})}});
    const Header fromBin = ng::wire::decodeHeader(view(binKeys));
    CHECK(fromBin.biMode);
    CHECK(fromBin.data.text == "x");
    CHECK(fromBin.data.pythonType == "bytes");
}

TEST_CASE("wire: renderings of other values follow Python's repr") {
    const std::vector<std::pair<Value, std::string>> table = {
        {real(100.0), "100.0"},
        {real(0.1), "0.1"},
        {real(1e16), "1e+16"},
        {real(1e-5), "1e-05"},
        {real(0.0001), "0.0001"},
        {real(-0.0), "-0.0"},
        {real(123456.75), "123456.75"},
        {real(1.5e300), "1.5e+300"},
        {integer(-300), "-300"},
        {uinteger(UINT64_MAX), "18446744073709551615"},
        {boolean(false), "False"},
        {array({}), "[]"},
        {array({str("it's"), bin(std::string("\x00\x80", 2))}), "['it\\'s', b'\\x00\\x80']"},
    };
    for (const auto& [value, expected] : table) {
        const Header header = ng::wire::decodeHeader(
            view(buildMap({{str("terminate"), boolean(false)}, {str("data"), value}})));
        CHECK(header.data.kind == DataValue::Kind::Other);
        CHECK(header.data.text == expected);
    }
}

TEST_CASE("wire: decodeNdarray reads every msgpack-numpy fixture without copying") {
    for (const auto& fixture : kFrameFixtures) {
        INFO(fixture.name);
        const Bytes bytes = loadFixture(fixture.name);
        const ng::wire::NdarrayView frame = ng::wire::decodeNdarray(view(bytes), kLimit);
        CHECK(frame.shape == fixture.shape);
        // Zero-copy: the pixels are the tail of the input buffer itself.
        CHECK(frame.pixels >= bytes.data());
        CHECK(frame.pixels + fixture.shape.bytes() == bytes.data() + bytes.size());
        CHECK(Bytes(frame.pixels, frame.pixels + fixture.shape.bytes()) ==
              pattern(fixture.shape.bytes()));
    }
    // HxWx1 is grayscale, as HxW is.
    const Bytes gray = loadFixture("ndarray_2x2x1");
    CHECK(ng::wire::decodeNdarray(view(gray), kLimit).shape == FrameShape{2, 2, 1});
}

TEST_CASE("wire: decodeNdarray accepts the other spellings of uint8 and str keys") {
    for (const char* dtype : {"<u1", ">u1", "u1"}) {
        INFO(dtype);
        CHECK(ng::wire::decodeNdarray(view(ndarrayWith("type", str(dtype))), kLimit).shape ==
              FrameShape{2, 2, 3});
    }
    CHECK_NOTHROW(ng::wire::decodeNdarray(view(ndarrayWith("type", bin("|u1"))), kLimit));
    CHECK_NOTHROW(ng::wire::decodeNdarray(view(ndarrayWithout("kind")), kLimit));
    CHECK_NOTHROW(ng::wire::decodeNdarray(view(ndarrayWith("extra", nil())), kLimit));

    const Bytes pixels = pattern(12);
    const Bytes strKeys = buildMap({{str("nd"), boolean(true)},
                                    {str("type"), str("|u1")},
                                    {str("kind"), str("")},
                                    {str("shape"), ints({2, 2, 3})},
                                    {str("data"), str(std::string(pixels.begin(), pixels.end()))}});
    const auto frame = ng::wire::decodeNdarray(view(strKeys), kLimit);
    CHECK(frame.shape == FrameShape{2, 2, 3});
    CHECK(Bytes(frame.pixels, frame.pixels + 12) == pixels);

    // maxBytes is inclusive.
    const Bytes small = loadFixture("ndarray_2x2x3");
    CHECK_NOTHROW(ng::wire::decodeNdarray(view(small), 12));
    CHECK(protocolErrorOf([&] {
              ng::wire::decodeNdarray(view(small), 11);
          }).find("over the limit of 11 bytes") != std::string::npos);
}

TEST_CASE("wire: encodeNdarray and decodeNdarray round trip") {
    for (const FrameShape shape : {FrameShape{1, 1, 1}, FrameShape{7, 3, 3}, FrameShape{17, 9, 4},
                                   FrameShape{128, 2, 1}, FrameShape{256, 256, 1}}) {
        CAPTURE(shape.height);
        const Bytes pixels = pattern(shape.bytes());
        const Bytes encoded = ng::wire::encodeNdarray(shape, pixels.data());
        const auto frame = ng::wire::decodeNdarray(view(encoded), kLimit);
        CHECK(frame.shape == shape);
        CHECK(Bytes(frame.pixels, frame.pixels + shape.bytes()) == pixels);
    }
}

TEST_CASE("wire: decodeReply tells plain acks, data and frames apart") {
    const Reply plain = ng::wire::decodeReply(view(loadFixture("plain_ack")));
    CHECK(plain.kind == Reply::Kind::PlainAck);
    CHECK(plain.plainText == "Data received on client: ABCD1234 !");

    const Reply text = ng::wire::decodeReply(view(loadFixture("reply_str")));
    CHECK(text.kind == Reply::Kind::Data);
    CHECK(text.data.kind == DataValue::Kind::Text);
    CHECK(text.data.text == "hello back");
    CHECK(text.data.pythonType == "str");

    const Reply none = ng::wire::decodeReply(view(loadFixture("reply_none")));
    CHECK(none.kind == Reply::Kind::Data);
    CHECK(none.data.kind == DataValue::Kind::None);
    CHECK(none.data.pythonType == "NoneType");
    CHECK(none.data.empty());

    const Reply number = ng::wire::decodeReply(view(loadFixture("reply_int")));
    CHECK(number.data.kind == DataValue::Kind::Other);
    CHECK(number.data.text == "42");
    CHECK(number.data.pythonType == "int");

    const Reply raw = ng::wire::decodeReply(view(loadFixture("reply_bytes")));
    CHECK(raw.data.kind == DataValue::Kind::Text);
    CHECK(raw.data.text == "\x01\x02");
    CHECK(raw.data.pythonType == "bytes");

    const Reply list = ng::wire::decodeReply(view(loadFixture("reply_list")));
    CHECK(list.data.text == "[1, 2]");
    CHECK(list.data.pythonType == "list");

    const Reply frame = ng::wire::decodeReply(view(loadFixture("reply_ndarray")));
    CHECK(frame.kind == Reply::Kind::Ndarray);
    CHECK(frame.data.kind == DataValue::Kind::None);
}

TEST_CASE("wire: an answer with a frame is vidgear's, with the text in return_data") {
    // No text: byte for byte what vidgear's receiver sends, return_data nil.
    CHECK(ng::wire::encodeFrameReply(DataValue::none()) == loadFixture("reply_ndarray"));

    const Reply withText =
        ng::wire::decodeReply(view(ng::wire::encodeFrameReply(DataValue::fromText("hi"))));
    CHECK(withText.kind == Reply::Kind::Ndarray);
    CHECK(withText.data.kind == DataValue::Kind::Text);
    CHECK(withText.data.text == "hi");

    ng::wire::Notice notice;
    notice.stop = "it reached its --frames 3";
    const Reply all = ng::wire::decodeReply(
        view(ng::wire::encodeFrameReply(DataValue::none(), ng::Codec::Jpeg, notice)));
    CHECK(all.kind == Reply::Kind::Ndarray);
    CHECK(all.decoded == ng::Codec::Jpeg);
    CHECK(all.notice.stop == notice.stop);
    CHECK(all.data.kind == DataValue::Kind::None);
}

TEST_CASE("wire: decodeReply treats anything but a reply map as a plain ack") {
    for (const Bytes& bytes : {Bytes{}, bytesOf("OK"), Bytes{0xc1}, loadFixture("terminate_ack"),
                               pack(ints({1, 2})), Bytes{0x82, 0xa1}}) {
        const Reply reply = ng::wire::decodeReply(view(bytes));
        CHECK(reply.kind == Reply::Kind::PlainAck);
        CHECK(reply.plainText == std::string(bytes.begin(), bytes.end()));
    }
}

TEST_CASE("wire: decodeReply refuses broken reply maps") {
    const std::vector<HostileCase> table = {
        {"return_type int",
         buildMap({{str("return_type"), integer(3)}, {str("return_data"), nil()}}),
         "reply map: 'return_type' is int, expected str"},
        {"no return_data", buildMap({{str("return_type"), str("str")}}),
         "reply map: missing key 'return_data'"},
        {"int key", buildMap({{str("return_type"), str("str")}, {integer(1), nil()}}),
         "reply map: a key of type int"},
        {"duplicate",
         buildMap({{str("return_type"), str("str")},
                   {bin("return_type"), str("int")},
                   {str("return_data"), nil()}}),
         "reply map: duplicate key 'return_type'"},
    };
    for (const auto& row : table) {
        INFO(row.name);
        const std::string message =
            protocolErrorOf([&] { ng::wire::decodeReply(view(row.bytes)); });
        CHECK_MESSAGE(message.find(row.expected) != std::string::npos, message);
    }
}

TEST_CASE("wire: decodeTerminateAck reads the text and refuses anything else") {
    CHECK(ng::wire::decodeTerminateAck(view(loadFixture("terminate_ack"))) ==
          "Client-`ABCD1234` successfully terminated!");
    CHECK(ng::wire::decodeTerminateAck(view(buildMap({{bin("terminated"), bin("bye")}}))) == "bye");

    const std::vector<HostileCase> table = {
        {"plain ack", loadFixture("plain_ack"), "terminate ack: 34 trailing bytes"},
        {"empty", Bytes{}, "terminate ack: empty message"},
        {"array", pack(ints({1})), "terminate ack: expected a msgpack map, got array"},
        {"missing", buildMap({{str("terminate"), boolean(true)}}),
         "terminate ack: missing key 'terminated'"},
        {"wrong type", buildMap({{str("terminated"), boolean(true)}}),
         "terminate ack: 'terminated' is bool, expected str"},
    };
    for (const auto& row : table) {
        INFO(row.name);
        const std::string message =
            protocolErrorOf([&] { ng::wire::decodeTerminateAck(view(row.bytes)); });
        CHECK_MESSAGE(message.find(row.expected) != std::string::npos, message);
    }
}

TEST_CASE("wire: makeReceiverId draws 8 characters of [A-Z0-9]") {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        const std::string id = ng::wire::makeReceiverId();
        REQUIRE(id.size() == 8);
        for (const char c : id) CHECK(((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')));
        seen.insert(id);
    }
    CHECK(seen.size() == 50);  // 36^8 ids: a repeat here means the generator is not seeded
}

// ---------------------------------------------------------------------------------------
// Hostile input: refused with a reason, cheaply, and never with anything but ProtocolError
// ---------------------------------------------------------------------------------------

TEST_CASE("wire: decodeNdarray refuses hostile and unsupported maps with a reason") {
    const Bytes valid = loadFixture("ndarray_2x2x3");
    const std::vector<HostileCase> table = {
        {"empty", Bytes{}, "ndarray map: empty message"},
        {"never-used byte", Bytes{0xc1}, "ndarray map: not valid msgpack"},
        {"text", bytesOf("hello"), "ndarray map: 4 trailing bytes"},
        {"trailing garbage", concat(valid, Bytes{0x00}), "ndarray map: 1 trailing byte after"},
        {"top-level array", pack(ints({2, 2, 3})), "expected a msgpack map, got array"},
        {"top-level nil", Bytes{0xc0}, "expected a msgpack map, got nil"},
        {"missing nd", ndarrayWithout("nd"), "ndarray map: missing key 'nd'"},
        {"missing type", ndarrayWithout("type"), "missing key 'type'"},
        {"missing shape", ndarrayWithout("shape"), "missing key 'shape'"},
        {"missing data", ndarrayWithout("data"), "missing key 'data'"},
        {"nd false", ndarrayWith("nd", boolean(false)), "'nd' is false"},
        {"nd int", ndarrayWith("nd", integer(1)), "'nd' is int, expected bool"},
        {"float32", ndarrayWith("type", str("<f4")),
         "dtype '<f4' is not supported; only uint8 ('|u1') is"},
        {"uint16", ndarrayWith("type", str("<u2")), "dtype '<u2' is not supported"},
        {"object", ndarrayWith("type", str("|O")), "dtype '|O' is not supported"},
        {"object descr", ndarrayWith("type", array({array({str(""), str("|O")})})),
         "dtype [['', '|O']] is not supported"},
        {"type nil", ndarrayWith("type", nil()), "dtype None is not supported"},
        {"structured kind", ndarrayWith("kind", bin("V")), "'kind' is 'V'"},
        {"kind int", ndarrayWith("kind", integer(0)), "'kind' is int, expected bin"},
        {"4 dims", ndarrayWith("shape", ints({1, 2, 2, 3})),
         "ndarray map: 'shape' has 4 dimensions; expected HxW or HxWxC"},
        {"1 dim", ndarrayWith("shape", ints({12})), "'shape' has 1 dimension; expected HxW"},
        {"0 dims", ndarrayWith("shape", ints({})), "'shape' has 0 dimensions"},
        {"shape str", ndarrayWith("shape", str("2x2x3")), "'shape' is str, expected an array"},
        {"negative", ndarrayWith("shape", ints({-2, 2, 3})),
         "'shape' [-2, 2, 3] has a dimension that is not a positive int"},
        {"zero", ndarrayWith("shape", ints({0, 2, 3})), "not a positive int"},
        {"float dim", ndarrayWith("shape", array({real(2.0), integer(2), integer(3)})),
         "not a positive int"},
        {"huge dim", ndarrayWith("shape", ints({1ll << 40, 1, 3})),
         "'shape' dimension 1099511627776 is too large"},
        {"2 channels", ndarrayWith("shape", ints({2, 3, 2})), "shape 2x3x2 has 2 channels"},
        {"5 channels", ndarrayWith("shape", ints({1, 2, 5})), "expected 1, 3 or 4"},
        {"40000x40000x3", ndarrayWith("shape", ints({40000, 40000, 3})),
         "shape 40000x40000x3 claims 4800000000 bytes, over the limit of 67108864 bytes"},
        {"largest claim", ndarrayWith("shape", ints({INT_MAX, INT_MAX, 4})),
         "shape 2147483647x2147483647x4 claims"},
        {"data short", buildMap(ndarrayFields({2, 2, 3}, 11)),
         "'data' holds 11 bytes but shape 2x2x3 needs 12"},
        {"data long", buildMap(ndarrayFields({2, 2, 3}, 13)), "'data' holds 13 bytes"},
        {"data int", ndarrayWith("data", integer(7)), "'data' is int, expected bin"},
        {"int key", buildMap({{integer(1), boolean(true)}}), "a key of type int"},
        {"nil key", buildMap({{nil(), boolean(true)}}), "a key of type nil"},
        // Container and string headers claiming far more than the input holds.
        {"array 2^32-1", Bytes{0xdd, 0xff, 0xff, 0xff, 0xff}, "larger than allowed"},
        {"map 2^32-1", Bytes{0xdf, 0xff, 0xff, 0xff, 0xff}, "larger than allowed"},
        {"bin 4 GiB", Bytes{0x81, 0xc4, 0x01, 'x', 0xc6, 0xff, 0xff, 0xff, 0xff, 0},
         "truncated message"},
        {"str 4 GiB", Bytes{0xdb, 0xff, 0xff, 0xff, 0xff}, "truncated message"},
        {"deep nesting", Bytes(64, 0x91), "nested too deeply"},
    };
    for (const auto& row : table) {
        INFO(row.name);
        const std::string message =
            protocolErrorOf([&] { ng::wire::decodeNdarray(view(row.bytes), kLimit); });
        CHECK_MESSAGE(message.find(row.expected) != std::string::npos, message);
        CHECK(message.rfind("ndarray map: ", 0) == 0);
    }
}

TEST_CASE("wire: decodeNdarray refuses a repeated key") {
    auto fields = ndarrayFields({2, 2, 3}, 12);
    fields.push_back({str("shape"), ints({2, 2, 3})});
    const std::string message =
        protocolErrorOf([&] { ng::wire::decodeNdarray(view(buildMap(fields)), kLimit); });
    CHECK(message == "ndarray map: duplicate key 'shape'");
}

TEST_CASE("wire: msgpack-numpy's non-uint8 arrays are refused") {
    const std::vector<std::pair<const char*, const char*>> table = {
        {"refuse_float32", "dtype '<f4' is not supported"},
        {"refuse_uint16", "dtype '<u2' is not supported"},
        // Object arrays carry a pickle: refusing them before 'data' is ever read matters.
        {"refuse_object", "dtype [['', '|O']] is not supported"},
        {"refuse_structured", "dtype [['a', '|u1'], ['b', '|u1']] is not supported"},
        {"refuse_scalar", "'nd' is false"},
    };
    for (const auto& [fixture, expected] : table) {
        INFO(fixture);
        const std::string message =
            protocolErrorOf([&] { ng::wire::decodeNdarray(view(loadFixture(fixture)), kLimit); });
        CHECK_MESSAGE(message.find(expected) != std::string::npos, message);
    }
}

TEST_CASE("wire: decodeHeader refuses hostile headers with a reason") {
    const std::vector<HostileCase> table = {
        {"empty", Bytes{}, "header map: empty message"},
        {"plain text", bytesOf("Data received"), "header map: 12 trailing bytes"},
        {"top-level str", pack(str("terminate")), "expected a msgpack map, got str"},
        {"missing terminate", headerMap({}, false), "header map: missing key 'terminate'"},
        {"terminate int", buildMap({{str("terminate"), integer(0)}}),
         "'terminate' is int, expected bool"},
        {"bi_mode str", buildMap({{str("terminate"), boolean(false)}, {str("bi_mode"), str("no")}}),
         "'bi_mode' is str, expected bool"},
        {"ng_seq negative", headerMap({{str("ng_seq"), integer(-1)}}),
         "'ng_seq' is -1, expected an int >= 0"},
        {"ng_seq str", headerMap({{str("ng_seq"), str("7")}}), "'ng_seq' is '7'"},
        {"ng_capture_us too big", headerMap({{str("ng_capture_us"), uinteger(1ull << 63)}}),
         "'ng_capture_us' is 9223372036854775808, expected a 64-bit int"},
        {"ng_capture_us float", headerMap({{str("ng_capture_us"), real(1.5)}}),
         "'ng_capture_us' is 1.5"},
        {"ng_fps zero", headerMap({{str("ng_fps"), real(0.0)}}),
         "'ng_fps' is 0.0, expected a positive number"},
        {"ng_fps negative", headerMap({{str("ng_fps"), integer(-25)}}), "'ng_fps' is -25"},
        {"ng_fps str", headerMap({{str("ng_fps"), str("25")}}), "'ng_fps' is '25'"},
        {"duplicate data", headerMap({{bin("data"), str("again")}}),
         "header map: duplicate key 'data'"},
        {"float key", headerMap({{real(1.0), nil()}}), "a key of type float"},
        {"deep data",
         concat(Bytes{0x82, 0xa9, 't', 'e', 'r', 'm', 'i', 'n', 'a', 't', 'e', 0xc2, 0xa4, 'd', 'a',
                      't', 'a'},
                Bytes(16, 0x91)),
         "nested too deeply"},
        {"huge data array",
         concat(Bytes{0x81, 0xa4, 'd', 'a', 't', 'a', 0xdd}, Bytes{0x7f, 0xff, 0xff, 0xff}),
         "larger than allowed"},
        {"huge data map",
         concat(Bytes{0x81, 0xa4, 'd', 'a', 't', 'a', 0xdf}, Bytes{0x00, 0x10, 0x00, 0x00}),
         "larger than allowed"},
    };
    for (const auto& row : table) {
        INFO(row.name);
        const std::string message =
            protocolErrorOf([&] { ng::wire::decodeHeader(view(row.bytes)); });
        CHECK_MESSAGE(message.find(row.expected) != std::string::npos, message);
        CHECK(message.rfind("header map: ", 0) == 0);
    }
}

TEST_CASE("wire: every strict prefix of a valid message is refused") {
    const std::vector<const char*> headers = {"header_plain", "header_unicode", "header_text300",
                                              "header_list",  "header_dict",    "header_ext",
                                              "terminate"};
    for (const char* name : headers) {
        INFO(name);
        const Bytes bytes = loadFixture(name);
        std::size_t accepted = 0;
        for (std::size_t size = 0; size < bytes.size(); ++size) {
            try {
                ng::wire::decodeHeader({bytes.data(), size});
                ++accepted;
            } catch (const ProtocolError&) {
            }
        }
        CHECK(accepted == 0);
    }
    for (const auto& fixture : kFrameFixtures) {
        INFO(fixture.name);
        const Bytes bytes = loadFixture(fixture.name);
        std::size_t accepted = 0;
        // Every cut through the map's structure; through long pixel data, a sample will do.
        for (std::size_t size = 0; size < bytes.size(); size += size < 256 ? 1 : 97) {
            try {
                ng::wire::decodeNdarray({bytes.data(), size}, kLimit);
                ++accepted;
            } catch (const ProtocolError&) {
            }
        }
        CHECK(accepted == 0);
    }
    const Bytes ack = loadFixture("terminate_ack");
    for (std::size_t size = 0; size < ack.size(); ++size) {
        CHECK_THROWS_AS(ng::wire::decodeTerminateAck({ack.data(), size}), ProtocolError);
    }
    // A cut reply is no longer a reply map: it reads as a plain ack, never as an error.
    const Bytes reply = loadFixture("reply_str");
    for (std::size_t size = 0; size < reply.size(); ++size) {
        CHECK(ng::wire::decodeReply({reply.data(), size}).kind == Reply::Kind::PlainAck);
    }
}

TEST_CASE("wire: corrupted bytes give a value or a ProtocolError, nothing else") {
    // A cheap stand-in for the fuzzer: overwrite each byte of small messages with values
    // that are interesting to a msgpack parser (container and length headers, never-used).
    const std::vector<std::uint8_t> poison = {0x00, 0x7f, 0x80, 0x8f, 0x9f, 0xc0, 0xc1,
                                              0xc3, 0xc4, 0xc6, 0xcf, 0xd3, 0xdb, 0xdc,
                                              0xdd, 0xde, 0xdf, 0xe0, 0xff};
    const std::vector<const char*> names = {"header_ext",  "header_dict", "ndarray_2x2x3",
                                            "ndarray_3x5", "reply_none",  "terminate_ack"};
    std::size_t decoded = 0, refused = 0;
    for (const char* name : names) {
        const Bytes original = loadFixture(name);
        for (std::size_t i = 0; i < original.size(); ++i) {
            for (const std::uint8_t value : poison) {
                Bytes bytes = original;
                bytes[i] = value;
                for (int decoder = 0; decoder < 4; ++decoder) {
                    try {
                        if (decoder == 0) ng::wire::decodeHeader(view(bytes));
                        if (decoder == 1) ng::wire::decodeNdarray(view(bytes), 1 << 20);
                        if (decoder == 2) ng::wire::decodeReply(view(bytes));
                        if (decoder == 3) ng::wire::decodeTerminateAck(view(bytes));
                        ++decoded;
                    } catch (const ProtocolError&) {
                        ++refused;
                    }
                }
            }
        }
    }
    CHECK(decoded > 0);
    CHECK(refused > 0);

    // Random bytes, a fixed seed so a failure reproduces.
    std::mt19937 generator(12345);
    std::uniform_int_distribution<int> byte(0, 255), length(0, 48);
    for (int round = 0; round < 5000; ++round) {
        Bytes bytes(static_cast<std::size_t>(length(generator)));
        for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(generator));
        try {
            ng::wire::decodeNdarray(view(bytes), 1 << 20);
        } catch (const ProtocolError&) {
        }
        try {
            ng::wire::decodeHeader(view(bytes));
        } catch (const ProtocolError&) {
        }
        try {
            ng::wire::decodeReply(view(bytes));
        } catch (const ProtocolError&) {
            ++refused;  // only a map naming return_type can be refused
        }
    }
}

// ---------------------------------------------------------------------------------------
// Extensions of the end of stream and of the answers (issue 14)
// ---------------------------------------------------------------------------------------

TEST_CASE("wire: the end of stream carries the last frame's number, vidgear's bytes first") {
    const Bytes plain = ng::wire::encodeTerminate();
    CHECK(ng::wire::decodeTerminateLastSeq(view(plain)) == std::nullopt);

    const Bytes withSeq = ng::wire::encodeTerminate(59);
    // {"terminate": true, "ng_last_seq": 59}: the map grows to 2 entries, vidgear's key
    // stays first and unchanged.
    const Bytes expected = {0x82, 0xa9, 't', 'e', 'r', 'm', 'i', 'n', 'a', 't', 'e', 0xc3, 0xab,
                            'n',  'g',  '_', 'l', 'a', 's', 't', '_', 's', 'e', 'q', 59};
    CHECK(withSeq == expected);
    const Header header = ng::wire::decodeHeader(view(withSeq));
    CHECK(header.terminate);
    CHECK(ng::wire::decodeTerminateLastSeq(view(withSeq)) == 59u);
    CHECK(ng::wire::decodeTerminateLastSeq(view(ng::wire::encodeTerminate(UINT64_MAX))) ==
          UINT64_MAX);

    // A wrong type is a broken sender, not "no number".
    msgpack::sbuffer bad;
    msgpack::packer<msgpack::sbuffer> packer(bad);
    packer.pack_map(2);
    packer.pack(std::string("terminate"));
    packer.pack(true);
    packer.pack(std::string("ng_last_seq"));
    packer.pack(-1);
    const Bytes badBytes(bad.data(), bad.data() + bad.size());
    CHECK(ng::wire::decodeHeader(view(badBytes)).terminate);
    CHECK_THROWS_WITH_AS(ng::wire::decodeTerminateLastSeq(view(badBytes)),
                         doctest::Contains("'ng_last_seq' is -1, expected an int >= 0"),
                         ProtocolError);
}

TEST_CASE(
    "wire: a notice in a reply keeps vidgear's keys; without bidirectional mode it is a map "
    "without return_type") {
    ng::wire::Notice refused;
    refused.refused = "too large";
    const Bytes reply = ng::wire::encodeReply(DataValue::none(), ng::Codec::Raw, refused);
    // vidgear's two keys first, byte for byte, then ours.
    const Bytes none = loadFixture("reply_none");
    REQUIRE(reply.size() > none.size());
    CHECK(reply[0] == 0x83);
    CHECK(Bytes(reply.begin() + 1, reply.begin() + static_cast<long>(none.size())) ==
          Bytes(none.begin() + 1, none.end()));
    const Reply decoded = ng::wire::decodeReply(view(reply));
    CHECK(decoded.kind == Reply::Kind::Data);
    CHECK(decoded.data.kind == DataValue::Kind::None);
    CHECK(decoded.notice.refused == "too large");
    CHECK(decoded.notice.stop.empty());

    ng::wire::Notice stop;
    stop.stop = "it reached its --frames 20";
    const Bytes plain = ng::wire::encodeNotice(stop);
    const msgpack::object_handle handle =
        msgpack::unpack(reinterpret_cast<const char*>(plain.data()), plain.size());
    REQUIRE(handle.get().type == msgpack::type::MAP);
    CHECK(handle.get().via.map.size == 1);  // no return_type: a vidgear sender only logs it
    const Reply stopped = ng::wire::decodeReply(view(plain));
    CHECK(stopped.kind == Reply::Kind::PlainAck);
    CHECK(stopped.notice.stop == "it reached its --frames 20");

    // Both at once (a refused stream): both are read.
    ng::wire::Notice both = refused;
    both.stop = "it refused the stream";
    const Reply twice = ng::wire::decodeReply(view(ng::wire::encodeNotice(both)));
    CHECK(twice.notice.refused == "too large");
    CHECK(twice.notice.stop == "it refused the stream");

    // The usual answers carry none.
    CHECK(ng::wire::decodeReply(view(loadFixture("plain_ack"))).notice.empty());
    CHECK(ng::wire::decodeReply(view(loadFixture("reply_str"))).notice.empty());
    CHECK(ng::wire::encodeReply(DataValue::none(), ng::Codec::Raw, {}) == none);
}
