// CURVE key files in ZeroMQ's ZPL certificate format, as pyzmq's zmq.auth writes and reads them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ng::transport {

// A CURVE key as ZeroMQ's Z85 text: 40 characters for 32 bytes.
inline constexpr std::size_t kZ85KeyLength = 40;

// What one certificate holds. The public key is always there; the secret key only in a
// NAME.key_secret file.
struct Certificate {
    std::string publicKey;                // Z85
    std::optional<std::string> secretKey;  // Z85
};

// Reads a certificate from its text. `path` only names the file in errors. Follows pyzmq's
// load_certificate (comment lines start with #, keys are `public-key = "..."` lines, quotes
// optional) and checks more: each key is 40 valid Z85 characters, and a secret key belongs
// to the public key beside it. Throws UsageError naming the file and what is wrong.
Certificate parseCertificate(const std::string& text, const std::string& path);

// The text of a certificate file as pyzmq's create_certificates writes it: the secret file
// when `secretKey` is given, else the public one.
std::string formatCertificate(const std::string& publicKey,
                              const std::optional<std::string>& secretKey);

// Reads NAME.key (or any certificate) for its public key. Throws UsageError naming the file
// when it is missing, unreadable or malformed.
std::string loadPublicKey(const std::string& path);

// Reads NAME.key_secret. Throws UsageError as loadPublicKey(), and when the file holds no
// secret key (a public certificate given by mistake). Warns, as ssh does, when others may
// read the file.
Certificate loadSecretKey(const std::string& path);

// The public keys --allow-keys names: every *.key in a folder (as pyzmq's
// configure_curve(location=...) reads), or the one certificate a file path names. Throws
// UsageError when the path is missing, a file in it is malformed, or a folder holds no key.
std::vector<std::string> loadAllowedKeys(const std::string& folderOrFile);

// --keygen NAME: writes NAME.key and NAME.key_secret (mode 0600) into `folder` and returns
// their paths, public first. Refuses to overwrite existing files, so a key in use is never
// lost. Throws UsageError naming the file and the fix.
std::pair<std::string, std::string> writeKeyPair(const std::string& folder,
                                                 const std::string& name);

// The public certificate that goes with a secret one ("x.key_secret" -> "x.key"), for
// messages that tell the user which file the peer needs.
std::string publicFileFor(const std::string& secretPath);

// Whether this libzmq can do CURVE (it needs libsodium or its own tweetnacl).
bool curveAvailable();

}  // namespace ng::transport
