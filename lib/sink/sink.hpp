// Sink: where ngrecv's frames go (window, video file, images, y4m/raw pipe, null).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/frame.hpp"
#include "core/live_stats.hpp"
#include "sink/http_settings.hpp"
#include "sink/video_settings.hpp"

namespace ng::sink {

// What a sink learns when the first frame arrives.
struct StreamInfo {
    // Of the first frame. Video-file, y4m and raw outputs scale later frames of another
    // size (and channel count) to it; image files and the window show each frame as it is.
    FrameShape shape;
    double fps = 30;  // the rate of video files and y4m: --output-fps, the sender's, or 30
    // True when `fps` is the sender's own pace (no --output-fps) and frames carry capture
    // times: files then keep real time (sink/frame_timing.hpp). False: every frame once.
    bool realTime = false;
    std::string peer;  // the sender's address, for window titles ("" if unknown)
    // How the first frame travels: Jpeg lets a video file store the JPEGs as they came.
    Codec codec = Codec::Raw;
};

// One file of a recording, for the summary: what it holds and whether retention removed it.
struct RecordedSegment {
    std::string path;
    std::uint64_t frames = 0;  // pictures stored in it (avi: with those repeated for its rate)
    std::uint64_t bytes = 0;
    bool deleted = false;  // by --keep / --keep-size
};

// Contract: prepare() at start-up, before listening; open() once, before the first write();
// write() for every frame, on one thread; close() at the end, also after an error or a
// signal, and it must finalise the output so every frame written so far is readable.
// close() is idempotent. When write() or close() throws, the output has failed: it gets
// no more frames and is closed (once more, for its resources) while the other outputs go on.
class Sink {
public:
    virtual ~Sink() = default;

    // Checks what can be checked before any frame arrives (a display for a window, a
    // terminal on stdout), so a run that cannot write ends before it listens. Throws
    // std::runtime_error naming the output and the fix (makeOutputs() makes it a usage
    // error).
    virtual void prepare() {}

    // Throws std::runtime_error naming the output and the fix.
    virtual void open(const StreamInfo& info) = 0;

    // `frame` is borrowed for the call; a sink that keeps pixels copies them. Returns false
    // when the sink takes no more frames: the user closed it, or asked the stream to end
    // (closedAlone() tells which); throws on an I/O error.
    virtual bool write(const Frame& frame) = 0;

    // After write() returned false: true when the user closed this output alone (its window),
    // false when they asked the whole stream to end (the window's q or Esc).
    virtual bool closedAlone() const { return false; }

    virtual void close() = 0;

    // True when this sink writes video to stdout (received data then goes to stderr).
    virtual bool usesStdout() const { return false; }

    // True when write() never blocks and costs next to nothing (null): the receiving
    // thread may then call it itself, saving a hand-off to the sink thread per frame.
    virtual bool writesInstantly() const { return false; }

    // True when write() takes a JPEG frame (Frame::codec) as it is: it counts frames or
    // stores the received JPEG bytes. Other sinks are given decoded pixels.
    virtual bool takesJpeg() const { return false; }

    // True when this one output takes the frames of every sender (Frame::sender tells them
    // apart), as the HTTP output does; others without {name} take the first sender's only.
    virtual bool takesEverySender() const { return false; }
    // For outputs that take every sender: sender `index` is called `name`. Called on the
    // writing thread, before that sender's first write().
    virtual void addSender(std::uint32_t /*index*/, const std::string& /*name*/) {}

    // Offers the stream's live figures (the --summary object, updated while it runs), before
    // open(). Returns true when this output shows them; they are then published.
    virtual bool takeLiveStats(std::shared_ptr<const LiveStats> /*stats*/) { return false; }

    // A constant-rate output (avi, y4m) kept in the sender's time leaves out a frame that
    // comes before its slot and writes the previous one again to fill a gap, as ffmpeg's
    // -vsync cfr does. These count them, for the summary.
    virtual std::uint64_t framesDroppedForRate() const { return 0; }
    virtual std::uint64_t framesRepeatedForRate() const { return 0; }

    // The files a recording wrote (video files: one, or one per --segment), after close().
    virtual std::vector<RecordedSegment> segments() const { return {}; }

    // For logs: "video out.mp4", "window", ...
    virtual std::string describe() const = 0;
};

// Picks the sink for one -o value. Window, video-file, image-file and HTTP sinks are plugins,
// loaded only when asked for (see core/plugin_loader.hpp). The folder of a file output is
// created when missing and must be writable. `video` applies to video files, `http` to the
// HTTP output. Throws UsageError for a spelling that names no sink, a folder that cannot be
// written, or video settings that do not fit the output (checkVideoSettings()).
std::unique_ptr<Sink> makeSink(const std::string& spec, const VideoSettings& video = {},
                               const HttpSettings& http = {});

// One output of ngrecv: the -o value as typed, its kind for reports, and its sink.
struct Output {
    std::string spec;
    std::string kind;  // window, video, images, y4m, raw, null, http
    std::unique_ptr<Sink> sink;
};

// The kind makeSink() would pick for `spec` ("" when it names none).
std::string outputKind(const std::string& spec);

// makeSink() and prepare() for every -o value that is not per sender, and the checks across
// them all: two outputs on stdout (-o - with -o raw:-) or the same output twice is a
// UsageError. Per-sender values are only checked (checkPerSenderSpec()).
std::vector<Output> makeOutputs(const std::vector<std::string>& specs,
                                const VideoSettings& video = {},
                                const HttpSettings& http = {});

// ---- Outputs per sender (ngrecv with many senders) ----

// The placeholder a -o value holds to get one output per sender, named after it.
inline constexpr const char* kNamePlaceholder = "{name}";
// True for -o values that open one output per sender: those holding {name}, and window
// (one window each, titled with the sender's name).
bool isPerSender(const std::string& spec);
// `spec` with each {name} replaced by `name`, whose characters other than letters, digits
// and . _ - # @ become _ (a name is a file-name part, never a path).
std::string expandName(const std::string& spec, const std::string& name);
// Start-up check of a per-sender -o value, creating nothing: UsageError when it names no
// sink once expanded, or writes to stdout (one stream only).
void checkPerSenderSpec(const std::string& spec, const VideoSettings& video = {});
// makeSink() and prepare() for one sender's output (`spec` expanded). Throws UsageError or
// std::runtime_error naming the output.
Output makeOutput(const std::string& spec, const VideoSettings& video = {});

// True when an X11 or Wayland display is available (decides the default output).
bool displayAvailable();

}  // namespace ng::sink
