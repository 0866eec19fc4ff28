// Who may watch: the --http-token check and the --http-max-clients count.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace ng::sink::http {

// True when `expected` is "" (no token asked), or the request carries it as ?token=
// (`queryToken`) or as "Authorization: Bearer TOKEN" (`authorization`, the header's value).
// Compares in time independent of where the strings differ.
bool tokenAccepted(const std::string& expected, const std::string& queryToken,
                   const std::string& authorization);

// Counts the video streams being served. A stream holds a Ticket for as long as it runs.
class ClientLimit {
public:
    using Ticket = std::shared_ptr<void>;

    explicit ClientLimit(int max) : max_(max) {}

    // A ticket, or nullptr when `max` streams are already served.
    Ticket tryEnter();
    int active() const { return active_; }

private:
    const int max_;
    std::shared_ptr<std::atomic<int>> count_ = std::make_shared<std::atomic<int>>(0);
    std::atomic<int>& active_ = *count_;
};

}  // namespace ng::sink::http
