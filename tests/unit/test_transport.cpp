// Unit tests of the transport: every pattern over tcp and ipc, answers, timeouts and errors.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "core/errors.hpp"
#include "core/frame_pool.hpp"
#include "transport/channel.hpp"
#include "transport/pattern.hpp"
#include "transport/queued_bytes.hpp"

namespace {

using namespace ng;
using namespace ng::transport;
using namespace std::chrono_literals;

const FrameShape kShape{6, 8, 3};
constexpr Millis kTestTimeout{2000};
constexpr int kFrames = 20;

std::uint8_t pixelValue(std::uint64_t seq, std::size_t i) {
    return static_cast<std::uint8_t>(seq * 31 + i * 7 + 1);
}

void fillPixels(std::uint8_t* pixels, std::uint64_t seq) {
    for (std::size_t i = 0; i < kShape.bytes(); ++i) pixels[i] = pixelValue(seq, i);
}

bool hasPixelsOf(const Frame& frame, std::uint64_t seq) {
    if (frame.shape != kShape || frame.pixels == nullptr) return false;
    for (std::size_t i = 0; i < kShape.bytes(); ++i) {
        if (frame.pixels[i] != pixelValue(seq, i)) return false;
    }
    return true;
}

Frame makeFrame(FramePool& pool, std::uint64_t seq) {
    std::uint8_t* pixels = nullptr;
    Frame frame = pool.acquire(kShape, pixels);
    fillPixels(pixels, seq);
    frame.seq = seq;
    frame.captureTimeUs = 1'000'000 + static_cast<std::int64_t>(seq);
    return frame;
}

std::string uniqueIpcPath() {
    static int counter = 0;
    return "/tmp/ng-test-transport-" + std::to_string(::getpid()) + "-" +
           std::to_string(++counter) + ".sock";
}

// The binding (receiving) end, on a free local port or a fresh ipc path.
ChannelConfig receiverConfig(Pattern pattern, Protocol protocol, bool bidirectional = false) {
    ChannelConfig config;
    config.pattern = pattern;
    config.timeout = kTestTimeout;
    config.bidirectional = bidirectional;
    config.endpoint.protocol = protocol;
    config.endpoint.bind = true;
    config.endpoint.port = 0;
    config.endpoint.address = protocol == Protocol::Tcp ? "127.0.0.1" : uniqueIpcPath();
    return config;
}

int portOf(const std::string& endpoint) {
    return std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
}

// The connecting (sending) end for a receiver that bound `bound`.
ChannelConfig senderConfig(const ChannelConfig& receiver, const std::string& bound) {
    ChannelConfig config = receiver;
    config.endpoint.bind = false;
    if (config.endpoint.protocol == Protocol::Tcp) config.endpoint.port = portOf(bound);
    return config;
}

// Calls receive() on its own thread until the end of the stream, an exception or 5 s.
class ReceiveThread {
public:
    explicit ReceiveThread(FrameReceiver& receiver)
        : thread_([this, &receiver] { run(receiver); }) {}
    ~ReceiveThread() { join(); }
    void join() {
        if (thread_.joinable()) thread_.join();
    }

    std::vector<Received> events;  // read only after join()
    std::string error;

private:
    void run(FrameReceiver& receiver) {
        const auto end = std::chrono::steady_clock::now() + 5s;
        try {
            while (std::chrono::steady_clock::now() < end) {
                std::optional<Received> event = receiver.receive(50ms);
                if (!event) continue;
                events.push_back(std::move(*event));
                if (events.back().kind == Received::Kind::Terminate) return;
            }
        } catch (const std::exception& e) {
            error = e.what();
        }
    }

    std::thread thread_;  // last: starts once the results above exist
};

std::string plainAck(const std::string& id) { return "Data received on client: " + id + " !"; }

Millis elapsedSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
}

void runStream(Pattern pattern, Protocol protocol) {
    const std::string name = patternName(pattern);
    CAPTURE(name);
    const std::string protocolName = protocol == Protocol::Tcp ? "tcp" : "ipc";
    CAPTURE(protocolName);
    std::atomic<bool> stop{false};
    FramePool pool;
    const ChannelConfig config = receiverConfig(pattern, protocol);
    FrameReceiver receiver(config, stop);
    const std::string id = receiver.receiverId();
    FrameSender sender(senderConfig(config, receiver.endpoint()), stop);
    ReceiveThread thread(receiver);
    // A subscriber only gets what is published after its subscription reached the publisher.
    if (pattern == Pattern::PubSub) std::this_thread::sleep_for(200ms);

    std::vector<wire::Reply> answers;
    for (int seq = 0; seq < kFrames; ++seq) {
        const auto reply = sender.send(makeFrame(pool, seq),
                                       wire::DataValue::fromText("frame " + std::to_string(seq)));
        REQUIRE(reply);
        if (reply->kind != wire::Reply::Kind::None) answers.push_back(*reply);
    }
    for (const wire::Reply& reply : sender.flush()) answers.push_back(reply);
    if (answersEachFrame(pattern)) {
        CHECK(answers.size() == static_cast<std::size_t>(kFrames));
        for (const wire::Reply& reply : answers) {
            CHECK(reply.kind == wire::Reply::Kind::PlainAck);
            CHECK(reply.plainText == plainAck(id));
        }
    } else {
        CHECK(answers.empty());
    }
    const auto ack = sender.terminate();
    if (answersEachFrame(pattern)) {
        REQUIRE(ack);
        CHECK(*ack == "Client-`" + id + "` successfully terminated!");
    }
    thread.join();

    CHECK(thread.error == "");
    REQUIRE(!thread.events.empty());
    CHECK(thread.events.back().kind == Received::Kind::Terminate);
    std::uint64_t next = 0;
    std::size_t frames = 0;
    for (const Received& event : thread.events) {
        if (event.kind == Received::Kind::Terminate) continue;
        REQUIRE(event.kind == Received::Kind::Frame);
        const Frame& frame = event.frame;
        CHECK(frame.seq >= next);  // in order; PUB/SUB may skip
        CHECK(hasPixelsOf(frame, frame.seq));
        CHECK(frame.data == "frame " + std::to_string(frame.seq));
        CHECK(frame.captureTimeUs == 1'000'000 + static_cast<std::int64_t>(frame.seq));
        CHECK(event.peer == (protocol == Protocol::Tcp ? "127.0.0.1" : ""));
        if (pattern != Pattern::PubSub) CHECK(frame.seq == next);
        next = frame.seq + 1;
        ++frames;
    }
    if (pattern == Pattern::PubSub) {
        CHECK(frames >= 1);  // HWM 1 drops frames by design, never the first
    } else {
        CHECK(frames == kFrames);
    }
}

}  // namespace

