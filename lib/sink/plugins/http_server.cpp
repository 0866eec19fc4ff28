// HTTP output plugin: -o http://HOST:PORT serves a page, MJPEG streams, snapshots and stats.
//
// cpp-httplib (Debian's libcpp-httplib) parses the requests and runs a thread per connection
// from a pool; this file maps its requests onto each sender's LatestFrame. A plugin because
// Debian builds that library with OpenSSL, zlib and brotli, which only this output needs.
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "codec/jpeg.hpp"
#include "core/loopback_host.hpp"
#include "http_access.hpp"
#include "http_latest_frame.hpp"
#include "http_mjpeg.hpp"
#include "http_page.hpp"
#include "sink/http_settings.hpp"
#include "sink/sink_plugins.hpp"

namespace ng::sink {

namespace {

using http::ClientLimit;
using http::LatestFrame;
using http::ServedFrame;

// Connections beyond the streams: the page, stats polls, snapshots, and answering 503.
constexpr int kSpareWorkers = 8;
// A request's line and headers arrive at once from any real client; a connection that
// sends them slower is cut off after this (a slowloris holds a worker no longer).
constexpr std::chrono::seconds kReadTimeout{3};
// A viewer whose socket takes no data for this long is gone or stalled: it is dropped.
constexpr std::chrono::seconds kWriteTimeout{3};
// An idle keep-alive connection holds a worker; the page polls every second.
constexpr time_t kKeepAliveSeconds = 2;
// Requests are GETs without a body.
constexpr std::size_t kMaxPayload = 8192;
// How often start-up checks that the server runs.
constexpr std::chrono::milliseconds kStartPoll{1};
// How often a waiting stream checks whether ngrecv is stopping.
constexpr std::chrono::milliseconds kStreamPoll{200};

// Connections that send nothing are never accepted: the kernel holds them this long (then
// drops them), so a flood of idle connects takes no worker from real viewers.
constexpr int kDeferAcceptSeconds = 3;
// Pending connections the kernel queues; Debian's library listens with a backlog of 5.
constexpr int kListenBacklog = 1024;

// httplib::Server with its listening socket in reach, to widen the backlog after bind.
class Server : public httplib::Server {
public:
    int listeningSocket() const { return svr_sock_; }
};

// The library's own default (SO_REUSEADDR) plus TCP_DEFER_ACCEPT.
void setListenOptions(int sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::setsockopt(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT, &kDeferAcceptSeconds,
                 sizeof kDeferAcceptSeconds);
}

void answer(httplib::Response& res, int status, const std::string& text) {
    res.status = status;
    res.set_content(text + "\n", "text/plain; charset=utf-8");
}

class HttpSink final : public Sink {
public:
    HttpSink(const std::string& spec, const HttpSettings& settings)
        : spec_(spec),
          address_(*parseHttpAddress(spec)),
          settings_(settings),
          limit_(settings.maxClients) {}

    ~HttpSink() override { close(); }

    // Starts serving at start-up, so a browser sees "waiting for a sender" before any frame.
    void prepare() override {
        if (thread_.joinable()) return;
        const std::string host = address_.host.empty() ? "0.0.0.0" : address_.host;
        configure();
        const int port = address_.port == 0 ? server_.bind_to_any_port(host)
                                            : (server_.bind_to_port(host, address_.port)
                                                   ? address_.port
                                                   : -1);
        if (port >= 0) ::listen(server_.listeningSocket(), kListenBacklog);
        if (port < 0) {
            throw std::runtime_error("output '" + spec_ + "': cannot listen on " + host + ":" +
                                     std::to_string(address_.port) +
                                     " (is the port in use, or the address not this machine's?)");
        }
        const bool v6 = host.find(':') != std::string::npos;
        url_ = std::string(kHttpScheme) + (v6 ? "[" + host + "]" : host) + ":" +
               std::to_string(port);
        thread_ = std::thread([this] {
            if (!server_.listen_after_bind()) spdlog::error("http output {} stopped", url_);
            listenEnded_ = true;
        });
        // stop() does nothing until the accept loop runs, so close() right after this
        // (ngrecv failing to start) would wait for it forever.
        while (!server_.is_running() && !listenEnded_) std::this_thread::sleep_for(kStartPoll);
        spdlog::info("http output on {}", url_);
        if (settings_.token.empty() && !isLoopbackHost(host)) {
            spdlog::warn("http output on {} shows the frames to anyone who can reach it; "
                         "--http-token TOKEN requires a token",
                         url_);
        }
    }

    void open(const StreamInfo& /*info*/) override {}

