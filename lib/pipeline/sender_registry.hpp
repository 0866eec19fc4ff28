// SenderRegistry: ngrecv's senders, told apart by name, each with its own accounting.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/stream_stats.hpp"
#include "pipeline/frame_accounting.hpp"
#include "transport/channel.hpp"

namespace ng::pipeline {

// One sender as ngrecv knows it.
struct Sender {
    Sender(std::uint32_t senderIndex, std::string senderName, StreamStats& total)
        : index(senderIndex), name(std::move(senderName)), accounting(total, &stats) {}

    const std::uint32_t index;  // Frame::sender, from 0 in order of appearance
    const std::string name;     // unique among the senders: its --name, name#2 for a twin
    std::string wireName;       // the ng_name it sends ("" for vidgear)
    std::string instance;       // its ng_instance, the latest one when it restarted
    std::string peer;           // its address, when the transport knows it
    StreamStats stats;
    FrameAccounting accounting;
    FrameShape shape;           // of its latest frame
    double nominalFps = 0;
    bool terminated = false;
    SteadyClock::time_point lastMessage = SteadyClock::now();
};

// Finds the sender of each received message, adding senders as they appear. ngsend names
// itself (ng_name) and each of its processes (ng_instance); a vidgear sender is known by its
// peer address. A new process with a name already in use is that sender restarted when
// ngrecv has no more connections than it has senders streaming (the old connection is
// gone), and a second sender of that name otherwise: it is then called name#2 (#3, ...),
// and the log says so. Used on the receive thread only.
class SenderRegistry {
public:
    explicit SenderRegistry(StreamStats& total) : total_(total) {}

    // The sender of `message` (a Frame, TooLarge or Terminate event). `connectedPeers` is
    // the number of connections the receiving socket has now.
    Sender& identify(const transport::Received& message, int connectedPeers);

    // A sender other than `except` that has not ended its stream and sent a message lately,
    // in its own rhythm: the stream goes on for it.
    bool othersStreaming(const Sender& except) const;
    // Any sender that has not ended its stream and sent a message lately.
    bool anyStreaming() const;
    std::size_t terminatedCount() const;

    const std::vector<std::unique_ptr<Sender>>& senders() const { return senders_; }

private:
    Sender& add(const transport::Received& message, std::string name);
    int streamingCount() const;

    StreamStats& total_;
    std::vector<std::unique_ptr<Sender>> senders_;
};

}  // namespace ng::pipeline
