// FrameSender / FrameReceiver: NetGear_Async's per-pattern socket roles and its per-frame
// answer protocol over ZeroMQ. The only module that includes zmq.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/frame.hpp"
#include "transport/endpoint.hpp"
#include "wire/dialect.hpp"
#include "wire/messages.hpp"

namespace ng::transport {

using Millis = std::chrono::milliseconds;

// The largest frame accepted by default: 4096x4096 with 4 channels (--max-frame-size).
inline constexpr int kDefaultMaxFrameSide = 4096;
inline constexpr int kDefaultMaxFrameChannels = 4;
inline constexpr std::size_t kDefaultMaxFrameBytes =
    std::size_t{kDefaultMaxFrameSide} * kDefaultMaxFrameSide * kDefaultMaxFrameChannels;

// CURVE encryption and the receiver's access check. The receiver is always the CURVE server
// and the sender the client, whichever end binds. Paths are read when the channel starts.
struct SecurityConfig {
    std::string secretKeyFile;  // this end's NAME.key_secret; "" = plaintext
    std::string serverKeyFile;  // sender: the receiver's public NAME.key
    std::string allowKeys;      // receiver: a folder of *.key, one .key file, or "*"
    std::vector<std::string> allowIps;  // receiver: address blocks (CIDR); empty = any

    bool curve() const { return !secretKeyFile.empty(); }
};

struct ChannelConfig {
    Pattern pattern = Pattern::Pair;
    Endpoint endpoint;
    // More endpoints for the same socket (-a repeated): PUB reaches every one, PUSH deals
    // frames among them, SUB hears every publisher.
    std::vector<Endpoint> moreEndpoints;
    Millis timeout{15000};       // longest wait for the peer; 0 = forever
    bool bidirectional = false;  // NetGear_Async bidirectional mode (patterns 0, 1)
    std::size_t maxFrameBytes = kDefaultMaxFrameBytes;  // larger frames are refused
    // --latest: ZeroMQ queues hold one frame, so what waits there is never stale.
    bool latest = false;
    // The sending end's --name (ng_name; "" = none); ignored at the receiving end.
    std::string senderName;
    SecurityConfig security;
    // ZeroMQ heartbeats (ZMQ_HEARTBEAT_IVL, _TIMEOUT, _TTL) on every connection: a peer
    // silent this long after a ping is dropped, reported, and connected to again. 0 = off.
    Millis heartbeat{0};
    // --wire: the message format both ends speak (issue 22).
    wire::DialectKind dialect = wire::DialectKind::NetGearAsync;
};

// Throws UsageError when `config.dialect` has no such pattern (imagezmq: REQ/REP and
// PUB/SUB; NetGear: PAIR, REQ/REP and PUB/SUB).
void requireDialectPattern(const ChannelConfig& config);
// Whether the sender binds unless --bind/--connect say otherwise: imagezmq's PUB sender
// binds and its SUB hub connects; everywhere else the receiver binds.
bool senderBindsByDefault(wire::DialectKind dialect, Pattern pattern);

// The sending end. Sockets live on the thread that calls send()/terminate().
class FrameSender {
public:
    // Creates the socket and binds or connects. Throws std::runtime_error naming the
    // endpoint and the likely fix, UsageError for a missing or malformed key file. A
    // handshake that fails (the receiver refused our key, the peer speaks plaintext where
    // this end requires CURVE, or the reverse) makes the waits of send(), flush() and
    // terminate() throw std::runtime_error saying which, as soon as libzmq reports it.
    // `stop` is polled while waiting, so a signal ends waits.
    FrameSender(const ChannelConfig& config, const std::atomic<bool>& stop);
    ~FrameSender();
    FrameSender(const FrameSender&) = delete;
    FrameSender& operator=(const FrameSender&) = delete;

    // Sends one frame: header part (with frame.seq / frame.captureTimeUs as extensions and
    // `data` as the "data" field), then prefix + pixels as one part, zero-copy when
    // frame.headroom allows. In patterns 0 and 1 it then reads a receiver's answer and
    // returns it: REQ/REP this frame's; PAIR the oldest outstanding frame's once a few are
    // in flight (see flush()). Throws TimeoutError when the peer does not take or answer a
    // frame in time, ProtocolError when an answer is malformed. Returns nullopt only when
    // `stop` was raised before the frame went out; an empty Reply{} when no answer was read
    // (patterns 2 and 3, PAIR's first frames, or a stop during the wait). An answer whose
    // notice says the receiver stops (ng_stop) leaves the frames sent after that one
    // unanswered: flush() then has none to wait for.
    std::optional<wire::Reply> send(const Frame& frame, const wire::DataValue& data);

    // Waits until send() would not have to wait for room for a frame like the last one
    // (PUSH keeps few frames queued in libzmq), so that the caller captures the next frame
    // into the buffer libzmq just let go, still in cache, rather than into another. Returns
    // false when `stop` was raised; throws TimeoutError like send().
    bool awaitRoom();

