// The wire dialects (--wire): NetGear_Async, imagezmq and NetGear, behind one interface.
//
// Each dialect is a set of pure encoders and decoders over byte spans (no socket here);
// transport asks the one chosen by --wire, so nothing above it knows which is in use.
// docs/protocol.md gives the bytes of each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/frame.hpp"
#include "wire/messages.hpp"

namespace ng::wire {

enum class DialectKind { NetGearAsync, ImageZmq, NetGear };

// "netgear-async", "imagezmq", "netgear".
const char* dialectName(DialectKind kind);
std::optional<DialectKind> parseDialectName(std::string_view name);

// Part 1 of a message from a sender, decoded by its dialect.
struct SenderMessage {
    // terminate, data (the text to print), codec, name; NetGear_Async's extensions too.
    Header header;
    // false: part 2 is a msgpack-numpy ndarray map (NetGear_Async). true: part 2 is the bare
    // pixels, of `shape` when header.codec is Raw, or the bare JPEG stream.
    bool barePayload = false;
    FrameShape shape;
};

// One dialect's messages, both ends. Every decoder throws ProtocolError naming the fault.
class Dialect {
public:
    virtual ~Dialect() = default;
    virtual DialectKind kind() const = 0;
    const char* name() const { return dialectName(kind()); }

    // ---- the sending end ----
    // Part 1 of a frame of `shape` (Raw) or of `codedBytes` of JPEG (header.codec), sent
    // in messaging pattern `pattern` (0..3): header.data is the text sent along,
    // header.name the sender's --name, header.biMode its mode.
    virtual Bytes encodeFrameHeader(const Header& header, const FrameShape& shape,
                                    std::size_t codedBytes, int pattern) const = 0;
    // Whether part 2 begins with the msgpack-numpy prefix (else it is the bare bytes).
    virtual bool ndarrayPayload() const { return false; }
    // Whether the dialect has an end-of-stream message (imagezmq has none).
    virtual bool hasStreamEnd() const { return true; }
    // The end-of-stream message; nullopt where the dialect has none.
    virtual std::optional<Bytes> encodeEnd(std::optional<std::uint64_t> lastSeq,
                                           const std::optional<std::string>& name,
                                           const std::optional<std::string>& instance) const = 0;
    // Whether the receiver acknowledges the end-of-stream message; `pair`: in PAIR.
    virtual bool acksEnd(bool /*pair*/) const { return true; }
    // Part 1 of the receiver's answer to a frame.
    virtual Reply decodeReply(ByteView bytes) const = 0;
    // The receiver's acknowledgement of the end-of-stream message, as text.
    virtual std::string decodeEndAck(ByteView bytes) const = 0;

    // ---- the receiving end ----
    virtual SenderMessage decodeMessage(ByteView firstPart) const = 0;
    // Whether a sender says in each frame if its bidirectional mode is on (else the
    // receiver cannot check that both ends agree).
    virtual bool tellsBiMode() const { return false; }
    // The answer to a frame, bidirectional mode off; `notice` not empty: in its place,
    // where the dialect has room for one.
    virtual Bytes encodePlainAck(const std::string& receiverId, const Notice& notice) const = 0;
    // The answer to a frame, bidirectional mode on.
    virtual Bytes encodeReply(const DataValue& value, Codec decoded,
                              const Notice& notice) const = 0;
    // The answer to the end-of-stream message.
    virtual Bytes encodeEndAck(const std::string& receiverId) const = 0;
    // Part 1 of an answer that sends a raw frame of `shape` back, bidirectional mode on;
    // part 2 is the ndarray map (ndarrayPayload()) or the bare pixels.
    virtual Bytes encodeFrameReply(const DataValue& text, const FrameShape& shape, Codec decoded,
                                   const Notice& notice) const = 0;
};

// The dialect of `kind` (static: dialects hold no state).
const Dialect& dialectFor(DialectKind kind);

// Which known dialect the first part of a sender's message is in; nullopt for none.
// For the diagnosis of a peer that speaks another dialect than --wire.
std::optional<DialectKind> sniffDialect(ByteView firstPart);

// One per dialect file.
const Dialect& netGearAsyncDialect();
const Dialect& imageZmqDialect();
const Dialect& netGearDialect();

}  // namespace ng::wire
