// AddressBlock: CIDR parsing and matching over inet_pton's bytes.
#include "transport/address_block.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace ng::transport {

namespace {

struct Address {
    bool ipv6 = false;
    std::array<std::uint8_t, 16> bytes{};
};

std::optional<Address> parseAddress(const std::string& text) {
    Address address;
    if (inet_pton(AF_INET, text.c_str(), address.bytes.data()) == 1) return address;
    if (inet_pton(AF_INET6, text.c_str(), address.bytes.data()) != 1) return std::nullopt;
    // An IPv4-mapped address is the IPv4 peer a dual-stack socket accepted.
    static const std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(address.bytes.data(), kMapped, sizeof kMapped) == 0) {
        std::memmove(address.bytes.data(), address.bytes.data() + 12, 4);
        std::fill(address.bytes.begin() + 4, address.bytes.end(), 0);
        return address;
    }
    address.ipv6 = true;
    return address;
}

// Whether the first `prefix` bits of a and b agree.
bool samePrefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                int prefix) {
    const int whole = prefix / 8;
    if (std::memcmp(a.data(), b.data(), static_cast<std::size_t>(whole)) != 0) return false;
    const int rest = prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::optional<AddressBlock> AddressBlock::parse(const std::string& text) {
    const auto slash = text.find('/');
    const std::optional<Address> address = parseAddress(text.substr(0, slash));
    if (!address) return std::nullopt;
    const int maxPrefix = address->ipv6 ? 128 : 32;
    int prefix = maxPrefix;
    if (slash != std::string::npos) {
        const std::string digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
        prefix = std::stoi(digits);
        if (prefix > maxPrefix) return std::nullopt;
    }
    // Bits past the prefix must be zero, or the block is not what the user meant.
    std::array<std::uint8_t, 16> zeros{};
    std::array<std::uint8_t, 16> host = address->bytes;
    for (int bit = 0; bit < prefix; ++bit) host[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
    if (host != zeros) return std::nullopt;

    AddressBlock block;
    block.ipv6_ = address->ipv6;
    block.bytes_ = address->bytes;
    block.prefix_ = prefix;
    block.text_ = text;
    return block;
}

bool AddressBlock::contains(const std::string& text) const {
    const std::optional<Address> address = parseAddress(text);
    if (!address || address->ipv6 != ipv6_) return false;
    return samePrefix(address->bytes, bytes_, prefix_);
}

}  // namespace ng::transport