    // PAIR sends a few frames ahead of their answers, so send() returns the answer to an
    // earlier frame (in order). flush() waits for the answers still outstanding and
    // returns them in order; call it before terminate() to see every reply. Throws
    // TimeoutError like send(); returns early if `stop` is raised.
    std::vector<wire::Reply> flush();

    // Ends the stream: sends {"terminate": true}; in patterns 0 and 1 waits (bounded by
    // the timeout) for the receiver's acknowledgement and returns its text. Queued frames
    // are flushed before the socket closes (linger bounded by the timeout). Throws
    // TimeoutError when the receiver went away and no receiver has answered since.
    std::optional<std::string> terminate();

    // The endpoint actually bound or connected (with the real port when bound to port 0).
    std::string endpoint() const;

    // Frames whose answers never came because the receiver went away or stopped replying
    // (PAIR, REQ/REP). send() counts them, logs it and goes on, so a receiver started again
    // gets the next frames; only waiting past the timeout for any answer ends the stream.
    // Such a frame may still reach the next receiver (PAIR queues it), so only the
    // receiver's sequence gaps tell what was really lost.
    std::uint64_t unansweredFrames() const;
    // Frames sent again on a new connection because their answers were late (PAIR and
    // REQ/REP from the connecting end; the receiver drops what it already has).
    std::uint64_t framesSentAgain() const;
    // Connections dropped because the receiver sent no heartbeat (--heartbeat).
    std::uint64_t heartbeatLosses() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One event from the receiving end.
struct Received {
    enum class Kind {
        Frame,
        Terminate,
        Invalid,   // a malformed message, refused
        TooLarge,  // a frame over maxFrameBytes, refused (and so answered, patterns 0 and 1)
        CutOff,    // a sender's message was too large even to read: libzmq dropped it
    };
    Kind kind = Kind::Frame;
    // Frame: pixels point into the received message (no copy). TooLarge: no pixels, but the
    // frame's seq and captureTimeUs as its header gave them (0 when it had none).
    Frame frame;
    // Invalid, TooLarge: why the message was refused; CutOff: what happened. For the log.
    std::string error;
    std::string peer;  // the sender's address when the transport knows it ("" otherwise)
    // Terminate: the sequence number of the sender's last frame (ngsend tells it).
    std::optional<std::uint64_t> lastSeq;
    // Frame, TooLarge, Terminate: the sender's ng_name and ng_instance ("" when it sent none,
    // as vidgear: `peer` then tells senders apart).
    std::string senderName;
    std::string senderInstance;
    // Connections this end had when the message was read: with one more than there are
    // senders streaming, a newcomer with a known name is a second sender of that name, and
    // otherwise that sender restarted.
    int connectedPeers = 0;
};

// What goes back for one frame in bidirectional mode: data, and a frame when `frame` is not
// empty (sent after the data, in the same answer).
struct ReplyContent {
    ReplyContent() = default;
    ReplyContent(wire::DataValue value) : data(std::move(value)) {}  // NOLINT: a reply is data
    wire::DataValue data = wire::DataValue::none();
    Frame frame;  // raw pixels only
};

// Produces the reply for each frame in bidirectional mode (called on the receive thread).
using ReplyProvider = std::function<ReplyContent()>;

// The receiving end. Answers each frame itself in patterns 0 and 1, as NetGear_Async does:
// a plain confirmation, or in bidirectional mode the value from `replies`.
class FrameReceiver {
public:
    FrameReceiver(const ChannelConfig& config, const std::atomic<bool>& stop,
                  ReplyProvider replies = {});
    ~FrameReceiver();
    FrameReceiver(const FrameReceiver&) = delete;
    FrameReceiver& operator=(const FrameReceiver&) = delete;

    // Waits up to `wait` for the next message. nullopt when nothing came in that time.
    // A malformed message is answered where the pattern needs it and reported as Invalid;
    // a frame over config.maxFrameBytes is refused in its answer (ng_refused) and reported
    // as TooLarge. A bidirectional-mode mismatch is refused in the answer too, and throws
    // ProtocolError naming the end where it is off.
    std::optional<Received> receive(Millis wait);

    // The answer to the `frames`-th frame taken tells the sender that this receiver takes
    // no more (ng_stop), so that it ends at once instead of waiting out its timeout.
    void stopAfter(std::uint64_t frames);

    std::string endpoint() const;
    const std::string& receiverId() const;

    // Connections refused by --allow-keys / --allow-ip so far (any thread).
    std::uint64_t refusedPeers() const;
    // Connections dropped because a sender sent no heartbeat (--heartbeat).
    std::uint64_t heartbeatLosses() const;
    // Why no sender got through, when connections failed their handshake or were refused
    // (a plaintext sender against a CURVE receiver, a wrong server key, ...); "" when none
    // did. What to tell the user when the stream times out before it began.
    std::string securityProblem() const;

    // Whether the dialect spoken ends a stream with a message of its own; without one
    // (imagezmq), a quiet --timeout after frames came is how a stream ends.
    bool streamsEnd() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ng::transport
