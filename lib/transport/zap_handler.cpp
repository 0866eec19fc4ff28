// ZapHandler: ZeroMQ's authentication protocol (ZAP, RFC 27) on an inproc REP socket.
#include "transport/zap_handler.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "core/clock.hpp"

namespace ng::transport::detail {

namespace {

constexpr const char* kZapAddress = "inproc://zeromq.zap.01";
// How often the handler thread looks at its stop flag while no request comes.
constexpr int kStopCheckMillis = 100;
// Refusals logged a second; a sender that keeps retrying is then only counted.
constexpr int kRefusalLogsPerSecond = 3;

// The request's frames (RFC 27): version, request id, domain, address, identity,
// mechanism, then the mechanism's credentials.
enum RequestFrame { kVersion, kRequestId, kDomain, kAddress, kIdentity, kMechanism, kCredential };

std::string text(const zmq::message_t& part) { return part.to_string(); }

std::string z85(const std::string& raw) {
    char encoded[41];
    if (raw.size() != 32 ||
        zmq_z85_encode(encoded, reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()) ==
            nullptr) {
        return "";
    }
    return encoded;
}

}  // namespace

std::optional<std::string> refusalReason(const AccessPolicy& policy, const std::string& mechanism,
                                         const std::string& address,
                                         const std::string& credential) {
    if (!policy.addresses.empty()) {
        bool listed = false;
        for (const AddressBlock& block : policy.addresses) listed = listed || block.contains(address);
        if (!listed) return std::string("its address is not in --allow-ip");
    }
    if (!policy.curve) return std::nullopt;
    // A CURVE server only ever asks for CURVE peers; anything else is not ours to admit.
    if (mechanism != "CURVE") return fmt::format("it uses the {} mechanism, not CURVE", mechanism);
    if (policy.anyKey) return std::nullopt;
    const std::string key = z85(credential);
    if (key.empty() || policy.keys.count(key) == 0) {
        return fmt::format("its public key {} is not in --allow-keys", key.empty() ? "?" : key);
    }
    return std::nullopt;
}

ZapHandler::ZapHandler(zmq::context_t& context, AccessPolicy policy)
    : policy_(std::move(policy)), socket_(context, zmq::socket_type::rep) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvtimeo, kStopCheckMillis);
    try {
        socket_.bind(kZapAddress);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error(
            fmt::format("cannot start the access check ({} is taken: {})", kZapAddress, e.what()));
    }
    // The socket was made and bound here; from now on only the handler thread touches it
    // (starting the thread orders those calls before its own).
    thread_ = std::thread([this] { run(socket_); });
}

ZapHandler::~ZapHandler() {
    stopping_ = true;
    thread_.join();
    if (unlogged_ > 0) spdlog::warn("{} more connections refused", unlogged_);
}

void ZapHandler::run(zmq::socket_t& socket) {
    while (!stopping_.load()) {
        std::vector<zmq::message_t> request;
        zmq::message_t part;
        try {
            if (!socket.recv(part, zmq::recv_flags::none)) continue;  // no request yet
            request.push_back(std::move(part));
            while (request.back().more()) {
                zmq::message_t next;
                static_cast<void>(socket.recv(next, zmq::recv_flags::none));
                request.push_back(std::move(next));
            }
            answer(socket, request);
        } catch (const zmq::error_t& e) {
            if (e.num() == ETERM) break;
            if (e.num() != EINTR) spdlog::warn("access check: {}", e.what());
        }
    }
    socket.close();
}

void ZapHandler::answer(zmq::socket_t& socket, std::vector<zmq::message_t>& request) {
    std::string status = "200";
    std::string statusText = "OK";
    if (request.size() < kCredential || text(request[kVersion]) != "1.0") {
        status = "400";
        statusText = "malformed ZAP request";
    } else {
        const std::string address = text(request[kAddress]);
        const std::string credential =
            request.size() > kCredential ? text(request[kCredential]) : std::string();
        if (const auto why = refusalReason(policy_, text(request[kMechanism]), address, credential)) {
            status = "400";
            statusText = *why;
            refused_.fetch_add(1, std::memory_order_relaxed);
            logRefusal(address, *why);
        }
    }
    const std::string requestId = request.size() > kRequestId ? text(request[kRequestId]) : "";
    const std::string reply[] = {"1.0", requestId, status, statusText, "", ""};
    for (std::size_t i = 0; i < std::size(reply); ++i) {
        zmq::message_t part(reply[i].data(), reply[i].size());
        socket.send(part, i + 1 < std::size(reply) ? zmq::send_flags::sndmore
                                                   : zmq::send_flags::none);
    }
}

void ZapHandler::logRefusal(const std::string& address, const std::string& why) {
    const auto second = std::chrono::duration_cast<std::chrono::seconds>(
                            SteadyClock::now().time_since_epoch())
                            .count();
    if (second != logSecond_) {
        logSecond_ = second;
        logsThisSecond_ = 0;
    }
    if (logsThisSecond_++ >= kRefusalLogsPerSecond) {
        ++unlogged_;
        return;
    }
    const std::string more =
        unlogged_ > 0 ? fmt::format(" ({} more refused since the last message)", unlogged_) : "";
    unlogged_ = 0;
    spdlog::warn("refused a connection from {}: {}{}", address.empty() ? "a local peer" : address,
                 why, more);
}

}  // namespace ng::transport::detail
