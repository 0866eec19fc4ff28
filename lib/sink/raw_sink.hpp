// RawSink: bare BGR24 frames on stdout (-o raw:-), for tools that take rawvideo.
#pragma once

#include <unistd.h>

#include <opencv2/core.hpp>
#include <string>
#include <utility>

#include "sink/bgr_converter.hpp"
#include "sink/fd_writer.hpp"
#include "sink/sink.hpp"

namespace ng::sink {

// Every frame becomes width x height x 3 bytes of BGR with no header or separator, so the
// reader must know the size (ffmpeg -f rawvideo -pix_fmt bgr24 -s WxH -i -). Grey and BGRA
// frames are converted; frames of another size are scaled to the first frame's.
class RawSink : public Sink {
public:
    explicit RawSink(int fd = STDOUT_FILENO, std::string output = "raw:-")
        : writer_(fd, std::move(output)) {}

    void prepare() override { writer_.requireNotTerminal(); }
    void open(const StreamInfo& info) override {
        size_ = cv::Size(info.shape.width, info.shape.height);
    }
    bool write(const Frame& frame) override;
    void close() override {}
    bool usesStdout() const override { return writer_.fd() == STDOUT_FILENO; }
    std::string describe() const override { return "raw BGR24 on stdout"; }

private:
    FdWriter writer_;
    cv::Size size_;
    BgrConverter converter_;
};

}  // namespace ng::sink
