// Non-owning views over byte ranges (C++17 has no std::span).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ng {

// A borrowed, read-only range of bytes. The owner must outlive the view.
struct ByteView {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;

    ByteView() = default;
    ByteView(const std::uint8_t* d, std::size_t n) : data(d), size(n) {}
    ByteView(const void* d, std::size_t n) : data(static_cast<const std::uint8_t*>(d)), size(n) {}
    explicit ByteView(std::string_view s)
        : data(reinterpret_cast<const std::uint8_t*>(s.data())), size(s.size()) {}

    bool empty() const { return size == 0; }
    const std::uint8_t* begin() const { return data; }
    const std::uint8_t* end() const { return data + size; }
    std::string_view asString() const {
        return {reinterpret_cast<const char*>(data), size};
    }
};

}  // namespace ng
