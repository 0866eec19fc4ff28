// The CURVE key-file parser, the --allow-ip address blocks and the access check's decisions.
#include <doctest/doctest.h>
#include <zmq.h>

#include <chrono>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "core/errors.hpp"
#include "transport/address_block.hpp"
#include "transport/key_file.hpp"
#include "transport/zap_handler.hpp"

using ng::transport::AddressBlock;
using ng::transport::parseCertificate;

namespace {

struct KeyPair {
    std::string publicKey;
    std::string secretKey;
};

KeyPair makeKeyPair() {
    char publicKey[41];
    char secretKey[41];
    REQUIRE(zmq_curve_keypair(publicKey, secretKey) == 0);
    return {publicKey, secretKey};
}

// The raw 32 bytes a ZAP request carries for a Z85 key.
std::string rawKey(const std::string& z85) {
    std::uint8_t bytes[32];
    REQUIRE(zmq_z85_decode(bytes, z85.c_str()) != nullptr);
    return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

}  // namespace

TEST_SUITE("transport") {
    TEST_CASE("a certificate round-trips through the ZPL text pyzmq writes") {
        const KeyPair keys = makeKeyPair();
        const auto secret = parseCertificate(
            ng::transport::formatCertificate(keys.publicKey, keys.secretKey), "x.key_secret");
        CHECK(secret.publicKey == keys.publicKey);
        REQUIRE(secret.secretKey);
        CHECK(*secret.secretKey == keys.secretKey);
        const auto pub = parseCertificate(
            ng::transport::formatCertificate(keys.publicKey, std::nullopt), "x.key");
        CHECK(pub.publicKey == keys.publicKey);
        CHECK_FALSE(pub.secretKey);
    }

    TEST_CASE("the certificate parser reads pyzmq's layout and refuses what is not a key") {
        const KeyPair keys = makeKeyPair();
        // As pyzmq writes it, with metadata and comments; quotes are optional.
        const std::string pyzmq = "#   ****  Generated on 2024-01-01 by pyzmq  ****\n"
                                  "#   ZeroMQ CURVE **Secret** Certificate\n\nmetadata\n"
                                  "    name = cam\ncurve\n    public-key = \"" +
                                  keys.publicKey + "\"\r\n    secret-key = " + keys.secretKey +
                                  "\n";
        CHECK(parseCertificate(pyzmq, "a").secretKey == keys.secretKey);

        CHECK_THROWS_AS(parseCertificate("metadata\ncurve\n", "empty"), ng::UsageError);
        CHECK_THROWS_WITH_AS(parseCertificate("curve\n    public-key = \"short\"\n", "bad.key"),
                             doctest::Contains("bad.key"), ng::UsageError);
        // 40 characters, but not Z85.
        CHECK_THROWS_AS(parseCertificate("public-key = \"" + std::string(40, '"') + "\"\n", "q"),
                        ng::UsageError);
        // A secret key from another pair than the public key beside it.
        const KeyPair other = makeKeyPair();
        CHECK_THROWS_WITH_AS(parseCertificate("public-key = \"" + keys.publicKey +
                                                  "\"\nsecret-key = \"" + other.secretKey + "\"\n",
                                              "mixed"),
                             doctest::Contains("does not belong"), ng::UsageError);
    }

    TEST_CASE("address blocks match IPv4, IPv4-mapped and IPv6 peers") {
        const auto ten = AddressBlock::parse("10.0.0.0/8");
        REQUIRE(ten);
        CHECK(ten->contains("10.200.3.4"));
        CHECK_FALSE(ten->contains("127.0.0.1"));
        CHECK(ten->contains("::ffff:10.1.1.1"));
        CHECK_FALSE(ten->contains("fd00::1"));
        CHECK_FALSE(ten->contains("not an address"));

        const auto one = AddressBlock::parse("127.0.0.1");
        REQUIRE(one);
        CHECK(one->contains("127.0.0.1"));
        CHECK_FALSE(one->contains("127.0.0.2"));

        const auto odd = AddressBlock::parse("192.168.1.128/25");
        REQUIRE(odd);
        CHECK(odd->contains("192.168.1.200"));
        CHECK_FALSE(odd->contains("192.168.1.100"));

        const auto v6 = AddressBlock::parse("fd00::/8");
        REQUIRE(v6);
        CHECK(v6->contains("fd12::7"));
        CHECK_FALSE(v6->contains("fe80::1"));

        CHECK(AddressBlock::parse("0.0.0.0/0")->contains("8.8.8.8"));
        CHECK_FALSE(AddressBlock::parse("10.1.0.0/8"));  // bits past the prefix
        CHECK_FALSE(AddressBlock::parse("10.0.0.0/33"));
        CHECK_FALSE(AddressBlock::parse("10.0.0.0/"));
        CHECK_FALSE(AddressBlock::parse("10.0.0/8"));
        CHECK_FALSE(AddressBlock::parse("host.example/8"));
    }

    TEST_CASE("the access check admits listed keys and addresses only") {
        using ng::transport::detail::refusalReason;
        const KeyPair allowed = makeKeyPair();
        const KeyPair stranger = makeKeyPair();
        ng::transport::detail::AccessPolicy policy;
        policy.curve = true;
        policy.keys.insert(allowed.publicKey);
        CHECK_FALSE(refusalReason(policy, "CURVE", "127.0.0.1", rawKey(allowed.publicKey)));
        CHECK(refusalReason(policy, "CURVE", "127.0.0.1", rawKey(stranger.publicKey)));
        CHECK(refusalReason(policy, "NULL", "127.0.0.1", ""));

        policy.anyKey = true;
        CHECK_FALSE(refusalReason(policy, "CURVE", "127.0.0.1", rawKey(stranger.publicKey)));

        policy.addresses.push_back(*AddressBlock::parse("10.0.0.0/8"));
        CHECK(refusalReason(policy, "CURVE", "127.0.0.1", rawKey(allowed.publicKey)));
        CHECK_FALSE(refusalReason(policy, "CURVE", "10.0.0.5", rawKey(allowed.publicKey)));

        ng::transport::detail::AccessPolicy plaintext;
        plaintext.addresses.push_back(*AddressBlock::parse("127.0.0.1/32"));
        CHECK_FALSE(refusalReason(plaintext, "NULL", "127.0.0.1", ""));
        CHECK(refusalReason(plaintext, "NULL", "192.168.0.9", ""));
    }

    TEST_CASE("the access check's thread refuses a peer and stops cleanly") {
        zmq::context_t context;
        ng::transport::detail::AccessPolicy policy;
        policy.addresses.push_back(*AddressBlock::parse("10.0.0.0/8"));
        ng::transport::detail::ZapHandler handler(context, policy);
        zmq::socket_t pull(context, zmq::socket_type::pull);
        pull.set(zmq::sockopt::zap_domain, ng::transport::detail::kZapDomain);
        pull.set(zmq::sockopt::linger, 0);
        pull.bind("tcp://127.0.0.1:*");
        zmq::socket_t push(context, zmq::socket_type::push);
        push.set(zmq::sockopt::linger, 0);
        push.connect(pull.get(zmq::sockopt::last_endpoint));
        const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (handler.refused() == 0 && std::chrono::steady_clock::now() < giveUp) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        CHECK(handler.refused() >= 1);
    }
}
