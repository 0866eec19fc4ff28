// StdinSource: buffered, poll-driven reads of piped frames, so a stop never waits on a pipe.
#include "source/stdin_source.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "core/errors.hpp"

namespace ng::source {

namespace {

using Clock = std::chrono::steady_clock;

// One read() asks for at least this much, so small frames do not cost a call each.
constexpr std::size_t kReadChunk = 1 << 16;
constexpr const char kFrameMarker[] = "FRAME";
constexpr std::size_t kFrameMarkerBytes = sizeof kFrameMarker - 1;

std::string sizeText(int width, int height) {
    return std::to_string(width) + "x" + std::to_string(height);
}

}  // namespace

StdinSource::StdinSource(Format format, const SourceOptions& options, int fd)
    : format_(format), fd_(fd) {
    if (format_ == Format::Raw) {
        width_ = options.width;
        height_ = options.height;
        layout_ = options.pixFmt;
    }
}

void StdinSource::start() {
    if (::isatty(fd_) == 1) {
        throw UsageError(
            "-s " + std::string(format_ == Format::Y4m ? "-" : "raw:-") +
            ": stdin is a terminal; pipe frames in, e.g. ffmpeg -i clip.mp4 -f yuv4mpegpipe - "
            "| ngsend -s -");
    }
    if (format_ == Format::Raw) return;
    // The stream header: read before streaming starts, since the rate paces the stream.
    const auto never = Clock::time_point::max();
    for (;;) {
        const auto* begin = data();
        const auto* newline = std::find(begin, begin + buffered(), '\n');
        if (newline != begin + buffered()) {
            header_ = parseY4mHeader(std::string(begin, newline));
            consume(static_cast<std::size_t>(newline - begin) + 1);
            break;
        }
        if (buffered() > kMaxY4mHeaderLine) {
            throw std::runtime_error("y4m input: no header line within the first " +
                                     std::to_string(kMaxY4mHeaderLine) +
                                     " bytes: not a YUV4MPEG2 stream (for bare frames use "
                                     "-s raw:- with --size and --pix-fmt)");
        }
        if (fill(buffered() + 1, never) == Fill::Eof) {
            if (buffered() > 0) parseY4mHeader(std::string(data(), data() + buffered()));
            throw std::runtime_error(
                "y4m input: stdin ended before a YUV4MPEG2 header (the producer must write "
                "YUV4MPEG2, e.g. ffmpeg ... -f yuv4mpegpipe -; for bare frames use -s raw:-)");
        }
    }
    width_ = header_.width;
    height_ = header_.height;
    layout_ = header_.layout;
    range_ = header_.range;
    spdlog::debug("{}: C{}, {} fps, {} bytes a frame", describe(), header_.chroma, header_.fps(),
                  header_.frameBytes());
}

std::string StdinSource::describe() const {
    if (format_ == Format::Y4m) return "y4m on stdin " + sizeText(width_, height_);
    return "raw " + pixelFormatName(layout_) + " on stdin " + sizeText(width_, height_);
}

std::optional<Frame> StdinSource::next(std::chrono::milliseconds timeout) {
    if (ended_) return std::nullopt;
    const auto deadline = Clock::now() + timeout;
    return format_ == Format::Y4m ? nextY4m(deadline) : nextRaw(deadline);
}

std::optional<Frame> StdinSource::nextRaw(Clock::time_point deadline) {
    const std::size_t frameBytes = rawFrameBytes(layout_, width_, height_);
    const Fill filled = fill(frameBytes, deadline);
    if (filled == Fill::TimedOut) return std::nullopt;
    if (filled == Fill::Eof) return endOfInput(frameBytes);
    Frame frame = convert(data());
    consume(frameBytes);
    return frame;
}

std::optional<Frame> StdinSource::nextY4m(Clock::time_point deadline) {
    const std::size_t frameBytes = header_.frameBytes();
    // The marker line first, then its pixels; nothing is consumed until a whole frame is in.
    for (;;) {
        const auto* begin = data();
        const auto* newline = std::find(begin, begin + buffered(), '\n');
        if (newline == begin + buffered()) {
            if (buffered() > kMaxY4mHeaderLine) headerLies("no FRAME marker");
            const Fill filled = fill(buffered() + 1, deadline);
            if (filled == Fill::TimedOut) return std::nullopt;
            if (filled == Fill::Eof) return endOfInput(frameBytes);
            continue;
        }
        const std::size_t lineBytes = static_cast<std::size_t>(newline - begin) + 1;
        if (!isY4mFrameHeader(std::string(begin, newline))) headerLies("no FRAME marker");
        // The first frame waits for the next marker, the proof that the size is right.
        const bool first = framesRead_ == 0;
        const std::size_t unit = lineBytes + frameBytes;
        const Fill filled = fill(unit + (first ? kFrameMarkerBytes : 0), deadline);
        if (filled == Fill::TimedOut) return std::nullopt;
        if (filled == Fill::Eof && buffered() < unit) return endOfInput(unit);
        if (first) {
            const std::size_t after = std::min(buffered() - unit, kFrameMarkerBytes);
            if (std::memcmp(data() + unit, kFrameMarker, after) != 0) {
                headerLies("the bytes after frame 1 are not the next FRAME marker");
            }
        }
        Frame frame = convert(data() + lineBytes);
        consume(unit);
        return frame;
    }
}

// The input ended while a frame was being read: a clean end on a frame boundary, else the
// partial frame is reported and dropped.
std::optional<Frame> StdinSource::endOfInput(std::size_t frameBytes) {
    ended_ = true;
    if (buffered() > 0) {
        spdlog::warn(
            "{}: the input ended inside frame {} ({} of its {} bytes came); that "
            "partial frame is dropped, not sent",
            describe(), framesRead_ + 1, buffered(), frameBytes);
    }
    spdlog::debug("{}: end of input after {} frames", describe(), framesRead_);
    return std::nullopt;
}

Frame StdinSource::convert(const std::uint8_t* pixels) {
    std::uint8_t* out = nullptr;
    Frame frame = pool_.acquire(FrameShape{height_, width_, convertedChannels(layout_)}, out);
    convertRawFrame(layout_, range_, pixels, width_, height_, out);
    ++framesRead_;
    return frame;
}

void StdinSource::headerLies(const std::string& what) const {
    throw std::runtime_error(
        "y4m input: " + what + " where the header's size puts it (frame " +
        std::to_string(framesRead_ + 1) + ", W" + std::to_string(width_) + " H" +
        std::to_string(height_) + " C" + header_.chroma + ": " +
        std::to_string(header_.frameBytes()) +
        " bytes a frame); the header does not describe the frames that follow (check the "
        "producer's size and pixel format)");
}

void StdinSource::consume(std::size_t bytes) {
    start_ += bytes;
    if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    }
}

StdinSource::Fill StdinSource::fill(std::size_t wanted, Clock::time_point deadline) {
    if (buffered() >= wanted) return Fill::Ready;
    if (eof_) return Fill::Eof;
    // Move what is left to the front so the buffer stays about one frame long.
    if (start_ > 0) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
    while (buffer_.size() < wanted) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        const int waitMs =
            deadline == Clock::time_point::max()
                ? -1
                : static_cast<int>(std::clamp<long long>(left.count(), 0, 1000 * 1000));
        pollfd pfd{fd_, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, waitMs);
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "stdin: poll");
        }
        if (ready == 0) return Fill::TimedOut;
        const std::size_t have = buffer_.size();
        buffer_.resize(have + std::max(wanted - have, kReadChunk));
        const ssize_t got = ::read(fd_, buffer_.data() + have, buffer_.size() - have);
        buffer_.resize(have + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
        if (got == 0) {
            eof_ = true;
            return Fill::Eof;
        }
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            throw std::system_error(errno, std::generic_category(), "stdin: read");
        }
    }
    return Fill::Ready;
}

}  // namespace ng::source
