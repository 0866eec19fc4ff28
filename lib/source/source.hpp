// Source: where ngsend's frames come from (test pattern, file, camera, URL, Pi camera).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/frame.hpp"

namespace ng::source {

// The longest side of a frame any size flag accepts: larger than any camera or video, small
// enough that a typo cannot ask for gigabytes.
inline constexpr int kMaxSide = 16384;

// How bare frames on stdin (-s raw:-) are laid out (--pix-fmt); the planar YUV layouts
// are also how YUV4MPEG2 frames arrive. Chroma planes of odd sizes round up, as in ffmpeg.
enum class PixelFormat {
    Bgr24,
    Rgb24,
    Gray,
    Yuv420p,
    Nv12,
    Yuv422p,  // y4m C422 only
    Yuv444p,  // y4m C444 only
};

struct SourceOptions {
    std::string spec = "test";  // as given to --source
    int width = 640;            // --size: capture size for the test pattern and cameras
    int height = 480;
    bool resize = false;        // --resize: scale every frame to width x height
    bool sizeGiven = false;     // --size was given (a file keeps its own size unless --resize)
    bool loop = false;          // --loop: restart a file source at its end
    PixelFormat pixFmt = PixelFormat::Bgr24;  // --pix-fmt: the layout of -s raw:- frames
    // NetGear_Async's other source settings (docs/cli.md, "Source options").
    std::string colorspace;     // --colorspace: "" = BGR as captured, else a ColorConversion name
    std::string backend;        // --backend: "" = each capture kind's own, any, ffmpeg, ...
    double timeDelaySeconds = 0;  // --time-delay: wait this long before the first frame
    bool stabilize = false;       // --stabilize
    int stabilizeRadius = 25;     // --stabilize-radius: frames each side of the average
    std::string stabilizeBorder = "black";  // --stabilize-border: how uncovered edges fill
    // Cameras that set their own rate and orientation (picam).
    double fps = 0;             // --fps: the rate asked of the camera; 0 = its default
    bool hflip = false;         // --hflip: mirror left-right
    bool vflip = false;         // --vflip: mirror top-bottom
    int rotation = 0;           // --rotation: 0 or 180 degrees
};

// Contract: start() once, then next() from one thread (the capture stage's), then stop().
// Frames returned by next() own their pixels (normally a pooled buffer with wire headroom)
// and stay valid however long the caller keeps them.
class Source {
public:
    virtual ~Source() = default;

    // Opens the device, file or stream. Throws std::runtime_error (ng::UsageError for a
    // spelling that cannot name a source) whose message names the source and the fix.
    virtual void start() = 0;

    // The next frame, waiting at most `timeout`. nullopt means none yet, or, once ended()
    // is true, that the source is exhausted. seq and captureTimeUs are set by the caller.
    virtual std::optional<Frame> next(std::chrono::milliseconds timeout) = 0;

    // True once the source has no more frames (end of file without --loop, stream closed).
    virtual bool ended() const = 0;

    // The source's own frame rate (0 when unknown); used as the default pace.
    virtual double nominalFps() const = 0;

    virtual void stop() = 0;

    // True when next() returns at once without waiting on a device or stream (the test
    // pattern): unpaced, such a source can be captured on the sending thread itself.
    virtual bool neverWaits() const { return false; }

    // For logs: "test pattern 640x480", "file clip.mp4", ...
    virtual std::string describe() const = 0;
};

// Picks the source from options.spec. Backends that need OpenCV's videoio are loaded as a
// plugin only when such a source is asked for. Throws UsageError for an unknown spelling.
std::unique_ptr<Source> makeSource(const SourceOptions& options);

}  // namespace ng::source
