// ReplySource: what ngrecv answers to each frame in bidirectional mode.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "source/source.hpp"
#include "transport/channel.hpp"

namespace ng::pipeline {

// Either one fixed text (--reply), lines read from stdin (--reply-stdin: each line is the
// next reply; with none waiting the answer is None, as NetGear_Async sends with an empty
// queue), or nothing; any of them with a frame from a source (--reply-source) sent after
// the text. next() is called on the receive thread and never blocks.
class ReplySource {
public:
    static std::unique_ptr<ReplySource> fixed(std::string text);
    static std::unique_ptr<ReplySource> fromStdin();
    static std::unique_ptr<ReplySource> none();
    // `text` with the newest frame of the source `options` names, captured on a thread of
    // its own so that answering never waits on capture. Opens the source and waits up to
    // `firstFrameWait` (0 = as long as it takes) for its first frame, so that every answer
    // carries one; throws std::runtime_error naming the source when it cannot give one.
    // `stop` (a signal) cuts that wait short.
    static std::unique_ptr<ReplySource> withFrames(std::unique_ptr<ReplySource> text,
                                                   const source::SourceOptions& options,
                                                   std::chrono::milliseconds firstFrameWait,
                                                   const std::atomic<bool>& stop);
    virtual ~ReplySource() = default;

    virtual transport::ReplyContent next() = 0;
    // The answers that carried a frame so far.
    virtual std::uint64_t framesSent() const { return 0; }
};

}  // namespace ng::pipeline
