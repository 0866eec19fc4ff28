// Internal to wire/: bounded msgpack parsing, map lookup, byte writers and value rendering.
//
// Only wire/*.cpp include this file; it is the one place that sees msgpack-c.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <msgpack.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/errors.hpp"

namespace ng::wire::detail {

// Parses exactly one msgpack value spanning all of `bytes`. Strings, bins and exts stay
// references into `bytes` (no copy), so the result must not outlive them. `what` names the
// message in errors ("ndarray map"). Throws ProtocolError on empty, truncated, malformed,
// over-limit input or trailing bytes.
msgpack::object_handle parseWhole(ByteView bytes, const msgpack::unpack_limit& limit,
                                  const char* what);

// The bytes of a str or bin object; false for any other type.
bool asText(const msgpack::object& object, std::string_view& text);

// A short msgpack type name for error messages: "int", "str", "bin", "array", ...
const char* typeName(const msgpack::object& object);

// Python's repr() of the value Python's msgpack would unpack: 42, 3.5, True, None,
// 'text', b'bytes', [1, 2], {'k': 1}. Recursion is bounded by the parse depth limit.
std::string render(const msgpack::object& object);

// Throws ProtocolError unless `object` is a map.
void requireMap(const msgpack::object& object, const char* what);

// Looks up `names` in a msgpack map whose keys are str or bin. fields[i] is the value of
// names[i], or null when absent. Unknown keys are ignored (vidgear ignores them too);
// a non-text key or a repeated known key is a ProtocolError.
template <std::size_t N>
std::array<const msgpack::object*, N> mapFields(const msgpack::object& map,
                                                const std::array<std::string_view, N>& names,
                                                const char* what);

// Throws ProtocolError: "<what>: missing key '<key>'".
[[noreturn]] void throwMissing(const char* what, std::string_view key);
// Throws ProtocolError: "<what>: <detail>".
[[noreturn]] void throwProtocol(const char* what, const std::string& detail);

// Appends to a byte vector; the Stream msgpack::packer writes to.
class VectorWriter {
public:
    explicit VectorWriter(std::vector<std::uint8_t>& out) : out_(out) {}
    // resize + memcpy rather than insert(): g++ 12 at -O3 misreads insert() on a fresh
    // vector as an overflow (-Wstringop-overflow) and -Werror fails the Release build.
    void write(const char* data, std::size_t size) {
        const std::size_t used = out_.size();
        out_.resize(used + size);
        std::memcpy(out_.data() + used, data, size);
    }

private:
    std::vector<std::uint8_t>& out_;
};

// Writes into a fixed array and refuses to run past it: the ndarray prefix must fit the
// frame's headroom, and overrunning it would corrupt the frame buffer.
class FixedWriter {
public:
    FixedWriter(std::uint8_t* data, std::size_t capacity) : data_(data), capacity_(capacity) {}
    void write(const char* data, std::size_t size) {
        if (size > capacity_ - size_) throw std::length_error("wire: fixed buffer overrun");
        std::memcpy(data_ + size_, data, size);
        size_ += size;
    }
    std::size_t size() const { return size_; }

private:
    std::uint8_t* data_;
    std::size_t capacity_;
    std::size_t size_ = 0;
};

// Packs `text` as a msgpack str (Python str) or bin (Python bytes).
template <typename Stream>
void packStr(msgpack::packer<Stream>& packer, std::string_view text) {
    const auto size = static_cast<std::uint32_t>(text.size());
    packer.pack_str(size);
    packer.pack_str_body(text.data(), size);
}
template <typename Stream>
void packBin(msgpack::packer<Stream>& packer, std::string_view bytes) {
    const auto size = static_cast<std::uint32_t>(bytes.size());
    packer.pack_bin(size);
    packer.pack_bin_body(bytes.data(), size);
}

// ---- template definitions ----

bool keyMatches(const msgpack::object& key, std::string_view name, const char* what);

template <std::size_t N>
std::array<const msgpack::object*, N> mapFields(const msgpack::object& map,
                                                const std::array<std::string_view, N>& names,
                                                const char* what) {
    std::array<const msgpack::object*, N> fields{};
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        const msgpack::object_kv& entry = map.via.map.ptr[i];
        for (std::size_t n = 0; n < N; ++n) {
            if (!keyMatches(entry.key, names[n], what)) continue;
            if (fields[n]) throwProtocol(what, "duplicate key '" + std::string(names[n]) + "'");
            fields[n] = &entry.val;
        }
    }
    return fields;
}

}  // namespace ng::wire::detail
