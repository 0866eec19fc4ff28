// The NetGear_Async message format: pure encoders and decoders over byte spans.
//
// Nothing here touches a socket, a thread or a global; every decoder validates its whole
// input and throws ng::ProtocolError naming what was wrong, so this module can be fuzzed.
// docs/protocol.md describes the format byte by byte, with our extensions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/frame.hpp"

namespace ng::wire {

using Bytes = std::vector<std::uint8_t>;

// A msgpack value NetGear_Async carries as "data" / "return_data", reduced to what a shell
// tool can print and send: text, or another scalar rendered as text.
struct DataValue {
    enum class Kind { None, Text, Other };
    Kind kind = Kind::None;
    std::string text;        // Text: the string itself; Other: a printable rendering
    std::string pythonType;  // vidgear's return_type vocabulary: "str", "int", "NoneType", ...

    static DataValue none() { return {Kind::None, "", "NoneType"}; }
    static DataValue fromText(std::string s) { return {Kind::Text, std::move(s), "str"}; }
    bool empty() const { return kind == Kind::None || text.empty(); }
};

// Part 1 of a frame message, or the whole of an end-of-stream message.
struct Header {
    bool terminate = false;
    bool biMode = false;
    DataValue data;  // "" (empty str) on the wire when none, as vidgear sends it
    // Extensions (extra map keys, ignored by vidgear): present when the sender was ngsend.
    std::optional<std::uint64_t> seq;
    std::optional<std::int64_t> captureTimeUs;
    // Absent means raw pixels. Jpeg: part 2 is a 1-D uint8 array holding a JPEG stream.
    Codec codec = Codec::Raw;
    // The rate the sender paces its frames at (frames per second, > 0); absent when it
    // sends unpaced. Lets a recording keep real time (docs/protocol.md, 3.2).
    std::optional<double> nominalFps;
    // The sender's --name, and a token drawn once per ngsend process, which tells apart two
    // senders given the same name (docs/protocol.md, 3.5). Both absent from vidgear.
    std::optional<std::string> name;
    std::optional<std::string> instance;
};

// Map keys of our header extensions.
inline constexpr const char* kSeqKey = "ng_seq";
inline constexpr const char* kLastSeqKey = "ng_last_seq";  // end-of-stream message only
inline constexpr const char* kCaptureTimeKey = "ng_capture_us";
inline constexpr const char* kCodecKey = "ng_codec";
inline constexpr const char* kNominalFpsKey = "ng_fps";
inline constexpr const char* kNameKey = "ng_name";
inline constexpr const char* kInstanceKey = "ng_instance";
// Its only value so far (docs/protocol.md, 3.4).
inline constexpr const char* kJpegCodecName = "jpeg";

// What ngrecv tells its sender in the answer to a frame (extension keys of the answer, in
// patterns 0 and 1). vidgear never sees them unasked: only ngrecv writes them, only in the
// answer owed for a frame, and a vidgear sender ignores map keys it does not know.
inline constexpr const char* kStopKey = "ng_stop";
inline constexpr const char* kRefusedKey = "ng_refused";
struct Notice {
    std::string stop;     // ng_stop: the receiver takes no frame after this one, and why
    std::string refused;  // ng_refused: why this frame was refused
    bool empty() const { return stop.empty() && refused.empty(); }
};

// Upper bound on a frame message's ndarray prefix (map, keys, shape, bin header).
inline constexpr std::size_t kMaxNdarrayPrefix = kWireHeadroom;

// The bytes of an ndarray map up to and including the bin header of "data"; the pixels
// follow directly, so prefix + pixels is one complete msgpack-numpy map.
struct NdarrayPrefix {
    std::array<std::uint8_t, kMaxNdarrayPrefix> bytes{};
    std::size_t size = 0;
    ByteView view() const { return {bytes.data(), size}; }
};

// ---- encoders (byte-exact with vidgear + msgpack-numpy for the same values) ----

// {"terminate": false, "bi_mode": b, "data": d, [extensions]}
Bytes encodeFrameHeader(const Header& header);
// {b"nd": true, b"type": "|u1", b"kind": b"", b"shape": [H, W(, C)], b"data": <bin header>}
// Grayscale (channels == 1) is shape [H, W].
NdarrayPrefix encodeNdarrayPrefix(const FrameShape& shape);
// The same for a 1-D uint8 array of `count` bytes (shape [count]): a compressed frame.
NdarrayPrefix encodeByteArrayPrefix(std::size_t count);
// A whole ndarray map with the pixels copied in (replies, tests; not the frame path).
Bytes encodeNdarray(const FrameShape& shape, const std::uint8_t* pixels);
// {"terminate": true}, with {"ng_last_seq": N} when the sender sent any frame: N is the
// sequence number of the last one, so the receiver can count the frames lost after the
// last it received; and with the sender's ng_name and ng_instance when given, so that a
// receiver of many senders knows whose stream ended.
Bytes encodeTerminate(std::optional<std::uint64_t> lastSeq = std::nullopt,
                      const std::optional<std::string>& name = std::nullopt,
                      const std::optional<std::string>& instance = std::nullopt);
// {"terminated": "Client-`ID` successfully terminated!"}
Bytes encodeTerminateAck(const std::string& receiverId);
// Raw UTF-8 "Data received on client: ID !" (not msgpack), bidirectional mode off.
Bytes encodePlainAck(const std::string& receiverId);
// {"return_type": <type>, "return_data": <value, "" when none>}, bidirectional mode on;
// with {"ng_codec": "jpeg"} added when answering a compressed frame (`decoded`), and the
// notice's keys when it has any.
Bytes encodeReply(const DataValue& value, Codec decoded = Codec::Raw, const Notice& notice = {});
// The notice alone, as a map without "return_type" (not empty): the answer that replaces
// the plain confirmation, bidirectional mode off.
Bytes encodeNotice(const Notice& notice);
// Part 1 of an answer that sends a frame back: {"return_type": "ndarray", "return_data": nil}
// as vidgear writes it; `text`, when not none, goes in "return_data" instead of nil (a vidgear
// sender ignores it there). ng_codec and the notice's keys as in encodeReply(). Part 2 is
// the frame as encodeNdarray() writes it.
Bytes encodeFrameReply(const DataValue& text, Codec decoded = Codec::Raw,
                       const Notice& notice = {});

// ---- decoders (accept str or bin for every key and string value) ----

// Part 1 of any message from a sender. Throws ProtocolError.
Header decodeHeader(ByteView bytes);
// The "ng_last_seq" of an end-of-stream message (one decodeHeader() found terminating);
// nullopt when absent. Throws ProtocolError when it is not an int >= 0.
std::optional<std::uint64_t> decodeTerminateLastSeq(ByteView bytes);

// A decoded ndarray: `pixels` points into the input bytes (no copy).
struct NdarrayView {
    FrameShape shape;
    const std::uint8_t* pixels = nullptr;
};
// Accepts dtype uint8 ("|u1") with shape HxW, HxWx1, HxWx3 or HxWx4 and exactly H*W*C bytes;
// refuses any other dtype, kind, shape or length. `maxBytes` bounds H*W*C.
NdarrayView decodeNdarray(ByteView bytes, std::size_t maxBytes);
// A 1-D uint8 array (shape [N], N bytes, N <= maxBytes): the bytes of a compressed frame,
// pointing into the input. Refuses anything else as decodeNdarray does.
ByteView decodeByteArray(ByteView bytes, std::size_t maxBytes);

// What the receiver answered to one frame (patterns 0 and 1).
struct Reply {
    // None: no answer was read (the sender's placeholder; decodeReply never returns it).
    enum class Kind { None, PlainAck, Data, Ndarray };
    Kind kind = Kind::None;
    std::string plainText;  // PlainAck: the confirmation text
    // Data: return_type / return_data. Ndarray: the text sent with the frame (return_data),
    // none when it is nil as vidgear sends it.
    DataValue data;
    // Data and Ndarray: the codec the receiver decoded the frame with (extension key
    // ng_codec, sent by ngrecv in answer to a compressed frame); Raw when absent.
    Codec decoded = Codec::Raw;
    // ngrecv's ng_stop / ng_refused, in a reply map or in a map that stands for the plain
    // confirmation (a PlainAck then, with an empty plainText).
    Notice notice;
    // Ndarray, filled in by whoever read part 2 (decodeReply sees part 1 only): the frame
    // sent back, its pixels owned by the message they arrived in; or, when that frame was
    // over the reader's size limit, no frame and why it was refused.
    Frame frame;
    std::string refusedFrame;
};
// The first part of the receiver's answer. Non-msgpack bytes are a PlainAck.
Reply decodeReply(ByteView bytes);

// The text of {"terminated": "..."}; throws ProtocolError when it is not that map.
std::string decodeTerminateAck(ByteView bytes);

// A token that tells one ngsend process from another (ng_instance): 8 of [A-Z0-9].
std::string makeSenderInstance();

// An 8-character receiver ID of [A-Z0-9], as vidgear draws it.
std::string makeReceiverId();

}  // namespace ng::wire
