// Reading and writing ZPL certificates: the key files pyzmq's zmq.auth uses.
#include "transport/key_file.hpp"

#include <fcntl.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"

namespace ng::transport {

namespace fs = std::filesystem;

namespace {

constexpr const char* kKeyFix = "make a key pair with --keygen NAME, or with pyzmq's "
                                "zmq.auth.create_certificates";
// A certificate is a few hundred bytes; anything far larger is not one.
constexpr std::uintmax_t kMaxCertificateBytes = 64 * 1024;

std::string trimmed(const std::string& text, const char* strip) {
    const auto first = text.find_first_not_of(strip);
    if (first == std::string::npos) return "";
    const auto last = text.find_last_not_of(strip);
    return text.substr(first, last - first + 1);
}

// The value of a `name = "value"` line, stripped as pyzmq strips it.
std::string keyValue(const std::string& line) {
    const auto equals = line.find('=');
    if (equals == std::string::npos) return "";
    return trimmed(line.substr(equals + 1), " \t'\"\r");
}

void checkZ85Key(const std::string& key, const char* which, const std::string& path) {
    std::uint8_t bytes[32];
    if (key.size() != kZ85KeyLength || zmq_z85_decode(bytes, key.c_str()) == nullptr) {
        throw UsageError(fmt::format(
            "key file '{}': its {} is not a CURVE key (40 Z85 characters); the file is damaged "
            "or not a ZeroMQ certificate: {}",
            path, which, kKeyFix));
    }
}

std::string readFile(const std::string& path, const char* flag) {
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (!fs::exists(status)) {
        throw UsageError(fmt::format("{}: key file '{}' does not exist ({})", flag, path, kKeyFix));
    }
    if (!fs::is_regular_file(status)) {
        throw UsageError(fmt::format("{}: '{}' is not a key file", flag, path));
    }
    if (fs::file_size(path, error) > kMaxCertificateBytes) {
        throw UsageError(fmt::format("{}: '{}' is too large to be a key file", flag, path));
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) {
        throw UsageError(fmt::format("{}: cannot read key file '{}': {}", flag, path,
                                     std::strerror(errno)));
    }
    return text.str();
}

// The date line pyzmq writes at the top of a certificate.
std::string timestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    return text;
}

// Creates `path` with `mode` and writes `text`; never replaces an existing file.
void writeNewFile(const std::string& path, const std::string& text, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        const int error = errno;
        throw UsageError(error == EEXIST
                             ? fmt::format("--keygen: '{}' exists already; remove it or choose "
                                           "another NAME",
                                           path)
                             : fmt::format("--keygen: cannot create '{}': {} (check --keys-dir)",
                                           path, std::strerror(error)));
    }
    // The umask may have narrowed the mode; a public file should stay readable to others.
    ::fchmod(fd, mode);
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int error = errno;
            ::close(fd);
            throw UsageError(
                fmt::format("--keygen: cannot write '{}': {}", path, std::strerror(error)));
        }
        written += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

}  // namespace

Certificate parseCertificate(const std::string& text, const std::string& path) {
    Certificate certificate;
    std::optional<std::string> publicKey;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        line = trimmed(line, " \t\r");
        if (line.empty() || line.front() == '#') continue;
        if (line.rfind("public-key", 0) == 0) publicKey = keyValue(line);
        if (line.rfind("secret-key", 0) == 0) certificate.secretKey = keyValue(line);
    }
    if (!publicKey) {
        throw UsageError(fmt::format(
            "key file '{}' has no public-key line: it is not a ZeroMQ certificate ({})", path,
            kKeyFix));
    }
    checkZ85Key(*publicKey, "public-key", path);
    certificate.publicKey = *publicKey;
    if (certificate.secretKey) {
        checkZ85Key(*certificate.secretKey, "secret-key", path);
        char derived[kZ85KeyLength + 1];
        if (zmq_curve_public(derived, certificate.secretKey->c_str()) == 0 &&
            certificate.publicKey != derived) {
            throw UsageError(fmt::format(
                "key file '{}': its secret-key does not belong to its public-key; the file was "
                "edited or mixed from two certificates ({})",
                path, kKeyFix));
        }
    }
    return certificate;
}

