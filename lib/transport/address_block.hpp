// --allow-ip's address blocks (CIDR): which peer addresses a receiver lets in.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace ng::transport {

// One IPv4 or IPv6 block, "10.0.0.0/8", "fd00::/8", or a single address ("192.168.1.7").
// An IPv4 block also matches the IPv4-mapped IPv6 form of its addresses (::ffff:a.b.c.d),
// which is how a dual-stack listener sees IPv4 peers.
class AddressBlock {
public:
    // nullopt when `text` is not an address with an optional /PREFIX in range, or when bits
    // are set past the prefix ("10.1.0.0/8": a typo for /16?).
    static std::optional<AddressBlock> parse(const std::string& text);

    // Whether `address` (as ZeroMQ's ZAP request gives it, no port) is in the block. An
    // address that does not parse is in no block.
    bool contains(const std::string& address) const;

    const std::string& text() const { return text_; }

private:
    bool ipv6_ = false;
    std::array<std::uint8_t, 16> bytes_{};
    int prefix_ = 0;
    std::string text_;
};

}  // namespace ng::transport
