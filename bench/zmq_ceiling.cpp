// zmq_ceiling: the bare-ZeroMQ ceiling that scripts/bench holds ngsend/ngrecv against.
//
// Moves `count` messages of `bytes` bytes, zero-copy from one buffer, in PAIR, PUSH/PULL
// or REQ/REP (REP answers each message with 1 byte, as a lockstep round trip). The
// receiver binds and prints one JSON line: frames, seconds (first to last message), fps.
// `pair-answered` is PAIR as NetGear_Async speaks it: the receiver answers every message
// with the plain acknowledgement's bytes, and the sender keeps at most as many messages
// unanswered as ngsend does. It tells what PAIR's answers cost bare ZeroMQ.
// A pattern with "-fresh" appended (e.g. `pushpull-fresh`) sends a new buffer each time,
// written whole just before it goes, with at most as many queued as ngsend keeps: bare
// ZeroMQ moving frames that are new each time, as a camera's are, instead of one buffer
// that stays in the I/O thread's cache.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "core/frame_allocations.hpp"

namespace {

// The frames ngsend keeps in flight up to 720p, PAIR's unanswered and PUSH's queued
// (transport/sender_policy.hpp).
constexpr int kFramesInFlight = 4;
// What ngrecv answers a frame with, outside bidirectional mode (as vidgear does).
constexpr std::string_view kPlainAck = "Data received on client: 0123456789abcdef !";

struct Options {
    std::string role;      // send | recv
    std::string pattern;   // pair | pair-answered | pushpull | reqrep
    std::string endpoint;  // e.g. tcp://127.0.0.1:5555
    std::size_t bytes = 640 * 480 * 3;
    long long count = 1000;
    bool fresh = false;  // a new buffer for each message
};

constexpr std::string_view kFreshSuffix = "-fresh";

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: zmq_ceiling send|recv pair|pair-answered|pushpull|reqrep[-fresh] "
                 "ENDPOINT BYTES COUNT\n");
    std::exit(2);
}

Options parse(int argc, char** argv) {
    if (argc != 6) usage();
    Options o{argv[1], argv[2], argv[3], std::stoul(argv[4]), std::stoll(argv[5])};
    const std::string_view pattern = o.pattern;
    if (pattern.size() > kFreshSuffix.size() &&
        pattern.substr(pattern.size() - kFreshSuffix.size()) == kFreshSuffix) {
        o.fresh = true;
        o.pattern.resize(pattern.size() - kFreshSuffix.size());
    }
    if ((o.role != "send" && o.role != "recv") ||
        (o.pattern != "pair" && o.pattern != "pair-answered" && o.pattern != "pushpull" &&
         o.pattern != "reqrep")) {
        usage();
    }
    return o;
}

zmq::socket_type socketType(const Options& o) {
    const bool send = o.role == "send";
    if (o.pattern == "pair" || o.pattern == "pair-answered") return zmq::socket_type::pair;
    if (o.pattern == "pushpull") return send ? zmq::socket_type::push : zmq::socket_type::pull;
    return send ? zmq::socket_type::req : zmq::socket_type::rep;
}

// Zero-copy from `buffer`, which nothing frees; it must outlive the socket's context, as
// ZeroMQ's I/O thread reads it until sent.
zmq::message_t sameMessage(const std::vector<std::uint8_t>& buffer) {
    return zmq::message_t(const_cast<std::uint8_t*>(buffer.data()), buffer.size(),
                          [](void*, void*) {});
}

// Zero-copy from a new buffer, written whole (a frame's worth of stores), freed by ZeroMQ
// once sent.
zmq::message_t freshMessage(std::size_t bytes, long long index) {
    auto* data = new std::uint8_t[bytes];
    std::memset(data, static_cast<int>(index & 0xff), bytes);
    return zmq::message_t(data, bytes, [](void* sent, void*) {
        delete[] static_cast<std::uint8_t*>(sent);
    });
}

int runSender(zmq::socket_t& socket, const Options& o, const std::vector<std::uint8_t>& buffer) {
    zmq::message_t reply;
    long long unanswered = 0;
    for (long long i = 0; i < o.count; ++i) {
        zmq::message_t message = o.fresh ? freshMessage(o.bytes, i) : sameMessage(buffer);
        socket.send(message, zmq::send_flags::none);
        if (o.pattern == "reqrep") (void)socket.recv(reply);
        if (o.pattern == "pair-answered" && ++unanswered == kFramesInFlight) {
            (void)socket.recv(reply);
            --unanswered;
        }
    }
    for (; unanswered > 0; --unanswered) (void)socket.recv(reply);
    return 0;
}

int runReceiver(zmq::socket_t& socket, const Options& o) {
    zmq::message_t message;
    std::chrono::steady_clock::time_point first;
    std::size_t received = 0;
    for (long long i = 0; i < o.count; ++i) {
        (void)socket.recv(message);
        if (i == 0) first = std::chrono::steady_clock::now();
        received += message.size();
        if (o.pattern == "reqrep") socket.send(zmq::buffer("k", 1));
        if (o.pattern == "pair-answered") socket.send(zmq::buffer(kPlainAck));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - first).count();
    std::printf("{\"frames\": %lld, \"bytes\": %zu, \"seconds\": %.6f, \"fps\": %.3f}\n",
                o.count, received, seconds, seconds > 0 ? o.count / seconds : 0.0);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    // The tools' malloc tuning: without it the receiver pays page faults on every message
    // that ngrecv does not, and the ceiling would be lower than the tools.
    ng::keepFrameAllocations();
    const std::vector<std::uint8_t> buffer(o.role == "send" ? o.bytes : 0, 0x5a);
    zmq::context_t context(1);
    zmq::socket_t socket(context, socketType(o));
    socket.set(zmq::sockopt::linger, -1);  // the sender's last messages must arrive
    // New buffers each time: hold as many queued as ngsend does, not a thousand frames.
    if (o.fresh) socket.set(zmq::sockopt::sndhwm, kFramesInFlight);
    if (o.role == "recv") {
        socket.bind(o.endpoint);
        return runReceiver(socket, o);
    }
    socket.connect(o.endpoint);
    return runSender(socket, o, buffer);
}