std::string formatCertificate(const std::string& publicKey,
                              const std::optional<std::string>& secretKey) {
    std::string text;
    if (secretKey) {
        text = fmt::format(
            "#   ****  Generated on {} by ngstream  ****\n"
            "#   ZeroMQ CURVE **Secret** Certificate\n"
            "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n\n",
            timestamp());
    } else {
        text = fmt::format(
            "#   ****  Generated on {} by ngstream  ****\n"
            "#   ZeroMQ CURVE Public Certificate\n"
            "#   Exchange securely, or use a secure mechanism to verify the contents\n"
            "#   of this file after exchange. Store public certificates in your home\n"
            "#   directory, in the .curve subdirectory.\n\n",
            timestamp());
    }
    text += "metadata\ncurve\n";
    text += fmt::format("    public-key = \"{}\"\n", publicKey);
    if (secretKey) text += fmt::format("    secret-key = \"{}\"\n", *secretKey);
    return text;
}

std::string loadPublicKey(const std::string& path) {
    return parseCertificate(readFile(path, "--server-key"), path).publicKey;
}

Certificate loadSecretKey(const std::string& path) {
    Certificate certificate = parseCertificate(readFile(path, "--secret-key"), path);
    if (!certificate.secretKey) {
        throw UsageError(fmt::format(
            "--secret-key: '{}' holds only a public key; give the NAME.key_secret file", path));
    }
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        spdlog::warn("secret key file '{}' may be read by others (mode {:03o}): chmod 600 it",
                     path, info.st_mode & 0777);
    }
    return certificate;
}

std::vector<std::string> loadAllowedKeys(const std::string& folderOrFile) {
    std::error_code error;
    const fs::file_status status = fs::status(folderOrFile, error);
    if (!fs::exists(status)) {
        throw UsageError(fmt::format(
            "--allow-keys: '{}' does not exist (give a folder of senders' .key files, one .key "
            "file, or '*' for any sender)",
            folderOrFile));
    }
    if (!fs::is_directory(status)) {
        return {parseCertificate(readFile(folderOrFile, "--allow-keys"), folderOrFile).publicKey};
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folderOrFile, error)) {
        if (entry.path().extension() == ".key") files.push_back(entry.path().string());
    }
    if (error) {
        throw UsageError(fmt::format("--allow-keys: cannot list '{}': {}", folderOrFile,
                                     error.message()));
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> keys;
    for (const std::string& file : files) {
        keys.push_back(parseCertificate(readFile(file, "--allow-keys"), file).publicKey);
    }
    if (keys.empty()) {
        throw UsageError(fmt::format(
            "--allow-keys: the folder '{}' holds no *.key file; copy the senders' public keys "
            "there",
            folderOrFile));
    }
    return keys;
}

std::pair<std::string, std::string> writeKeyPair(const std::string& folder,
                                                 const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos) {
        throw UsageError(fmt::format(
            "--keygen: '{}' is not a key name; give a plain NAME (the folder is --keys-dir)",
            name));
    }
    if (!curveAvailable()) {
        throw UsageError("--keygen: this libzmq was built without CURVE support (libsodium)");
    }
    std::error_code error;
    if (!fs::is_directory(folder, error)) {
        throw UsageError(fmt::format("--keys-dir: '{}' is not a folder; create it first", folder));
    }
    char publicKey[kZ85KeyLength + 1];
    char secretKey[kZ85KeyLength + 1];
    if (zmq_curve_keypair(publicKey, secretKey) != 0) {
        throw std::runtime_error(
            fmt::format("cannot make a CURVE key pair: {}", zmq_strerror(zmq_errno())));
    }
    const std::string base = (fs::path(folder) / name).string();
    const std::string publicPath = base + ".key";
    const std::string secretPath = base + ".key_secret";
    // Both names are checked first, so that a refusal leaves neither file half made.
    for (const std::string& path : {publicPath, secretPath}) {
        if (fs::exists(path, error)) {
            throw UsageError(fmt::format(
                "--keygen: '{}' exists already; remove it or choose another NAME", path));
        }
    }
    writeNewFile(secretPath, formatCertificate(publicKey, std::string(secretKey)), 0600);
    writeNewFile(publicPath, formatCertificate(publicKey, std::nullopt), 0644);
    return {publicPath, secretPath};
}

std::string publicFileFor(const std::string& secretPath) {
    const std::string suffix = "_secret";
    if (secretPath.size() > suffix.size() &&
        secretPath.compare(secretPath.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return secretPath.substr(0, secretPath.size() - suffix.size());
    }
    return secretPath;
}

bool curveAvailable() { return zmq_has("curve") != 0; }

}  // namespace ng::transport
