// Telling ngrecv's senders apart: by ng_name and ng_instance, or by peer address.
#include "pipeline/sender_registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace ng::pipeline {

namespace {

// A sender that sent nothing for this long, or for three of its frame intervals when that
// is longer, no longer holds the stream open when another ends its own.
constexpr std::chrono::milliseconds kQuietAfter{1500};
constexpr double kQuietFrameIntervals = 3;

// How a sender without ng_name is called: its address, or "sender" when unknown (ipc).
std::string unnamed(const transport::Received& message) {
    return message.peer.empty() ? std::string("sender") : message.peer;
}

bool quiet(const Sender& sender, SteadyClock::time_point now) {
    auto limit = std::chrono::duration_cast<SteadyClock::duration>(kQuietAfter);
    if (sender.nominalFps > 0) {
        limit = std::max(limit, std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(kQuietFrameIntervals /
                                                                  sender.nominalFps)));
    }
    return now - sender.lastMessage > limit;
}

}  // namespace

Sender& SenderRegistry::identify(const transport::Received& message, int connectedPeers) {
    const bool named = !message.senderName.empty();
    const std::string wireName = named ? message.senderName : unnamed(message);
    Sender* restarted = nullptr;
    int sameName = 0;
    for (const auto& sender : senders_) {
        if (sender->wireName != wireName) continue;
        ++sameName;
        // vidgear's senders cannot be told apart beyond their address.
        if (!named || sender->instance == message.senderInstance) return *sender;
        if (!sender->terminated) restarted = sender.get();
    }
    // The old process's connection is gone when the new one's is the only one it adds.
    if (restarted && connectedPeers <= streamingCount()) {
        spdlog::info("sender '{}' came back as a new process; its stream goes on",
                     restarted->name);
        restarted->instance = message.senderInstance;
        return *restarted;
    }
    if (sameName == 0) {
        Sender& sender = add(message, wireName);
        spdlog::info("sender '{}'{} appeared", sender.name,
                     sender.peer.empty() ? "" : " at " + sender.peer);
        return sender;
    }
    std::string name;
    for (int n = sameName + 1;; ++n) {
        name = wireName + "#" + std::to_string(n);
        const bool taken = std::any_of(senders_.begin(), senders_.end(),
                                       [&](const auto& s) { return s->name == name; });
        if (!taken) break;
    }
    Sender& sender = add(message, name);
    spdlog::warn(
        "another sender named '{}'{} appeared while the first is known; it is called '{}' "
        "here (in the summary and {{name}} outputs): give each sender its own --name",
        wireName, sender.peer.empty() ? "" : " (at " + sender.peer + ")", name);
    return sender;
}

Sender& SenderRegistry::add(const transport::Received& message, std::string name) {
    const auto index = static_cast<std::uint32_t>(senders_.size());
    senders_.push_back(std::make_unique<Sender>(index, std::move(name), total_));
    Sender& sender = *senders_.back();
    sender.wireName = message.senderName.empty() ? unnamed(message) : message.senderName;
    sender.instance = message.senderInstance;
    sender.peer = message.peer;
    return sender;
}

int SenderRegistry::streamingCount() const {
    return static_cast<int>(std::count_if(senders_.begin(), senders_.end(),
                                          [](const auto& s) { return !s->terminated; }));
}

bool SenderRegistry::othersStreaming(const Sender& except) const {
    const auto now = SteadyClock::now();
    return std::any_of(senders_.begin(), senders_.end(), [&](const auto& s) {
        return s.get() != &except && !s->terminated && !quiet(*s, now);
    });
}

bool SenderRegistry::anyStreaming() const {
    const auto now = SteadyClock::now();
    return std::any_of(senders_.begin(), senders_.end(),
                       [&](const auto& s) { return !s->terminated && !quiet(*s, now); });
}

std::size_t SenderRegistry::terminatedCount() const {
    return static_cast<std::size_t>(std::count_if(
        senders_.begin(), senders_.end(), [](const auto& s) { return s->terminated; }));
}

}  // namespace ng::pipeline
