// FrameSender: sends frames zero-copy, waits for NetGear_Async's per-frame answers, ends streams.
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <thread>

#include "core/errors.hpp"
#include "transport/channel.hpp"
#include "transport/ipc_path.hpp"
#include "transport/peer_monitor.hpp"
#include "transport/queued_bytes.hpp"
#include "transport/zmq_socket.hpp"

namespace ng::transport {

using detail::Deadline;
using detail::WaitResult;

namespace {

// After a stop request (the first Ctrl-C asks for a clean end) the end-of-stream message
// is still worth delivering, but only for this long: the user is waiting.
constexpr Millis kStopGrace{1000};

// PUB/SUB: how often, and how far apart, the end-of-stream message is published.
constexpr int kPubTerminateCopies = 3;
constexpr Millis kPubTerminateGap{50};
// PUSH and PAIR: frames in flight, held by libzmq (PUSH, see QueuedBytes) or awaiting
// their answers (PAIR, see answerWindow()), at most kFramesInFlight. The fewer buffers take
// turns, the likelier the kernel finds the one it copies still in the CPU's last-level
// cache (32 MB here, shared with the receiver and other tenants). VGA PUSH/PULL with 4
// frames queued instead of 17, median ratio to the ceiling over 14 to 16 interleaved pairs:
// ipc 0.85 -> 0.90 and 0.87 -> 0.99, tcp 1.07 -> 1.17.
constexpr std::size_t kFramesInFlight = 4;
// PAIR's answer window: within 16 MB, so 4 frames at VGA and 720p, 2 at 1080p. One would
// be lockstep, a round trip per frame (1080p ipc: 0.77 of the window of 2).
constexpr std::size_t kUnansweredFrameBytes = std::size_t{16} << 20;
// PUSH's frames queued in libzmq: within 6 MB, so 4 at VGA, 2 at 720p and 1 at 1080p (VGA
// with 2 lost 8% over ipc, with 1 27%). See awaitRoom() for when the next frame is captured.
constexpr std::size_t kPushQueuedBytes = std::size_t{6} << 20;
// Long enough for the last frame and the end-of-stream copies to reach a subscriber.
constexpr Millis kPubLinger{1000};
// While an answer is late, how often the connection events are read, to learn that the
// receiver went away.
constexpr Millis kPeerCheckInterval{100};
// REQ/REP's lazy-pirate retry: with no reply this long, the REQ socket is reopened and the
// stream goes on. Short of the default --timeout, so a receiver that vanished without
// closing its connection (a host that lost power) costs seconds, not the whole timeout.
constexpr Millis kReplyRetryInterval{2500};

// Called by libzmq, on its I/O thread, when a zero-copy message no longer needs the
// frame's buffer: drops the reference that kept the buffer alive until then.
void releaseOwner(void* /*data*/, void* hint) {
    delete static_cast<std::shared_ptr<const void>*>(hint);
}

// The time ending a stream may take: the timeout, cut to kStopGrace by a stop request.
// Ending cleanly is worth a moment even after the first Ctrl-C, but the user is waiting.
class EndingBudget {
public:
    EndingBudget(Millis timeout, const std::atomic<bool>& stop)
        : deadline_(Deadline::forTimeout(timeout)), stop_(&stop) {}

