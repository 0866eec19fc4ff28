// Window plugin: -o window, an OpenCV highgui window showing the stream with its rate.
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/highgui.hpp>
#include <stdexcept>
#include <type_traits>

#include "sink/bgr_converter.hpp"
#include "sink/sink_plugins.hpp"

namespace ng::sink {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kWindowName = "ngrecv";
constexpr int kEscape = 27;
constexpr auto kTitlePeriod = std::chrono::seconds(1);
// New windows are placed side by side, in rows this wide: without a window manager (or with
// one that does not place windows) they would all open at one spot, each hiding the others.
constexpr int kRowWidth = 1920;
constexpr int kWindowGap = 8;

// Where the next window goes. Windows are opened and closed on one thread (the sink
// thread), as highgui needs.
class WindowPlacement {
public:
    cv::Point place(int width, int height) {
        if (open_++ == 0) {
            next_ = {0, 0};
            rowHeight_ = 0;
        }
        if (next_.x > 0 && next_.x + width > kRowWidth) {
            next_ = {0, next_.y + rowHeight_ + kWindowGap};
            rowHeight_ = 0;
        }
        const cv::Point at = next_;
        next_.x += width + kWindowGap;
        rowHeight_ = std::max(rowHeight_, height);
        return at;
    }
    void closed() { --open_; }

private:
    int open_ = 0;
    cv::Point next_;
    int rowHeight_ = 0;
};

WindowPlacement& placement() {
    static WindowPlacement windows;
    return windows;
}

// For a local X display (":0", "unix:0.0"), whether its server socket accepts a
// connection. Debian's highgui is built on Qt, and Qt aborts the whole process when it
// cannot reach the display, which would lose the other outputs (an mp4 being recorded);
// this check turns that into an ordinary error. Remote displays (host:N) are not probed.
bool localXServerReachable(const std::string& display) {
    std::string rest = display;
    if (rest.rfind("unix:", 0) == 0) rest = rest.substr(4);
    if (rest.empty() || rest[0] != ':') return true;
    const std::string number = rest.substr(1, rest.find('.') - 1);
    const std::string path = "/tmp/.X11-unix/X" + number;

    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return true;  // cannot tell; let Qt try
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    bool reachable = false;
    // X servers listen on the abstract name "\0/tmp/.X11-unix/XN" and on the file; libxcb
    // tries the abstract one first, then the file.
    for (bool abstract : {true, false}) {
        std::memset(address.sun_path, 0, sizeof address.sun_path);
        std::memcpy(address.sun_path + (abstract ? 1 : 0), path.c_str(),
                    std::min(path.size(), sizeof address.sun_path - 2));
        const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                                   (abstract ? 1 : 0) + path.size());
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0) {
            reachable = true;
            break;
        }
    }
    ::close(fd);
    return reachable;
}

class WindowSink : public Sink {
public:
    ~WindowSink() override { close(); }

    // Checked at start-up, and again when the first frame comes (the X server may be gone).
    void prepare() override {
        if (!displayAvailable()) {
            throw std::runtime_error(
                "-o window: no display (set DISPLAY, or use -o null / -o out.mp4)");
        }
        const char* display = std::getenv("DISPLAY");
        if (display && *display && !localXServerReachable(display)) {
            throw std::runtime_error(std::string("-o window: no X server answers on DISPLAY=") +
                                     display + " (set DISPLAY, or use -o null / -o out.mp4)");
        }
    }

    void open(const StreamInfo& info) override {
        prepare();
        peer_ = info.peer.empty() ? "sender" : info.peer;
        // One window per sender: each needs a name of its own, and the sender's is unique.
        windowName_ = std::string(kWindowName) + " — " + peer_;
        // GUI_NORMAL: no Qt toolbar or status bar, so the frame fills the window at 1:1.
        cv::namedWindow(windowName_, cv::WINDOW_AUTOSIZE | cv::WINDOW_GUI_NORMAL);
        cv::setWindowTitle(windowName_, "ngrecv — " + peer_);
        const cv::Point at = placement().place(info.shape.width, info.shape.height);
        cv::moveWindow(windowName_, at.x, at.y);
        open_ = true;
        periodStart_ = Clock::now();
    }

    bool write(const Frame& frame) override {
        if (!open_) return false;
        // Another window's waitKey may have handled this one's closing: imshow would bring
        // it back.
        if (shown_ && closedByUser()) return false;
        shown_ = true;
        cv::imshow(windowName_, frameView(frame));
        // waitKey runs the GUI's event loop: without it nothing is drawn.
        const int key = cv::waitKey(1);
        if (key == 'q' || key == 'Q' || key == kEscape) {
            spdlog::info("{} pressed in the window: the stream ends, other outputs are finished",
                         key == kEscape ? "Esc" : "q");
            return false;
        }
        if (closedByUser()) return false;
        updateTitle();
        return true;
    }

    bool closedAlone() const override { return closed_; }

    void close() override {
        if (!open_) return;
        open_ = false;
        placement().closed();
        cv::destroyWindow(windowName_);
        cv::waitKey(1);  // let the GUI process the destruction
    }

    std::string describe() const override { return "window"; }

private:
    bool closedByUser() {
        closed_ = cv::getWindowProperty(windowName_, cv::WND_PROP_VISIBLE) < 1;
        return closed_;
    }

    // The frame rate over about the last second, in the title bar.
    void updateTitle() {
        ++periodFrames_;
        const auto now = Clock::now();
        const std::chrono::duration<double> elapsed = now - periodStart_;
        if (elapsed < kTitlePeriod) return;
        const double fps = periodFrames_ / elapsed.count();
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.1f fps", fps);
        cv::setWindowTitle(windowName_, "ngrecv — " + peer_ + " — " + rate);
        periodStart_ = now;
        periodFrames_ = 0;
    }

    std::string peer_;
    std::string windowName_ = kWindowName;
    bool open_ = false;
    bool shown_ = false;   // a frame was shown: the window exists
    bool closed_ = false;  // by the user, with the window's close button
    Clock::time_point periodStart_;
    int periodFrames_ = 0;
};

}  // namespace

}  // namespace ng::sink

extern "C" __attribute__((visibility("default"))) ng::sink::Sink* ng_create_window_sink(
    const std::string& /*spec*/) {
    static_assert(std::is_same_v<decltype(&ng_create_window_sink), ng::sink::CreateSinkFn>);
    return std::make_unique<ng::sink::WindowSink>().release();
}
