// LatestFrame: hands the newest frame to each viewer, encoding a raw frame once when asked.
#include "http_latest_frame.hpp"

namespace ng::sink::http {

ByteView ServedFrame::jpeg(const Encode& encode) {
    if (frame_.codec == Codec::Jpeg) return {frame_.pixels, frame_.codedBytes};
    std::lock_guard<std::mutex> lock(mutex_);
    if (!encoded_) encoded_ = encode(frame_);
    return {encoded_->pixels, encoded_->codedBytes};
}

void LatestFrame::publish(Frame frame) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closed_) return;
        newest_ = std::make_shared<ServedFrame>(std::move(frame), ++version_);
    }
    changed_.notify_all();
}

std::shared_ptr<ServedFrame> LatestFrame::newest() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return newest_;
}

std::shared_ptr<ServedFrame> LatestFrame::waitNewer(std::uint64_t seen,
                                                    std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    const bool ready = changed_.wait_for(lock, timeout, [&] { return closed_ || version_ > seen; });
    if (!ready || closed_) return nullptr;
    return newest_;
}

void LatestFrame::close() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        newest_.reset();
    }
    changed_.notify_all();
}

bool LatestFrame::closed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return closed_;
}

}  // namespace ng::sink::http