    // Runs `operation(deadline, stopFlag)`, a stop-aware wait, within the budget.
    template <typename Operation>
    WaitResult wait(Operation operation) {
        for (;;) {
            const WaitResult result = operation(deadline_, stop_);
            if (result != WaitResult::Stopped) return result;
            deadline_ = deadline_.earliest(Deadline::after(kStopGrace));
            stop_ = nullptr;
        }
    }

private:
    Deadline deadline_;
    const std::atomic<bool>* stop_;
};

zmq::message_t messageOf(const wire::Bytes& bytes) {
    return zmq::message_t(bytes.data(), bytes.size());
}

// Part 2 of a frame message: the ndarray prefix directly followed by the pixels, or by
// the JPEG stream of a compressed frame (a 1-D byte array). `queued`, when given, counts
// the zero-copy part until libzmq is done with it.
zmq::message_t pixelPart(const Frame& frame, detail::QueuedBytes* queued) {
    const wire::NdarrayPrefix prefix = frame.codec == Codec::Raw
                                           ? wire::encodeNdarrayPrefix(frame.shape)
                                           : wire::encodeByteArrayPrefix(frame.codedBytes);
    const std::size_t pixelBytes = frame.payloadBytes();
    // Without an owner nothing would keep the pixels alive once send() returns, so the
    // zero-copy path needs one as much as it needs the headroom.
    if (frame.owner && frame.headroom >= prefix.size) {
        // Frame::headroom promises these bytes are writable and this frame's own, reserved
        // for this prefix, so casting the const away is sound. Copies of the frame share
        // the buffer, and every send of it writes the same bytes there.
        auto* start = const_cast<std::uint8_t*>(frame.pixels) - prefix.size;
        std::memcpy(start, prefix.bytes.data(), prefix.size);
        const std::size_t size = prefix.size + pixelBytes;
        if (queued) {
            return zmq::message_t(start, size, detail::QueuedBytes::release,
                                  queued->hold(frame.owner, size));
        }
        auto keepAlive = std::make_unique<std::shared_ptr<const void>>(frame.owner);
        zmq::message_t part(start, size, releaseOwner, keepAlive.get());
        static_cast<void>(keepAlive.release());  // the message owns it now
        return part;
    }
    zmq::message_t part(prefix.size + pixelBytes);
    auto* out = static_cast<std::uint8_t*>(part.data());
    std::memcpy(out, prefix.bytes.data(), prefix.size);
    if (pixelBytes != 0) std::memcpy(out + prefix.size, frame.pixels, pixelBytes);
    return part;
}

}  // namespace

struct FrameSender::Impl {
    Impl(const ChannelConfig& cfg, const std::atomic<bool>& stopFlag)
        : config(cfg),
          stop(stopFlag),
          socket(detail::openSocket(context, config, detail::Role::Sender)),
          endpoint(detail::actualEndpoint(socket, config.endpoint)) {
        ipcFile.arm(config.endpoint);
        if (answersEachFrame(config.pattern)) {
            monitor = std::make_unique<detail::PeerMonitor>(context, socket);
        }
        if (config.pattern == Pattern::PushPull) {
            queuedBytes = std::make_unique<detail::QueuedBytes>(kPushQueuedBytes, kFramesInFlight);
        }
    }

    // How one wait for an answer ended.
    enum class AnswerOutcome {
        Answered,
        Stopped,       // a stop request cut the wait short
        ReceiverGone,  // its connection closed: the answers outstanding will never come
        NoReply,       // REQ/REP: no reply within kReplyRetryInterval
    };
    struct AnswerWait {
        AnswerOutcome outcome;
        wire::Reply reply;  // Answered only
    };

    std::optional<wire::Reply> send(const Frame& frame, const wire::DataValue& data);
    bool awaitRoom();
    std::optional<std::string> terminate();

    std::vector<zmq::message_t> frameMessage(const Frame& frame, const wire::DataValue& data) const;
    AnswerWait awaitAnswer(std::uint64_t seq);
    [[noreturn]] void throwNoAnswer(std::uint64_t seq) const;
    [[noreturn]] void throwNotTaken() const;
    std::size_t answerWindow(std::size_t frameBytes) const;
    std::optional<wire::Reply> awaitOldestAnswer();
    void giveUpOnUnanswered(AnswerOutcome why);
    void reopenSocket();
    std::vector<wire::Reply> flush();
    wire::Reply decodeAnswer(const std::vector<zmq::message_t>& answer) const;
    bool awaitSubscriber();
    void publishTerminate();
    std::optional<std::string> awaitTerminateAck(EndingBudget& budget);
    Millis flushLinger() const;

