// ReplySource: what ngrecv answers to each frame in bidirectional mode.
#pragma once

#include <memory>
#include <string>

#include "core/bounded_queue.hpp"
#include "wire/messages.hpp"

namespace ng::pipeline {

// Either one fixed text (--reply), lines read from stdin (--reply-stdin: each line is the
// next reply; with none waiting the answer is None, as NetGear_Async sends with an empty
// queue), or nothing. next() is called on the receive thread and never blocks.
class ReplySource {
public:
    static std::unique_ptr<ReplySource> fixed(std::string text);
    static std::unique_ptr<ReplySource> fromStdin();
    static std::unique_ptr<ReplySource> none();
    virtual ~ReplySource() = default;

    virtual wire::DataValue next() = 0;
};

}  // namespace ng::pipeline
