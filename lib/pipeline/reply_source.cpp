// The three reply sources of ngrecv's bidirectional mode.
#include "pipeline/reply_source.hpp"

#include <chrono>
#include <iostream>
#include <thread>

namespace ng::pipeline {

namespace {

class FixedReply : public ReplySource {
public:
    explicit FixedReply(std::string text) : text_(std::move(text)) {}
    wire::DataValue next() override { return wire::DataValue::fromText(text_); }

private:
    std::string text_;
};

class NoReply : public ReplySource {
public:
    wire::DataValue next() override { return wire::DataValue::none(); }
};

// A reader thread turns stdin lines into queued replies. It is detached because a
// blocking read of stdin cannot be interrupted portably; it ends with the process.
class StdinReplies : public ReplySource {
public:
    StdinReplies() : lines_(std::make_shared<BoundedQueue<std::string>>(kMaxPending,
                                                                          OverflowPolicy::Block)) {
        std::thread([lines = lines_] {
            std::string line;
            while (std::getline(std::cin, line)) {
                if (!lines->push(line)) return;
            }
        }).detach();
    }
    ~StdinReplies() override { lines_->close(); }

    wire::DataValue next() override {
        std::optional<std::string> line = lines_->pop(std::chrono::milliseconds(0));
        return line ? wire::DataValue::fromText(std::move(*line)) : wire::DataValue::none();
    }

private:
    // Lines typed ahead of the frames wait here; beyond that the reader blocks (no loss).
    static constexpr std::size_t kMaxPending = 1024;
    std::shared_ptr<BoundedQueue<std::string>> lines_;
};

}  // namespace

std::unique_ptr<ReplySource> ReplySource::fixed(std::string text) {
    return std::make_unique<FixedReply>(std::move(text));
}
std::unique_ptr<ReplySource> ReplySource::fromStdin() { return std::make_unique<StdinReplies>(); }
std::unique_ptr<ReplySource> ReplySource::none() { return std::make_unique<NoReply>(); }

}  // namespace ng::pipeline