    ChannelConfig config;
    const std::atomic<bool>& stop;
    // Destruction runs upwards: the monitor and the socket close, the context ends (closing
    // the listener), and only then can the ipc socket file go.
    detail::IpcFileRemover ipcFile;
    zmq::context_t context;
    zmq::socket_t socket;
    std::unique_ptr<detail::PeerMonitor> monitor;  // patterns that answer each frame
    std::string endpoint;
    bool terminated = false;
    bool subscribed = false;  // PUB/SUB: a subscriber has joined
    // Sequence numbers of frames sent whose answers are still to be read, oldest first.
    std::deque<std::uint64_t> unanswered;
    // The receiver's connection closed; answers it sent before still count.
    bool receiverGone = false;
    // Since when no answer has come despite a recovery: --timeout runs from here, so
    // recovering again and again never waits past it.
    std::optional<SteadyClock::time_point> unansweredSince;
    std::uint64_t unansweredFrames = 0;
    // PUSH only: frames queued in libzmq, bounded by kPushQueuedBytes and kFramesInFlight.
    std::unique_ptr<detail::QueuedBytes> queuedBytes;
    std::size_t lastFrameBytes = 0;  // what awaitRoom() makes room for
};

std::optional<wire::Reply> FrameSender::Impl::send(const Frame& frame,
                                                   const wire::DataValue& data) {
    if (terminated) throw std::logic_error("FrameSender::send() after terminate()");
    if (frame.empty()) throw std::logic_error("FrameSender::send() of a frame without pixels");

    if (config.pattern == Pattern::PubSub && !subscribed) {
        if (!awaitSubscriber()) return std::nullopt;
        subscribed = true;
    }
    const Deadline deadline = Deadline::forTimeout(config.timeout);
    WaitResult outcome = WaitResult::Ready;
    lastFrameBytes = frame.payloadBytes();
    if (queuedBytes) outcome = queuedBytes->waitForRoom(lastFrameBytes, deadline, &stop);
    std::vector<zmq::message_t> message;
    if (outcome == WaitResult::Ready) {
        message = frameMessage(frame, data);
        outcome = detail::sendMessage(socket, message, deadline, &stop);
    }
    switch (outcome) {
        case WaitResult::Stopped:
            return std::nullopt;
        case WaitResult::Expired:
            throwNotTaken();
        case WaitResult::Ready:
            break;
    }
    if (!answersEachFrame(config.pattern)) return wire::Reply{};
    unanswered.push_back(frame.seq);
    if (unanswered.size() < answerWindow(frame.payloadBytes())) return wire::Reply{};
    // The frame went out; a stop may only cut short the wait for an older frame's answer.
    return awaitOldestAnswer().value_or(wire::Reply{});
}

// When libzmq may hold two frames or more, the next one is captured only once there is room
// for it, into the buffer libzmq just let go, so the frames queued are all the buffers in
// turn; when it may hold one, capturing first keeps the capture and the send overlapping.
// Against capturing first, median ratio of adjacent runs over 14 to 24 pairs: VGA ipc
// +10.5% and +5%, 720p ipc +1.7%, +6% and +11%; at 1080p waiting for two queued frames
// instead lost 14% and 7%.
bool FrameSender::Impl::awaitRoom() {
    if (!queuedBytes || lastFrameBytes == 0) return true;
    if (queuedBytes->framesThatFit(lastFrameBytes) < 2) return true;
    const WaitResult outcome = queuedBytes->waitForRoom(
        lastFrameBytes, Deadline::forTimeout(config.timeout), &stop);
    if (outcome == WaitResult::Expired) throwNotTaken();
    return outcome == WaitResult::Ready;
}

void FrameSender::Impl::throwNotTaken() const {
    throw TimeoutError(fmt::format(
        "no receiver at {} took a frame within {}: is ngrecv running there with the same "
        "--pattern ({})?",
        endpoint, detail::formatSeconds(config.timeout), static_cast<int>(config.pattern)));
}

// PAIR carries answers on the same socket as frames, so the sender can keep a few frames
// in flight and read their answers in order, instead of paying a round trip per frame
// (the receiver, ours or vidgear's, answers each frame as it takes it). A REQ socket must
// alternate send and receive, so REQ/REP stays in lockstep. Large frames get a smaller
// window: two 1080p frames in flight keep the sender's buffers in cache, where four did not
// (peak RSS 43 -> 31 MB, sender CPU per frame about 4% lower).
std::size_t FrameSender::Impl::answerWindow(std::size_t frameBytes) const {
    if (config.pattern != Pattern::Pair) return 1;
    return detail::framesWithin(kUnansweredFrameBytes, frameBytes, kFramesInFlight);
}

std::optional<wire::Reply> FrameSender::Impl::awaitOldestAnswer() {
    AnswerWait wait = awaitAnswer(unanswered.front());
    switch (wait.outcome) {
        case AnswerOutcome::Answered:
            unanswered.pop_front();
            return std::move(wait.reply);
        case AnswerOutcome::Stopped:
            return std::nullopt;
        case AnswerOutcome::ReceiverGone:
        case AnswerOutcome::NoReply:
            giveUpOnUnanswered(wait.outcome);
            return wire::Reply{};
    }
    throw std::logic_error("unknown answer outcome");
}

std::vector<wire::Reply> FrameSender::Impl::flush() {
    std::vector<wire::Reply> replies;
    while (!unanswered.empty()) {
        std::optional<wire::Reply> reply = awaitOldestAnswer();
        if (!reply) break;  // stopped
        replies.push_back(std::move(*reply));
    }
    return replies;
}

// The receiver went away (killed, restarted) or stopped replying: the stream goes on
// without the answers still due, so a receiver started again gets the next frames. PAIR
// reconnects by itself and keeps frames sent meanwhile for the next receiver; REQ/REP
// takes the lazy-pirate way and reopens its socket, since a REQ socket may hold a request
// nobody will ever answer (that frame is lost).
void FrameSender::Impl::giveUpOnUnanswered(AnswerOutcome why) {
    if (!unansweredSince) unansweredSince = SteadyClock::now();
    unansweredFrames += unanswered.size();
    const std::string frames =
        unanswered.size() == 1
            ? fmt::format("frame {}", unanswered.front())
            : fmt::format("frames {}-{}", unanswered.front(), unanswered.back());
    unanswered.clear();
    receiverGone = false;

    const std::string cause = why == AnswerOutcome::ReceiverGone
                                  ? "went away"
                                  : fmt::format("gave no reply within {}",
                                                detail::formatSeconds(kReplyRetryInterval));
    const std::string waitLimit =
        config.timeout.count() == 0
            ? std::string("as long as it takes (--timeout 0)")
            : fmt::format("up to {}", detail::formatSeconds(config.timeout));
    if (config.pattern == Pattern::ReqRep && !config.endpoint.bind) {
        reopenSocket();
        spdlog::warn("the receiver at {} {}: {} lost; reopened the REQ socket and going on, "
                     "waiting {} for a receiver",
                     endpoint, cause, frames, waitLimit);
    } else {
        spdlog::warn("the receiver at {} {}: {} unanswered (lost with it, or kept for the next "
                     "receiver); going on, waiting {} for a receiver",
                     endpoint, cause, frames, waitLimit);
    }
}

void FrameSender::Impl::reopenSocket() {
    monitor.reset();
    socket.close();
    socket = detail::openSocket(context, config, detail::Role::Sender);
    monitor = std::make_unique<detail::PeerMonitor>(context, socket);
}

std::vector<zmq::message_t> FrameSender::Impl::frameMessage(const Frame& frame,
                                                            const wire::DataValue& data) const {
    wire::Header header;
    header.biMode = config.bidirectional;
    header.data = data;
    header.seq = frame.seq;
    header.captureTimeUs = frame.captureTimeUs;
    header.codec = frame.codec;
    if (frame.nominalFps > 0) header.nominalFps = frame.nominalFps;
    std::vector<zmq::message_t> message;
    message.push_back(messageOf(wire::encodeFrameHeader(header)));
    message.push_back(pixelPart(frame, queuedBytes.get()));
    return message;
}

FrameSender::Impl::AnswerWait FrameSender::Impl::awaitAnswer(std::uint64_t seq) {
    const Deadline giveUp =
        config.timeout.count() == 0
            ? Deadline::never()
            : Deadline::at(unansweredSince.value_or(SteadyClock::now()) + config.timeout);
    const Deadline retry = config.pattern == Pattern::ReqRep
                               ? Deadline::after(kReplyRetryInterval)
                               : Deadline::never();
    std::vector<zmq::message_t> answer;
    for (;;) {
        // Once the receiver is known gone, only answers already here are taken.
        const Deadline slice = receiverGone ? Deadline::after(Millis{0})
                                            : giveUp.earliest(retry).earliest(
                                                  Deadline::after(kPeerCheckInterval));
        switch (detail::receiveMessage(socket, answer, slice, &stop)) {
            case WaitResult::Stopped:
                return {AnswerOutcome::Stopped, {}};
            case WaitResult::Ready:
                unansweredSince.reset();
                return {AnswerOutcome::Answered, decodeAnswer(answer)};
            case WaitResult::Expired:
                break;
        }
        if (receiverGone) return {AnswerOutcome::ReceiverGone, {}};
        // A REQ request sent after a receiver came back is with that receiver: only the
        // retry interval gives up on it. PAIR cannot tell which answers a lost connection
        // took with it, so any loss resets the frames in flight.
        if (monitor->peerLost() &&
            (config.pattern != Pattern::ReqRep || monitor->connectedPeers() == 0)) {
            receiverGone = true;  // go round once more for answers sent before it went
            continue;
        }
        if (giveUp.passed()) throwNoAnswer(seq);
        if (retry.passed()) return {AnswerOutcome::NoReply, {}};
    }
}

void FrameSender::Impl::throwNoAnswer(std::uint64_t seq) const {
    if (monitor->connectedPeers() == 0) {
        throw TimeoutError(fmt::format(
            "no receiver answered at {} within {}: none is connected (is ngrecv running there "
            "with the same --pattern ({}) and --protocol? --timeout 0 waits forever)",
            endpoint, detail::formatSeconds(config.timeout), static_cast<int>(config.pattern)));
    }
    throw TimeoutError(fmt::format(
        "the receiver at {} did not answer frame {} within {}: is it stalled, or is it not "
        "ngrecv/NetGear_Async with --pattern {}?",
        endpoint, seq, detail::formatSeconds(config.timeout), static_cast<int>(config.pattern)));
}

wire::Reply FrameSender::Impl::decodeAnswer(const std::vector<zmq::message_t>& answer) const {
    wire::Reply reply = wire::decodeReply(detail::viewOf(answer.front()));
    if (reply.kind != wire::Reply::Kind::Ndarray) return reply;

    if (answer.size() != 2) {
        throw ProtocolError(fmt::format(
            "the receiver answered with a frame in {} part(s) instead of 2", answer.size()));
    }
    // Reply carries no pixels: validate the frame and say what it was.
    const wire::NdarrayView ndarray =
        wire::decodeNdarray(detail::viewOf(answer[1]), config.maxFrameBytes);
    const FrameShape& s = ndarray.shape;
    reply.data.kind = wire::DataValue::Kind::Other;
    reply.data.pythonType = "ndarray";
    // Shaped as on the wire: grayscale is HxW.
    reply.data.text = s.channels == 1
                          ? fmt::format("<ndarray {}x{}>", s.height, s.width)
                          : fmt::format("<ndarray {}x{}x{}>", s.height, s.width, s.channels);
    return reply;
}

// Closing waits this long for queued frames to reach the receiver. The reference closed
// with 0 here and lost the tail of every PUSH stream.
Millis FrameSender::Impl::flushLinger() const {
    if (stop) return kStopGrace;
    return config.timeout.count() == 0 ? Millis{-1} : config.timeout;
}

std::optional<std::string> FrameSender::Impl::terminate() {
    if (terminated) return std::nullopt;
    terminated = true;

    if (config.pattern == Pattern::PubSub) {
        publishTerminate();
        // A subscriber leaves at the first copy; the copies it never read would otherwise
        // hold the close for the whole linger, waiting for a reconnect that never comes.
        const Millis linger = flushLinger();
        detail::setLinger(socket, linger.count() < 0 ? kPubLinger : std::min(linger, kPubLinger));
        return std::nullopt;
    }

    EndingBudget budget(config.timeout, stop);
    std::vector<zmq::message_t> message;
    message.push_back(messageOf(wire::encodeTerminate()));
    const WaitResult sent = budget.wait([&](const Deadline& d, const std::atomic<bool>* s) {
        return detail::sendMessage(socket, message, d, s);
    });
    if (sent != WaitResult::Ready) {
        // Nobody takes messages, so there is nothing to flush: the linger stays 0.
        spdlog::warn(
            "no receiver at {} took the end-of-stream message; it stops at its own "
            "timeout",
            endpoint);
        return std::nullopt;
    }
    detail::setLinger(socket, flushLinger());
    if (!answersEachFrame(config.pattern)) return std::nullopt;
    std::optional<std::string> ack = awaitTerminateAck(budget);
    if (ack || stop) return ack;
    if (unansweredSince) {
        // The receiver went away and none answered since: the end of the stream, and any
        // frames sent meanwhile, reached nobody.
        throw TimeoutError(fmt::format(
            "the receiver at {} went away and no receiver answered since: the end of the stream "
            "reached nobody (was ngrecv stopped, or did it refuse the stream, e.g. "
            "--bidirectional on one end only?)",
            endpoint));
    }
    // The stream has ended whatever happens here, so a missing acknowledgement is only
    // worth a warning.
    spdlog::warn("the receiver at {} did not acknowledge the end of the stream", endpoint);
    return std::nullopt;
}

// A publisher drops whatever it sends before a subscription reaches it (ZeroMQ's "slow
// joiner"), which lost whole short streams. So the first frame waits for one subscriber,
// within the timeout. False when a stop request ended the wait.
bool FrameSender::Impl::awaitSubscriber() {
    std::vector<zmq::message_t> subscription;
    switch (detail::receiveMessage(socket, subscription, Deadline::forTimeout(config.timeout),
                                   &stop)) {
        case WaitResult::Stopped:
            return false;
        case WaitResult::Expired:
            throw TimeoutError(fmt::format(
                "no subscriber joined {} within {}: is ngrecv --pattern 2 running there?",
                endpoint, detail::formatSeconds(config.timeout)));
        case WaitResult::Ready:
            break;
    }
    spdlog::debug("a subscriber joined {}", endpoint);
    return true;
}

// With SNDHWM 1 at the publisher and RCVHWM 1 at the subscriber, the end-of-stream
// message is dropped when it finds the subscriber's queue still holding the last frame.
// Published again a little later it finds room; the receiver stops at the first copy and
// never reads the others. PUB never blocks, so this takes kPubTerminateGap per extra copy.
void FrameSender::Impl::publishTerminate() {
    const wire::Bytes bytes = wire::encodeTerminate();
    for (int copy = 0; copy < kPubTerminateCopies; ++copy) {
        if (copy != 0) std::this_thread::sleep_for(kPubTerminateGap);
        std::vector<zmq::message_t> message;
        message.push_back(messageOf(bytes));
        detail::sendMessage(socket, message, Deadline::after(Millis{0}), nullptr);
    }
}

// nullopt when no acknowledgement came within the budget.
std::optional<std::string> FrameSender::Impl::awaitTerminateAck(EndingBudget& budget) {
    std::vector<zmq::message_t> answer;
    for (;;) {
        const WaitResult got = budget.wait([&](const Deadline& d, const std::atomic<bool>* s) {
            return detail::receiveMessage(socket, answer, d, s);
        });
        if (got != WaitResult::Ready) return std::nullopt;
        try {
            return wire::decodeTerminateAck(detail::viewOf(answer.front()));
        } catch (const ProtocolError& e) {
            // PAIR does not pair answers with requests: the answer to a frame whose wait a
            // stop request cut short can arrive first. Keep waiting for the acknowledgement.
            spdlog::debug(
                "skipped an answer while waiting for the end-of-stream "
                "acknowledgement: {}",
                e.what());
        }
    }
}

FrameSender::FrameSender(const ChannelConfig& config, const std::atomic<bool>& stop)
    : impl_(std::make_unique<Impl>(config, stop)) {}

FrameSender::~FrameSender() = default;

std::optional<wire::Reply> FrameSender::send(const Frame& frame, const wire::DataValue& data) {
    return impl_->send(frame, data);
}

bool FrameSender::awaitRoom() { return impl_->awaitRoom(); }

std::vector<wire::Reply> FrameSender::flush() { return impl_->flush(); }

std::optional<std::string> FrameSender::terminate() { return impl_->terminate(); }

std::string FrameSender::endpoint() const { return impl_->endpoint; }

std::uint64_t FrameSender::unansweredFrames() const { return impl_->unansweredFrames; }

}  // namespace ng::transport