    bool write(const Frame& frame) override {
        std::shared_ptr<LatestFrame> latest;
        {
            std::lock_guard<std::mutex> lock(sendersMutex_);
            latest = senderLocked(frame.sender).latest;
        }
        latest->publish(frame);
        return true;
    }

    void close() override {
        if (closed_.exchange(true)) return;
        {
            std::lock_guard<std::mutex> lock(sendersMutex_);
            for (const Viewed& sender : senders_) sender.latest->close();
        }
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }

    bool writesInstantly() const override { return true; }
    bool takesJpeg() const override { return true; }
    bool takesEverySender() const override { return true; }

    void addSender(std::uint32_t index, const std::string& name) override {
        std::lock_guard<std::mutex> lock(sendersMutex_);
        senderLocked(index).name = name;
    }

    // Comes after prepare(): the server may be answering already.
    bool takeLiveStats(std::shared_ptr<const LiveStats> stats) override {
        std::lock_guard<std::mutex> lock(statsMutex_);
        stats_ = std::move(stats);
        return true;
    }

    std::string describe() const override { return "http " + (url_.empty() ? spec_ : url_); }

private:
    struct Viewed {
        std::string name;
        std::shared_ptr<LatestFrame> latest = std::make_shared<LatestFrame>();
    };

    Viewed& senderLocked(std::uint32_t index) {
        if (senders_.size() <= index) senders_.resize(index + 1);
        return senders_[index];
    }

    // The sender a request names (?sender=NAME), else the first; nullptr when none is known.
    std::shared_ptr<LatestFrame> find(const std::string& name) {
        std::lock_guard<std::mutex> lock(sendersMutex_);
        for (const Viewed& sender : senders_) {
            if (name.empty() || sender.name == name) return sender.latest;
        }
        return nullptr;
    }

    Frame encode(const Frame& raw) {
        std::lock_guard<std::mutex> lock(encoderMutex_);
        if (!encoder_) {
            codec::JpegSettings jpeg;
            jpeg.quality = settings_.quality;
            encoder_ = std::make_unique<codec::JpegEncoder>(jpeg);
        }
        return encoder_->encode(raw);
    }

