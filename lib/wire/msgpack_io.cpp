// Bounded msgpack parsing and Python-style rendering shared by the wire decoders.
#include "wire/msgpack_io.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ng::wire::detail {

namespace {

// Every str, bin and ext stays a pointer into the caller's buffer: nothing is copied, so a
// claimed length costs no memory, and the ndarray pixels can be handed out zero-copy.
bool referenceAll(msgpack::type::object_type, std::size_t, void*) { return true; }

std::string describeParseFailure(const msgpack::unpack_error& error) {
    if (dynamic_cast<const msgpack::insufficient_bytes*>(&error)) {
        return "truncated message (the msgpack value is incomplete)";
    }
    if (dynamic_cast<const msgpack::depth_size_overflow*>(&error)) {
        return "values nested too deeply";
    }
    if (dynamic_cast<const msgpack::size_overflow*>(&error)) {
        return std::string("a container or string is larger than allowed (") + error.what() + ")";
    }
    return std::string("not valid msgpack (") + error.what() + ")";
}

// Python's repr() of a float: shortest round-trip digits, positional notation for
// exponents -4..15, scientific otherwise, and always a '.0' on whole numbers.
std::string renderFloat(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[64];
    const auto result =
        std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
    const std::string scientific(buffer, result.ptr);
    const std::size_t e = scientific.find('e');
    const int exponent = std::atoi(scientific.c_str() + e + 1);
    if (exponent < -4 || exponent >= 16) return scientific;

    const bool negative = scientific[0] == '-';
    std::string digits;
    for (std::size_t i = negative ? 1 : 0; i < e; ++i) {
        if (scientific[i] != '.') digits += scientific[i];
    }
    std::string out = negative ? "-" : "";
    if (exponent < 0) return out + "0." + std::string(-exponent - 1, '0') + digits;
    const auto intDigits = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= intDigits) {
        return out + digits + std::string(intDigits - digits.size(), '0') + ".0";
    }
    return out + digits.substr(0, intDigits) + "." + digits.substr(intDigits);
}

// Python's repr() of str (isBytes false) or bytes (isBytes true), single-quoted.
std::string renderQuoted(std::string_view text, bool isBytes) {
    std::string out = isBytes ? "b'" : "'";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\\' || c == '\'') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f || (isBytes && byte >= 0x80)) {
            char escaped[5];
            std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
            out += escaped;
        } else {
            out += c;  // UTF-8 text passes through, as Python prints printable characters
        }
    }
    return out + "'";
}

std::string renderArray(const msgpack::object_array& array) {
    std::string out = "[";
    for (std::uint32_t i = 0; i < array.size; ++i) {
        if (i) out += ", ";
        out += render(array.ptr[i]);
    }
    return out + "]";
}

std::string renderMap(const msgpack::object_map& map) {
    std::string out = "{";
    for (std::uint32_t i = 0; i < map.size; ++i) {
        if (i) out += ", ";
        out += render(map.ptr[i].key) + ": " + render(map.ptr[i].val);
    }
    return out + "}";
}

}  // namespace

msgpack::object_handle parseWhole(ByteView bytes, const msgpack::unpack_limit& limit,
                                  const char* what) {
    if (bytes.empty()) throwProtocol(what, "empty message");
    std::size_t offset = 0;
    msgpack::object_handle handle;
    try {
        handle = msgpack::unpack(reinterpret_cast<const char*>(bytes.data), bytes.size, offset,
                                 referenceAll, nullptr, limit);
    } catch (const msgpack::unpack_error& error) {
        throwProtocol(what, describeParseFailure(error));
    }
    if (offset != bytes.size) {
        const std::size_t extra = bytes.size - offset;
        throwProtocol(what, std::to_string(extra) +
                                (extra == 1 ? " trailing byte" : " trailing bytes") +
                                " after the msgpack value");
    }
    return handle;
}

bool asText(const msgpack::object& object, std::string_view& text) {
    if (object.type == msgpack::type::STR) {
        text = {object.via.str.ptr, object.via.str.size};
        return true;
    }
    if (object.type == msgpack::type::BIN) {
        text = {object.via.bin.ptr, object.via.bin.size};
        return true;
    }
    return false;
}

const char* typeName(const msgpack::object& object) {
    switch (object.type) {
        case msgpack::type::NIL:
            return "nil";
        case msgpack::type::BOOLEAN:
            return "bool";
        case msgpack::type::POSITIVE_INTEGER:
        case msgpack::type::NEGATIVE_INTEGER:
            return "int";
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64:
            return "float";
        case msgpack::type::STR:
            return "str";
        case msgpack::type::BIN:
            return "bin";
        case msgpack::type::ARRAY:
            return "array";
        case msgpack::type::MAP:
            return "map";
        case msgpack::type::EXT:
            return "ext";
    }
    return "unknown";
}

std::string render(const msgpack::object& object) {
    switch (object.type) {
        case msgpack::type::NIL:
            return "None";
        case msgpack::type::BOOLEAN:
            return object.via.boolean ? "True" : "False";
        case msgpack::type::POSITIVE_INTEGER:
            return std::to_string(object.via.u64);
        case msgpack::type::NEGATIVE_INTEGER:
            return std::to_string(object.via.i64);
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64:
            return renderFloat(object.via.f64);
        case msgpack::type::STR:
            return renderQuoted({object.via.str.ptr, object.via.str.size}, false);
        case msgpack::type::BIN:
            return renderQuoted({object.via.bin.ptr, object.via.bin.size}, true);
        case msgpack::type::ARRAY:
            return renderArray(object.via.array);
        case msgpack::type::MAP:
            return renderMap(object.via.map);
        case msgpack::type::EXT:
            return "ExtType(code=" + std::to_string(object.via.ext.type()) +
                   ", data=" + renderQuoted({object.via.ext.data(), object.via.ext.size}, true) +
                   ")";
    }
    return "?";
}

void requireMap(const msgpack::object& object, const char* what) {
    if (object.type != msgpack::type::MAP) {
        throwProtocol(what, std::string("expected a msgpack map, got ") + typeName(object));
    }
}

bool keyMatches(const msgpack::object& key, std::string_view name, const char* what) {
    std::string_view text;
    if (!asText(key, text)) {
        throwProtocol(what,
                      std::string("a key of type ") + typeName(key) + "; keys must be str or bin");
    }
    return text == name;
}

void throwMissing(const char* what, std::string_view key) {
    throwProtocol(what, "missing key '" + std::string(key) + "'");
}

void throwProtocol(const char* what, const std::string& detail) {
    throw ProtocolError(std::string(what) + ": " + detail);
}

}  // namespace ng::wire::detail
