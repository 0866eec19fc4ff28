// LiveStats: the newest --summary JSON while the stream runs, for outputs that show it live.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace ng {

// One writer (the receiving thread) publishes the whole object now and then; any thread
// reads the latest one. Readers share the published string, so a read copies nothing.
class LiveStats {
public:
    void publish(std::string json) {
        auto next = std::make_shared<const std::string>(std::move(json));
        std::lock_guard<std::mutex> lock(mutex_);
        json_ = std::move(next);
    }

    // The latest object, or "{}" before the first.
    std::shared_ptr<const std::string> latest() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return json_;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const std::string> json_ = std::make_shared<const std::string>("{}");
};

}  // namespace ng
