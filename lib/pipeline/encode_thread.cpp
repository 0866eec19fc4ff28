// The encoding stage of ngsend: capture -> JPEG -> send loop.
#include "pipeline/encode_thread.hpp"

namespace ng::pipeline {

namespace {
// Encoded frames ready for the socket: one being sent, one waiting.
constexpr std::size_t kEncodedQueueDepth = 2;
// How long one take() from the capture may block before the loop re-checks stopping_.
constexpr std::chrono::milliseconds kInputPoll{100};
}  // namespace

EncodeThread::EncodeThread(FrameFeed& input, const codec::JpegSettings& settings)
    : input_(input), encoder_(settings), queue_(kEncodedQueueDepth, OverflowPolicy::Block) {
    thread_ = std::thread([this] { run(); });
}

EncodeThread::~EncodeThread() { join(); }

void EncodeThread::join() {
    stopping_ = true;
    queue_.close();  // unblocks a push waiting for room
    if (thread_.joinable()) thread_.join();
}

std::optional<Frame> EncodeThread::take(std::chrono::milliseconds wait) {
    return queue_.pop(wait);
}

bool EncodeThread::finished() const { return queue_.closed() && queue_.size() == 0; }

void EncodeThread::run() {
    try {
        while (!stopping_) {
            std::optional<Frame> raw = input_.take(kInputPoll);
            if (!raw) {
                if (input_.finished()) break;
                continue;
            }
            if (!queue_.push(encoder_.encode(*raw))) break;
        }
    } catch (...) {
        error_ = std::current_exception();
    }
    queue_.close();
}

}  // namespace ng::pipeline
