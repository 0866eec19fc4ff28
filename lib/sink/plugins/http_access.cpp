// tokenAccepted() and ClientLimit: the HTTP output's access rules, free of any HTTP library.
#include "http_access.hpp"

namespace ng::sink::http {

namespace {

constexpr const char* kBearer = "Bearer ";

bool sameText(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        differ |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return differ == 0;
}

}  // namespace

bool tokenAccepted(const std::string& expected, const std::string& queryToken,
                   const std::string& authorization) {
    if (expected.empty()) return true;
    if (sameText(queryToken, expected)) return true;
    const std::string bearer = kBearer;
    return authorization.compare(0, bearer.size(), bearer) == 0 &&
           sameText(authorization.substr(bearer.size()), expected);
}

ClientLimit::Ticket ClientLimit::tryEnter() {
    int now = active_.load();
    do {
        if (now >= max_) return nullptr;
    } while (!active_.compare_exchange_weak(now, now + 1));
    // The count outlives this object if a stream does: the ticket keeps it.
    std::shared_ptr<std::atomic<int>> count = count_;
    return Ticket(count.get(), [count](void*) { --*count; });
}

}  // namespace ng::sink::http