    void configure() {
        const std::size_t workers = static_cast<std::size_t>(settings_.maxClients + kSpareWorkers);
        server_.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
        server_.set_read_timeout(kReadTimeout);
        server_.set_write_timeout(kWriteTimeout);
        server_.set_keep_alive_timeout(kKeepAliveSeconds);
        server_.set_payload_max_length(kMaxPayload);
        server_.set_tcp_nodelay(true);
        server_.set_socket_options(setListenOptions);
        server_.set_pre_routing_handler([this](const httplib::Request& req,
                                               httplib::Response& res) {
            const std::string authorization = req.get_header_value("Authorization");
            if (http::tokenAccepted(settings_.token, req.get_param_value("token"),
                                    authorization)) {
                return httplib::Server::HandlerResponse::Unhandled;
            }
            res.set_header("WWW-Authenticate", "Bearer");
            answer(res, 401, "a token is required: add ?token=TOKEN or 'Authorization: Bearer "
                             "TOKEN' (ngrecv --http-token)");
            return httplib::Server::HandlerResponse::Handled;
        });
        server_.set_exception_handler(
            [](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
                std::string why = "unknown error";
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    why = e.what();
                } catch (...) {
                }
                spdlog::warn("http output: {} failed: {}", req.path, why);
                answer(res, 500, why);
            });
        server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(http::indexPage(), "text/html; charset=utf-8");
        });
        server_.Get("/stats.json", [this](const httplib::Request&, httplib::Response& res) {
            std::shared_ptr<const LiveStats> stats;
            {
                std::lock_guard<std::mutex> lock(statsMutex_);
                stats = stats_;
            }
            const std::shared_ptr<const std::string> json =
                stats ? stats->latest() : std::make_shared<const std::string>("{}");
            res.set_header("Cache-Control", "no-store");
            res.set_content(*json, "application/json");
        });
        server_.Get("/snapshot.jpg", [this](const httplib::Request& req, httplib::Response& res) {
            serveSnapshot(req, res);
        });
        server_.Get("/stream.mjpg", [this](const httplib::Request& req, httplib::Response& res) {
            serveStream(req, res);
        });
        server_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
            if (!res.body.empty()) return;
            if (res.status == 404) {
                answer(res, 404, "not found: ngrecv serves /, /stream.mjpg, /snapshot.jpg and "
                                 "/stats.json");
            } else if (res.status == 400) {
                answer(res, 400, "bad request");
            } else {
                answer(res, res.status, "HTTP status " + std::to_string(res.status));
            }
        });
    }

    // False (and the answer given) when `sender` is given but empty or names no sender.
    bool senderParam(const httplib::Request& req, httplib::Response& res, std::string& name) {
        if (!req.has_param("sender")) return true;
        name = req.get_param_value("sender");
        if (name.empty()) {
            answer(res, 400, "sender= is empty: give a sender's name, or leave it out");
            return false;
        }
        if (!find(name)) {
            answer(res, 404, "no sender named '" + name + "' (/stats.json lists them)");
            return false;
        }
        return true;
    }

    void serveSnapshot(const httplib::Request& req, httplib::Response& res) {
        std::string name;
        if (!senderParam(req, res, name)) return;
        const std::shared_ptr<LatestFrame> latest = find(name);
        std::shared_ptr<ServedFrame> frame = latest ? latest->newest() : nullptr;
        if (!frame) {
            res.set_header("Retry-After", "1");
            answer(res, 503, "no frame yet: waiting for a sender");
            return;
        }
        const ByteView jpeg = frame->jpeg([this](const Frame& raw) { return encode(raw); });
        res.set_header("X-Frame-Seq", std::to_string(frame->frame().seq));
        res.set_header("Cache-Control", "no-store");
        // The frame is shared, not copied: the provider holds it until it is sent.
        res.set_content_provider(
            jpeg.size, "image/jpeg",
            [frame, jpeg](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                return sink.write(reinterpret_cast<const char*>(jpeg.data) + offset, length);
            });
    }

    void serveStream(const httplib::Request& req, httplib::Response& res) {
        std::string name;
        if (!senderParam(req, res, name)) return;
        ClientLimit::Ticket ticket = limit_.tryEnter();
        if (!ticket) {
            res.set_header("Retry-After", "5");
            answer(res, 503,
                   "already serving " + std::to_string(settings_.maxClients) +
                       " streams (ngrecv --http-max-clients)");
            return;
        }
        // What one viewer keeps: its ticket, its sender and the version it sent last. Its
        // "slot" is the one frame it holds while sending; it asks for the newest next.
        struct Viewer {
            ClientLimit::Ticket ticket;
            std::string name;
            std::shared_ptr<LatestFrame> latest;
            std::uint64_t seen = 0;
        };
        auto viewer = std::make_shared<Viewer>();
        viewer->ticket = std::move(ticket);
        viewer->name = name;
        res.set_header("Cache-Control", "no-store");
        res.set_content_provider(
            http::mjpegContentType(),
            [this, viewer](std::size_t /*offset*/, httplib::DataSink& sink) {
                if (closed_) return false;
                // Without ?sender=, the first sender, which may come later.
                if (!viewer->latest) viewer->latest = find(viewer->name);
                if (!viewer->latest) {
                    std::this_thread::sleep_for(kStreamPoll);
                    return true;
                }
                const std::shared_ptr<ServedFrame> frame =
                    viewer->latest->waitNewer(viewer->seen, kStreamPoll);
                if (!frame) return !viewer->latest->closed();
                viewer->seen = frame->version();
                const ByteView jpeg =
                    frame->jpeg([this](const Frame& raw) { return encode(raw); });
                const std::string header = http::mjpegPartHeader(jpeg.size, frame->frame().seq);
                return sink.write(header.data(), header.size()) &&
                       sink.write(reinterpret_cast<const char*>(jpeg.data), jpeg.size) &&
                       sink.write(http::kMjpegPartEnd, 2);
            });
    }

    const std::string spec_;
    const HttpAddress address_;
    const HttpSettings settings_;
    std::string url_;
    ClientLimit limit_;
    Server server_;
    std::thread thread_;
    std::atomic<bool> listenEnded_{false};
    std::atomic<bool> closed_{false};
    std::mutex statsMutex_;
    std::shared_ptr<const LiveStats> stats_;
    std::mutex sendersMutex_;
    std::vector<Viewed> senders_;  // by Frame::sender
    std::mutex encoderMutex_;
    std::unique_ptr<codec::JpegEncoder> encoder_;  // made for the first raw frame watched
};

}  // namespace

}  // namespace ng::sink

extern "C" __attribute__((visibility("default"))) ng::sink::Sink* ng_create_http_sink(
    const std::string& spec, const ng::sink::HttpSettings& settings) {
    static_assert(std::is_same_v<decltype(&ng_create_http_sink), ng::sink::CreateHttpSinkFn>);
    return std::make_unique<ng::sink::HttpSink>(spec, settings).release();
}
