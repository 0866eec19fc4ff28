// StdinSource: frames piped in by another program, as YUV4MPEG2 (-s -) or bare (-s raw:-).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/frame_pool.hpp"
#include "source/raw_frame.hpp"
#include "source/source.hpp"
#include "source/y4m_header.hpp"

namespace ng::source {

// Reads frames from a pipe or file descriptor (stdin for ngsend) and converts them to BGR
// (gray input stays one channel). The stream ends cleanly at end of input on a frame
// boundary; a last frame cut short is reported and dropped. A YUV4MPEG2 stream whose
// frames are not where its header's size puts them is an error: the first frame is held
// until the next FRAME marker (or the end) confirms the size, so a lying header sends no
// frame at all.
class StdinSource : public Source {
public:
    enum class Format { Y4m, Raw };

    // `fd` is borrowed and read without being closed; for raw input, options.width,
    // options.height and options.pixFmt give the layout.
    StdinSource(Format format, const SourceOptions& options, int fd);

    void start() override;
    std::optional<Frame> next(std::chrono::milliseconds timeout) override;
    bool ended() const override { return ended_; }
    double nominalFps() const override { return format_ == Format::Y4m ? header_.fps() : 0; }
    void stop() override {}
    std::string describe() const override;

private:
    enum class Fill { Ready, TimedOut, Eof };
    // Reads until `wanted` bytes are buffered, the deadline passes or the input ends.
    Fill fill(std::size_t wanted, std::chrono::steady_clock::time_point deadline);
    std::size_t buffered() const { return buffer_.size() - start_; }
    const std::uint8_t* data() const { return buffer_.data() + start_; }
    void consume(std::size_t bytes);
    std::optional<Frame> nextY4m(std::chrono::steady_clock::time_point deadline);
    std::optional<Frame> nextRaw(std::chrono::steady_clock::time_point deadline);
    std::optional<Frame> endOfInput(std::size_t frameBytes);
    Frame convert(const std::uint8_t* pixels);
    [[noreturn]] void headerLies(const std::string& what) const;

    Format format_;
    int fd_;
    int width_ = 0;
    int height_ = 0;
    PixelFormat layout_ = PixelFormat::Bgr24;
    YuvRange range_ = YuvRange::Limited;
    Y4mHeader header_;
    std::vector<std::uint8_t> buffer_;  // read ahead; bytes before start_ are consumed
    std::size_t start_ = 0;
    std::uint64_t framesRead_ = 0;
    bool eof_ = false;
    bool ended_ = false;
    FramePool pool_;
};

}  // namespace ng::source