TEST_SUITE("transport") {

TEST_CASE("queued bytes: a frame waits for room in bytes and frames; one always fits") {
    using detail::Deadline;
    using detail::QueuedBytes;
    using detail::WaitResult;
    QueuedBytes queued(100, 3);
    const auto buffer = std::make_shared<int>(0);
    CHECK(queued.waitForRoom(500, Deadline::after(0ms), nullptr) == WaitResult::Ready);
    void* first = queued.hold(buffer, 60);
    CHECK(queued.waitForRoom(40, Deadline::after(0ms), nullptr) == WaitResult::Ready);
    CHECK(queued.waitForRoom(41, Deadline::after(30ms), nullptr) == WaitResult::Expired);
    std::atomic<bool> stop{true};
    CHECK(queued.waitForRoom(41, Deadline::never(), &stop) == WaitResult::Stopped);
    CHECK(buffer.use_count() == 2);  // held until libzmq lets go

    // libzmq releases on its own thread; the waiting sender wakes up.
    std::thread io([&] {
        std::this_thread::sleep_for(20ms);
        QueuedBytes::release(nullptr, first);
    });
    CHECK(queued.waitForRoom(100, Deadline::after(5000ms), nullptr) == WaitResult::Ready);
    io.join();
    CHECK(buffer.use_count() == 1);

    // Small frames are bounded by count as well: the fourth waits though bytes would fit.
    void* held[3];
    for (void*& frame : held) frame = queued.hold(buffer, 1);
    CHECK(queued.waitForRoom(1, Deadline::after(30ms), nullptr) == WaitResult::Expired);
    QueuedBytes::release(nullptr, held[0]);
    CHECK(queued.waitForRoom(1, Deadline::after(0ms), nullptr) == WaitResult::Ready);
    for (void* frame : {held[1], held[2]}) QueuedBytes::release(nullptr, frame);
}

TEST_CASE("queued bytes: frames that fit; a frame's buffer is let go before the sender "
          "hears of the room") {
    using detail::Deadline;
    using detail::QueuedBytes;
    using detail::WaitResult;
    QueuedBytes queued(1000, 4);
    CHECK(queued.framesThatFit(100) == 4);
    CHECK(queued.framesThatFit(500) == 2);
    CHECK(queued.framesThatFit(501) == 1);
    CHECK(queued.framesThatFit(5000) == 1);
    CHECK(queued.framesThatFit(0) == 4);
    // Letting go of this buffer takes a while, as returning it to a busy pool may: the
    // sender must not see the room before it is back, or it captures into another one.
    std::atomic<bool> bufferBack{false};
    auto buffer = std::shared_ptr<int>(new int(0), [&](int* b) {
        std::this_thread::sleep_for(50ms);
        delete b;
        bufferBack = true;
    });
    void* held = queued.hold(std::move(buffer), 500);
    CHECK(queued.waitForRoom(500, Deadline::after(0ms), nullptr) == WaitResult::Ready);
    void* second = queued.hold(std::make_shared<int>(0), 500);
    CHECK(queued.waitForRoom(500, Deadline::after(30ms), nullptr) == WaitResult::Expired);

    bool backWhenWoken = false;
    std::thread sender([&] {
        CHECK(queued.waitForRoom(500, Deadline::after(5000ms), nullptr) == WaitResult::Ready);
        backWhenWoken = bufferBack;
    });
    std::this_thread::sleep_for(20ms);
    QueuedBytes::release(nullptr, held);
    sender.join();
    CHECK(backWhenWoken);
    QueuedBytes::release(nullptr, second);
}

TEST_CASE("queued bytes: a sender that has to wait sleeps until half the frames are let go "
          "(issue 23: one wake-up per burst)") {
    using detail::Deadline;
    using detail::QueuedBytes;
    using detail::WaitResult;
    QueuedBytes queued(std::size_t{1} << 20, 4);
    const auto buffer = std::make_shared<int>(0);
    void* held[4];
    for (void*& frame : held) frame = queued.hold(buffer, 10);
    CHECK(queued.waitForRoom(10, Deadline::after(0ms), nullptr) == WaitResult::Expired);

    std::atomic<bool> woken{false};
    WaitResult result = WaitResult::Expired;
    std::thread sender([&] {
        result = queued.waitForRoom(10, Deadline::after(5000ms), nullptr);
        woken = true;
    });
    std::this_thread::sleep_for(20ms);
    QueuedBytes::release(nullptr, held[0]);
    // Room for one frame, but three still queued: the sender sleeps on.
    std::this_thread::sleep_for(60ms);
    CHECK_FALSE(woken.load());
    QueuedBytes::release(nullptr, held[1]);
    sender.join();
    CHECK(result == WaitResult::Ready);
    // A frame that fits at once never waits for a burst: the third and fourth go in turn.
    CHECK(queued.waitForRoom(10, Deadline::after(0ms), nullptr) == WaitResult::Ready);
    held[0] = queued.hold(buffer, 10);
    CHECK(queued.waitForRoom(10, Deadline::after(0ms), nullptr) == WaitResult::Ready);
    held[1] = queued.hold(buffer, 10);

    // A stop ends a burst wait too, and the releases after it find no waiter.
    std::atomic<bool> stop{true};
    CHECK(queued.waitForRoom(10, Deadline::never(), &stop) == WaitResult::Stopped);
    for (void* frame : held) QueuedBytes::release(nullptr, frame);
    CHECK(buffer.use_count() == 1);

    // Where fewer than four frames fit, the sender wakes for the first one let go, so that
    // libzmq is never left without a frame to send.
    QueuedBytes few(std::size_t{1} << 20, 3);
    void* three[3];
    for (void*& frame : three) frame = few.hold(buffer, 10);
    std::thread io([&] {
        std::this_thread::sleep_for(20ms);
        QueuedBytes::release(nullptr, three[0]);
    });
    CHECK(few.waitForRoom(10, Deadline::after(5000ms), nullptr) == WaitResult::Ready);
    io.join();
    for (void* frame : {three[1], three[2]}) QueuedBytes::release(nullptr, frame);
}

TEST_CASE("endpoint URLs and pattern names") {
    Endpoint tcp{Protocol::Tcp, "localhost", 5555, false};
    CHECK(tcp.url() == "tcp://localhost:5555");
    Endpoint ipc{Protocol::Ipc, "/tmp/x.sock", 5555, true};
    CHECK(ipc.url() == "ipc:///tmp/x.sock");
    CHECK(std::string(patternName(Pattern::Pair)) == "PAIR");
    CHECK(std::string(patternName(Pattern::ReqRep)) == "REQ/REP");
    CHECK(std::string(patternName(Pattern::PubSub)) == "PUB/SUB");
    CHECK(std::string(patternName(Pattern::PushPull)) == "PUSH/PULL");
}

TEST_CASE("each pattern's ends use NetGear_Async's socket types") {
    using detail::Role;
    struct Sockets {
        Pattern pattern;
        zmq::socket_type sender;
        zmq::socket_type receiver;
    };
    // XPUB is PUB on the wire; it also reports subscriptions to the sender.
    for (const Sockets& expected : {Sockets{Pattern::Pair, zmq::socket_type::pair,
                                            zmq::socket_type::pair},
                                    Sockets{Pattern::ReqRep, zmq::socket_type::req,
                                            zmq::socket_type::rep},
                                    Sockets{Pattern::PubSub, zmq::socket_type::xpub,
                                            zmq::socket_type::sub},
                                    Sockets{Pattern::PushPull, zmq::socket_type::push,
                                            zmq::socket_type::pull}}) {
        const std::string name = patternName(expected.pattern);
        CAPTURE(name);
        const detail::PatternRules& rules = detail::patternRules(expected.pattern);
        CHECK(rules.socketType(Role::Sender) == expected.sender);
        CHECK(rules.socketType(Role::Receiver) == expected.receiver);
    }
}

TEST_CASE("every pattern carries frames pixel-exact, in order, then the end of stream") {
    for (Pattern pattern :
         {Pattern::Pair, Pattern::ReqRep, Pattern::PubSub, Pattern::PushPull}) {
        for (Protocol protocol : {Protocol::Tcp, Protocol::Ipc}) runStream(pattern, protocol);
    }
}

TEST_CASE("bidirectional mode carries data both ways") {
    for (Pattern pattern : {Pattern::Pair, Pattern::ReqRep}) {
        const std::string name = patternName(pattern);
        CAPTURE(name);
        std::atomic<bool> stop{false};
        FramePool pool;
        int calls = 0;
        const ChannelConfig config = receiverConfig(pattern, Protocol::Tcp, true);
        FrameReceiver receiver(config, stop, [&calls] {
            return wire::DataValue::fromText("pong " + std::to_string(calls++));
        });
        FrameSender sender(senderConfig(config, receiver.endpoint()), stop);
        ReceiveThread thread(receiver);
        std::vector<wire::Reply> answers;
        for (int seq = 0; seq < 3; ++seq) {
            const auto reply =
                sender.send(makeFrame(pool, seq), wire::DataValue::fromText("ping"));
            REQUIRE(reply);
            if (reply->kind != wire::Reply::Kind::None) answers.push_back(*reply);
        }
        for (const wire::Reply& reply : sender.flush()) answers.push_back(reply);
        REQUIRE(answers.size() == 3);
        for (std::size_t seq = 0; seq < answers.size(); ++seq) {
            CHECK(answers[seq].kind == wire::Reply::Kind::Data);
            CHECK(answers[seq].data.text == "pong " + std::to_string(seq));
        }
        CHECK(sender.terminate());
        thread.join();
        CHECK(thread.error == "");
        REQUIRE(thread.events.size() == 4);
        CHECK(thread.events[0].frame.data == "ping");
    }
}

TEST_CASE("a vidgear receiver's frame sent back in the answer arrives with the reply") {
    std::atomic<bool> stop{false};
    FramePool pool;
    zmq::context_t context;
    zmq::socket_t peer(context, zmq::socket_type::rep);
    peer.set(zmq::sockopt::linger, 0);
    peer.bind("tcp://127.0.0.1:*");
    ChannelConfig config;
    config.pattern = Pattern::ReqRep;
    config.timeout = kTestTimeout;
    config.bidirectional = true;
    config.endpoint = Endpoint{Protocol::Tcp, "127.0.0.1",
                               portOf(peer.get(zmq::sockopt::last_endpoint)), false};
    FrameSender sender(config, stop);

    std::thread answerer([&peer] {
        std::vector<zmq::message_t> request;
        if (!zmq::recv_multipart(peer, std::back_inserter(request))) return;
        // {"return_type": "ndarray", "return_data": nil}, then the frame itself
        const std::string head = std::string("\x82\xab") + "return_type" + "\xa7" + "ndarray" +
                                 "\xab" + "return_data" + "\xc0";
        const FrameShape shape{2, 4, 3};
        const std::vector<std::uint8_t> pixels(shape.bytes(), 9);
        const wire::Bytes frame = wire::encodeNdarray(shape, pixels.data());
        peer.send(zmq::buffer(head), zmq::send_flags::sndmore);
        peer.send(zmq::buffer(frame), zmq::send_flags::none);
    });
    const auto reply = sender.send(makeFrame(pool, 0), wire::DataValue::none());
    answerer.join();
    REQUIRE(reply);
    CHECK(reply->kind == wire::Reply::Kind::Ndarray);
    CHECK(reply->data.kind == wire::DataValue::Kind::None);
    CHECK(reply->refusedFrame.empty());
    REQUIRE(!reply->frame.empty());
    CHECK(reply->frame.shape == FrameShape{2, 4, 3});
    CHECK(std::all_of(reply->frame.pixels, reply->frame.pixels + 24,
                      [](std::uint8_t p) { return p == 9; }));
}

TEST_CASE("frames sent back by the receiver arrive pixel-exact after the text") {
    for (Pattern pattern : {Pattern::Pair, Pattern::ReqRep}) {
        const std::string name = patternName(pattern);
        CAPTURE(name);
        std::atomic<bool> stop{false};
        FramePool pool;
        FramePool backPool;
        std::uint64_t calls = 0;
        const ChannelConfig config = receiverConfig(pattern, Protocol::Tcp, true);
        FrameReceiver receiver(config, stop, [&] {
            ReplyContent reply(wire::DataValue::fromText("back " + std::to_string(calls)));
            reply.frame = makeFrame(backPool, 100 + calls++);
            return reply;
        });
        FrameSender sender(senderConfig(config, receiver.endpoint()), stop);
        ReceiveThread thread(receiver);
        std::vector<wire::Reply> answers;
        for (int seq = 0; seq < 3; ++seq) {
            const auto reply = sender.send(makeFrame(pool, seq), wire::DataValue::none());
            REQUIRE(reply);
            if (reply->kind != wire::Reply::Kind::None) answers.push_back(*reply);
        }
        for (const wire::Reply& reply : sender.flush()) answers.push_back(reply);
        REQUIRE(answers.size() == 3);
        for (std::size_t i = 0; i < answers.size(); ++i) {
            CHECK(answers[i].kind == wire::Reply::Kind::Ndarray);
            CHECK(answers[i].data.text == "back " + std::to_string(i));
            CHECK(hasPixelsOf(answers[i].frame, 100 + i));
        }
        CHECK(sender.terminate());
        thread.join();
        CHECK(thread.error == "");
    }
}

TEST_CASE("a frame sent back over the sender's limit is refused by name, and the stream goes on") {
    std::atomic<bool> stop{false};
    FramePool pool;
    const ChannelConfig config = receiverConfig(Pattern::ReqRep, Protocol::Tcp, true);
    FrameReceiver receiver(config, stop, [&pool] {
        ReplyContent reply;
        reply.frame = makeFrame(pool, 7);
        return reply;
    });
    ChannelConfig senderSide = senderConfig(config, receiver.endpoint());
    senderSide.maxFrameBytes = kShape.bytes() - 1;
    FrameSender sender(senderSide, stop);
    ReceiveThread thread(receiver);
    for (int seq = 0; seq < 2; ++seq) {
        const auto reply = sender.send(makeFrame(pool, seq), wire::DataValue::none());
        REQUIRE(reply);
        CHECK(reply->kind == wire::Reply::Kind::Ndarray);
        CHECK(reply->frame.empty());
        CHECK(reply->refusedFrame.find("--max-frame-size") != std::string::npos);
    }
    CHECK(sender.terminate());
    thread.join();
    CHECK(thread.error == "");
}

TEST_CASE("a failing reply provider still answers the sender before its error goes on") {
    std::atomic<bool> stop{false};
    FramePool pool;
    const ChannelConfig config = receiverConfig(Pattern::ReqRep, Protocol::Tcp, true);
    FrameReceiver receiver(
        config, stop, []() -> wire::DataValue { throw std::runtime_error("stdin closed"); });
    FrameSender sender(senderConfig(config, receiver.endpoint()), stop);
    ReceiveThread thread(receiver);
    const auto reply = sender.send(makeFrame(pool, 0), wire::DataValue::none());
    REQUIRE(reply);
    CHECK(reply->kind == wire::Reply::Kind::Data);
    thread.join();
    CHECK(thread.error == "stdin closed");
}

TEST_CASE("a bidirectional mismatch is refused, naming the end where it is off") {
    for (Pattern pattern : {Pattern::Pair, Pattern::ReqRep}) {
        for (bool receiverOn : {false, true}) {
            const std::string name = patternName(pattern);
            CAPTURE(name);
            CAPTURE(receiverOn);
            std::atomic<bool> stop{false};
            FramePool pool;
            const ChannelConfig config = receiverConfig(pattern, Protocol::Tcp, receiverOn);
            FrameReceiver receiver(config, stop);
            ChannelConfig senderSide = senderConfig(config, receiver.endpoint());
            senderSide.bidirectional = !receiverOn;
            FrameSender sender(senderSide, stop);
            ReceiveThread thread(receiver);
            // The sender gets an answer, in the form it expects, saying why: it stops at once
            // rather than waiting out its timeout.
            auto reply = sender.send(makeFrame(pool, 0), wire::DataValue::none());
            REQUIRE(reply);
            if (reply->kind == wire::Reply::Kind::None) {  // PAIR sends ahead: read it now
                const std::vector<wire::Reply> due = sender.flush();
                REQUIRE(due.size() == 1);
                reply = due.front();
            }
            CHECK(reply->kind == (receiverOn ? wire::Reply::Kind::PlainAck
                                             : wire::Reply::Kind::Data));
            CHECK(reply->notice.refused.find(receiverOn ? "start ngsend with --bidirectional"
                                                        : "start ngrecv with --bidirectional") !=
                  std::string::npos);
            CHECK(!reply->notice.stop.empty());
            thread.join();
            CHECK(thread.error.find(receiverOn ? "off at the sender" : "off here") !=
                  std::string::npos);
        }
    }
}

TEST_CASE("a malformed message is reported as Invalid and still answered") {
    std::atomic<bool> stop{false};
    const ChannelConfig config = receiverConfig(Pattern::ReqRep, Protocol::Tcp);
    FrameReceiver receiver(config, stop);
    zmq::context_t context;
    zmq::socket_t requester(context, zmq::socket_type::req);
    requester.set(zmq::sockopt::linger, 0);
    requester.connect(receiver.endpoint());

    requester.send(zmq::str_buffer("not msgpack"), zmq::send_flags::none);
    auto event = receiver.receive(kTestTimeout);
    REQUIRE(event);
    CHECK(event->kind == Received::Kind::Invalid);
    CHECK(!event->error.empty());
    zmq::message_t answer;
    REQUIRE(requester.recv(answer));
    CHECK(answer.to_string() == plainAck(receiver.receiverId()));

    // A valid header alone: a frame message needs its pixel part too.
    const wire::Bytes header = wire::encodeFrameHeader(wire::Header{});
    requester.send(zmq::buffer(header), zmq::send_flags::none);
    event = receiver.receive(kTestTimeout);
    REQUIRE(event);
    CHECK(event->kind == Received::Kind::Invalid);
    CHECK(event->error.find("part") != std::string::npos);
    REQUIRE(requester.recv(answer));
}

TEST_CASE("a frame over the limit is refused with its reason in the answer") {
    // PAIR: the sender's send() returns before the answer, so one thread does both ends.
    {
        std::atomic<bool> stop{false};
        FramePool pool;
        ChannelConfig config = receiverConfig(Pattern::Pair, Protocol::Tcp);
        config.maxFrameBytes = kShape.bytes() - 1;
        FrameReceiver receiver(config, stop);
        ChannelConfig senderSide = senderConfig(config, receiver.endpoint());
        senderSide.maxFrameBytes = 1u << 20;
        FrameSender sender(senderSide, stop);
        REQUIRE(sender.send(makeFrame(pool, 7), wire::DataValue::none()));
        auto event = receiver.receive(kTestTimeout);
        REQUIRE(event);
        CHECK(event->kind == Received::Kind::TooLarge);
        CHECK(event->frame.seq == 7);  // accounted for, though refused
        CHECK(event->error.find("frame 7 is 8x6x3 (") != std::string::npos);
        CHECK(event->error.find("--max-frame-size 8x6x3 or more") != std::string::npos);
        const std::vector<wire::Reply> replies = sender.flush();
        REQUIRE(replies.size() == 1);
        CHECK(replies.front().kind == wire::Reply::Kind::PlainAck);
        CHECK(replies.front().notice.refused == event->error);
        CHECK(replies.front().notice.stop.empty());
    }
}

TEST_CASE("the answer to the last frame of --frames tells the sender the receiver stops") {
    std::atomic<bool> stop{false};
    FramePool pool;
    const ChannelConfig config = receiverConfig(Pattern::Pair, Protocol::Tcp, true);
    FrameReceiver receiver(config, stop);
    receiver.stopAfter(2);
    FrameSender sender(senderConfig(config, receiver.endpoint()), stop);
    for (std::uint64_t seq = 0; seq < 2; ++seq) {
        REQUIRE(sender.send(makeFrame(pool, seq), wire::DataValue::none()));
        auto event = receiver.receive(kTestTimeout);
        REQUIRE(event);
        CHECK(event->kind == Received::Kind::Frame);
    }
    const std::vector<wire::Reply> replies = sender.flush();
    REQUIRE(replies.size() == 2);
    CHECK(replies[0].notice.empty());
    CHECK(replies[1].kind == wire::Reply::Kind::Data);  // vidgear's reply map, and the key
    CHECK(replies[1].notice.stop == "it reached its --frames 2");
}

TEST_CASE("frames without headroom or owner are copied, with headroom sent zero-copy") {
    std::atomic<bool> stop{false};
    const ChannelConfig config = receiverConfig(Pattern::PushPull, Protocol::Tcp);
    FrameReceiver receiver(config, stop);
    ReceiveThread thread(receiver);
    std::atomic<int> released{0};
    const std::size_t prefixSize = wire::encodeNdarrayPrefix(kShape).size;
    std::uint8_t* zeroCopyBuffer = nullptr;
    {
        FrameSender sender(senderConfig(config, receiver.endpoint()), stop);

        Frame bare;  // headroom 0
        auto storage = std::make_shared<std::vector<std::uint8_t>>(kShape.bytes());
        fillPixels(storage->data(), 0);
        bare.shape = kShape;
        bare.pixels = storage->data();
        bare.seq = 0;
        bare.owner = storage;
        REQUIRE(sender.send(bare, wire::DataValue::none()));

        Frame unowned;  // headroom but no owner to keep the buffer alive: must be copied
        std::vector<std::uint8_t> local(kWireHeadroom + kShape.bytes(), 0);
        fillPixels(local.data() + kWireHeadroom, 1);
        unowned.shape = kShape;
        unowned.pixels = local.data() + kWireHeadroom;
        unowned.headroom = kWireHeadroom;
        unowned.seq = 1;
        REQUIRE(sender.send(unowned, wire::DataValue::none()));
        CHECK(local[kWireHeadroom - prefixSize] == 0);  // untouched: the copy path

        Frame owned;  // the zero-copy path: the prefix goes into the headroom
        zeroCopyBuffer = new std::uint8_t[kWireHeadroom + kShape.bytes()];
        fillPixels(zeroCopyBuffer + kWireHeadroom, 2);
        owned.shape = kShape;
        owned.pixels = zeroCopyBuffer + kWireHeadroom;
        owned.headroom = kWireHeadroom;
        owned.seq = 2;
        owned.owner =
            std::shared_ptr<std::uint8_t>(zeroCopyBuffer, [&released](std::uint8_t* p) {
                delete[] p;
                ++released;
            });
        REQUIRE(sender.send(owned, wire::DataValue::none()));
        CHECK(zeroCopyBuffer[kWireHeadroom - prefixSize] == 0x85);  // a 5-entry fixmap
        owned = Frame{};
        CHECK(!sender.terminate());  // PUSH: nothing answers
    }
    thread.join();
    CHECK(thread.error == "");
    REQUIRE(thread.events.size() == 4);
    for (std::uint64_t seq = 0; seq < 3; ++seq)
        CHECK(hasPixelsOf(thread.events[seq].frame, seq));
    CHECK(released == 1);  // libzmq gave the zero-copy buffer back
}

TEST_CASE("PUSH delivers every queued frame although the sender closes right after terminate") {
    // The reference closed with LINGER 0 here and lost the tail of the stream.
    constexpr int kMany = 150;
    const FrameShape big{240, 320, 3};
    std::atomic<bool> stop{false};
    const ChannelConfig config = receiverConfig(Pattern::PushPull, Protocol::Tcp);
    FrameReceiver receiver(config, stop);
    std::atomic<bool> started{false};
    int frames = 0;
    bool ended = false;
    std::thread slowReader([&] {
        // Start late and read slowly, so frames are still queued when the sender closes.
        while (!started) std::this_thread::sleep_for(1ms);
        std::this_thread::sleep_for(100ms);
        while (auto event = receiver.receive(2s)) {
            if (event->kind == Received::Kind::Terminate) {
                ended = true;
                break;
            }
            if (event->kind == Received::Kind::Frame &&
                event->frame.seq == std::uint64_t(frames)) {
                ++frames;
            }
            if (frames % 10 == 0) std::this_thread::sleep_for(1ms);
        }
    });
    {
        FramePool pool;
        FrameSender sender(senderConfig(config, receiver.endpoint()), stop);
        started = true;
        for (int seq = 0; seq < kMany; ++seq) {
            std::uint8_t* pixels = nullptr;
            Frame frame = pool.acquire(big, pixels);
            std::fill(pixels, pixels + big.bytes(), static_cast<std::uint8_t>(seq));
            frame.seq = seq;
            REQUIRE(sender.send(frame, wire::DataValue::none()));
        }
        sender.terminate();
    }
    slowReader.join();
    CHECK(frames == kMany);
    CHECK(ended);
}

// A receiver that takes frames and never answers them, then dies: what a killed ngrecv
// looks like from the sender. Bound where `config` says; closes when destroyed.
class SilentReceiver {
public:
    SilentReceiver(const ChannelConfig& config, zmq::socket_type type)
        : socket_(context_, type) {
        socket_.set(zmq::sockopt::linger, 0);
        socket_.bind(config.endpoint.url());
    }
    // Reads one whole message; false when none came within `wait`.
    bool takeMessage(Millis wait) { return !takeParts(wait).empty(); }
    // Reads one whole message; its parts, none when none came within `wait`.
    std::vector<zmq::message_t> takeParts(Millis wait) {
        socket_.set(zmq::sockopt::rcvtimeo, static_cast<int>(wait.count()));
        std::vector<zmq::message_t> parts;
        if (!zmq::recv_multipart(socket_, std::back_inserter(parts))) parts.clear();
        return parts;
    }

private:
    zmq::context_t context_;
    zmq::socket_t socket_;
};

// Runs the rest of the stream into a real receiver that took over the endpoint; returns
// the sequence numbers it received. `pending`, a send waiting for an answer that only the
// new receiver can give, is joined once that receiver is up.
std::vector<std::uint64_t> finishWithNewReceiver(FrameSender& sender, const ChannelConfig& bound,
                                                 FramePool& pool, std::uint64_t firstSeq,
                                                 std::uint64_t endSeq,
                                                 std::thread* pending = nullptr) {
    std::atomic<bool> stop{false};
    FrameReceiver receiver(bound, stop);
    ReceiveThread thread(receiver);
    if (pending) pending->join();
    for (std::uint64_t seq = firstSeq; seq < endSeq; ++seq) {
        REQUIRE(sender.send(makeFrame(pool, seq), wire::DataValue::none()));
    }
    sender.flush();
    const auto ack = sender.terminate();
    thread.join();
    REQUIRE(ack);
    CHECK(*ack == "Client-`" + receiver.receiverId() + "` successfully terminated!");
    std::vector<std::uint64_t> seqs;
    for (const Received& event : thread.events) {
        if (event.kind == Received::Kind::Frame) seqs.push_back(event.frame.seq);
    }
    return seqs;
}

std::vector<std::uint64_t> seqsFrom(std::uint64_t first, std::uint64_t end) {
    std::vector<std::uint64_t> seqs;
    for (std::uint64_t seq = first; seq < end; ++seq) seqs.push_back(seq);
    return seqs;
}

TEST_CASE("a PAIR sender sends its unanswered frames again to the receiver that takes over") {
    std::atomic<bool> stop{false};
    FramePool pool;
    ChannelConfig bound = receiverConfig(Pattern::Pair, Protocol::Tcp);
    bound.endpoint.port = portOf(FrameReceiver(bound, stop).endpoint());  // a free port
    ChannelConfig config = senderConfig(bound, bound.endpoint.url());
    config.timeout = 10s;  // only the new receiver's answers end the wait
    FrameSender sender(config, stop);
    // Frames 0-2 go out ahead of their answers; sending frame 3 waits for frame 0's.
    for (std::uint64_t seq = 0; seq < 3; ++seq) {
        REQUIRE(sender.send(makeFrame(pool, seq), wire::DataValue::none()));
    }
    std::optional<wire::Reply> reply;
    std::thread sending;
    {
        SilentReceiver dying(bound, zmq::socket_type::pair);
        for (int i = 0; i < 3; ++i) CHECK(dying.takeMessage(kTestTimeout));
        sending = std::thread([&] { reply = sender.send(makeFrame(pool, 3), wire::DataValue::none()); });
        CHECK(dying.takeMessage(kTestTimeout));
    }
    // The 4 frames in flight are not given up: the next receiver gets them, once each.
    const std::vector<std::uint64_t> seqs =
        finishWithNewReceiver(sender, bound, pool, 4, 20, &sending);
    REQUIRE(reply);
    CHECK(sender.unansweredFrames() == 0);
    CHECK(sender.framesSentAgain() == 4);
    CHECK(seqs == seqsFrom(0, 20));
}

TEST_CASE("a REQ sender sends the same request again when its receiver dies (lazy pirate)") {
    std::atomic<bool> stop{false};
    FramePool pool;
    ChannelConfig bound = receiverConfig(Pattern::ReqRep, Protocol::Tcp);
    bound.endpoint.port = portOf(FrameReceiver(bound, stop).endpoint());
    ChannelConfig config = senderConfig(bound, bound.endpoint.url());
    config.timeout = 10s;
    FrameSender sender(config, stop);
    std::optional<wire::Reply> reply;
    std::thread sending([&] { reply = sender.send(makeFrame(pool, 0), wire::DataValue::none()); });
    {
        // The receiver takes the request and dies before replying.
        SilentReceiver dying(bound, zmq::socket_type::rep);
        CHECK(dying.takeMessage(kTestTimeout));
    }
    // Frame 0 is not given up: the receiver that takes over gets it, then the rest.
    const std::vector<std::uint64_t> seqs =
        finishWithNewReceiver(sender, bound, pool, 1, 10, &sending);
    REQUIRE(reply);
    CHECK(sender.unansweredFrames() == 0);
    CHECK(sender.framesSentAgain() == 1);
    CHECK(seqs == seqsFrom(0, 10));
}

TEST_CASE("a REQ sender sends the same request again after the retry interval, until --timeout") {
    // The receiver stays connected but never replies (hung): each retry interval the
    // request goes out again on a new socket, and only the --timeout ends the wait.
    std::atomic<bool> stop{false};
    FramePool pool;
    ChannelConfig bound = receiverConfig(Pattern::ReqRep, Protocol::Tcp);
    bound.endpoint.port = portOf(FrameReceiver(bound, stop).endpoint());
    ChannelConfig config = senderConfig(bound, bound.endpoint.url());
    config.timeout = 4s;  // past one retry interval, short of two
    FrameSender sender(config, stop);
    SilentReceiver hung(bound, zmq::socket_type::router);  // takes requests, never replies
    const auto start = std::chrono::steady_clock::now();
    std::thread sending([&] {
        CHECK_THROWS_AS(sender.send(makeFrame(pool, 0), wire::DataValue::none()), TimeoutError);
    });
    // A ROUTER gets the connection's name and the REQ socket's request id (both new for the
    // reopened socket) before the empty delimiter; after it, the request, byte for byte.
    std::vector<zmq::message_t> first = hung.takeParts(kTestTimeout);
    std::vector<zmq::message_t> again = hung.takeParts(4000ms);
    const Millis resentAfter = elapsedSince(start);
    sending.join();
    const Millis waited = elapsedSince(start);
    REQUIRE(again.size() == first.size());
    const auto delimiter = std::find_if(first.begin(), first.end(),
                                        [](const zmq::message_t& part) { return part.size() == 0; });
    REQUIRE(delimiter != first.end());
    const auto request = static_cast<std::size_t>(delimiter - first.begin()) + 1;
    REQUIRE(request < first.size());
    for (std::size_t i = request; i < first.size(); ++i) CHECK(again[i] == first[i]);
    CHECK(resentAfter >= 2000ms);
    CHECK(sender.framesSentAgain() == 1);
    CHECK(waited >= 3500ms);
    CHECK(waited < 6000ms);
}

TEST_CASE("a sender with no receiver times out within its timeout") {
    for (Pattern pattern : {Pattern::Pair, Pattern::ReqRep, Pattern::PushPull}) {
        const std::string name = patternName(pattern);
        CAPTURE(name);
        std::atomic<bool> stop{false};
        FramePool pool;
        ChannelConfig config;
        config.pattern = pattern;
        config.timeout = 300ms;
        config.endpoint = Endpoint{Protocol::Ipc, uniqueIpcPath(), 0, false};
        FrameSender sender(config, stop);
        // PUSH queues a few frames for a receiver that may still come; the send after that
        // waits. PAIR and REQ/REP wait for the first frame's answer.
        std::string message;
        auto start = std::chrono::steady_clock::now();
        for (std::uint64_t seq = 0; seq < 20 && message.empty(); ++seq) {
            start = std::chrono::steady_clock::now();
            try {
                sender.send(makeFrame(pool, seq), wire::DataValue::none());
            } catch (const TimeoutError& e) {
                message = e.what();
            }
        }
        const Millis elapsed = elapsedSince(start);
        CHECK(message.find(config.endpoint.url()) != std::string::npos);
        CHECK(message.find("0.3 s") != std::string::npos);
        CHECK(elapsed >= 250ms);
        CHECK(elapsed < 1500ms);
    }
}

TEST_CASE("raising the stop flag ends waits at once") {
    std::atomic<bool> stop{false};
    const ChannelConfig config = receiverConfig(Pattern::PushPull, Protocol::Tcp);
    FrameReceiver receiver(config, stop);
    std::thread raiser([&stop] {
        std::this_thread::sleep_for(100ms);
        stop = true;
    });
    auto start = std::chrono::steady_clock::now();
    CHECK(!receiver.receive(10s));
    CHECK(elapsedSince(start) < 1s);
    raiser.join();

    // A sender waiting forever (timeout 0) for a receiver that never comes.
    stop = false;
    ChannelConfig lonely;
    lonely.pattern = Pattern::PushPull;
    lonely.timeout = Millis{0};
    lonely.endpoint = Endpoint{Protocol::Ipc, uniqueIpcPath(), 0, false};
    FramePool pool;
    FrameSender sender(lonely, stop);
    raiser = std::thread([&stop] {
        std::this_thread::sleep_for(100ms);
        stop = true;
    });
    start = std::chrono::steady_clock::now();
    std::uint64_t queued = 0;  // PUSH takes a few frames before it has to wait
    while (sender.send(makeFrame(pool, queued), wire::DataValue::none())) ++queued;
    CHECK(queued <= 10);
    raiser.join();
    CHECK(!sender.terminate());  // after a stop, bounded by the grace period
    CHECK(elapsedSince(start) < 2500ms);
}

TEST_CASE("binding a port in use names the endpoint and the fix") {
    std::atomic<bool> stop{false};
    const ChannelConfig first = receiverConfig(Pattern::PushPull, Protocol::Tcp);
    FrameReceiver holder(first, stop);
    ChannelConfig second = first;
    second.endpoint.port = portOf(holder.endpoint());
    std::string message;
    try {
        FrameReceiver clash(second, stop);
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    CHECK(message.find("cannot bind " + second.endpoint.url()) != std::string::npos);
    CHECK(message.find("--port") != std::string::npos);
}

TEST_CASE("ipc paths: a live one is refused, a file is never deleted, ours is removed") {
    std::atomic<bool> stop{false};
    const ChannelConfig config = receiverConfig(Pattern::PushPull, Protocol::Ipc);
    const std::string path = config.endpoint.address;
    {
        FrameReceiver holder(config, stop);
        std::string message;
        try {
            FrameReceiver clash(config, stop);
        } catch (const std::runtime_error& e) {
            message = e.what();
        }
        CHECK(message.find("cannot bind ipc://" + path) != std::string::npos);
        CHECK(message.find("already in use") != std::string::npos);
        CHECK(::access(path.c_str(), F_OK) == 0);  // the holder's socket file is still there
    }
    CHECK(::access(path.c_str(), F_OK) != 0);  // removed once the holder closed

    const std::string file = uniqueIpcPath();
    { std::ofstream(file) << "not a socket"; }
    ChannelConfig onFile = config;
    onFile.endpoint.address = file;
    CHECK_THROWS_AS(FrameReceiver(onFile, stop), std::runtime_error);
    std::string content;
    std::getline(std::ifstream(file), content);
    CHECK(content == "not a socket");
    ::unlink(file.c_str());
}

}  // TEST_SUITE
