// The dialect names, the factory, the sniffing of a foreign dialect, and NetGear_Async's
// dialect, which is messages.hpp's format unchanged.
#include "wire/dialect.hpp"

#include "core/errors.hpp"
#include "wire/json.hpp"

namespace ng::wire {

namespace {

class NetGearAsyncDialect final : public Dialect {
public:
    DialectKind kind() const override { return DialectKind::NetGearAsync; }
    Bytes encodeFrameHeader(const Header& header, const FrameShape& /*shape*/,
                            std::size_t /*codedBytes*/, int /*pattern*/) const override {
        return wire::encodeFrameHeader(header);
    }
    bool ndarrayPayload() const override { return true; }
    std::optional<Bytes> encodeEnd(std::optional<std::uint64_t> lastSeq,
                                   const std::optional<std::string>& name,
                                   const std::optional<std::string>& instance) const override {
        return encodeTerminate(lastSeq, name, instance);
    }
    Reply decodeReply(ByteView bytes) const override { return wire::decodeReply(bytes); }
    std::string decodeEndAck(ByteView bytes) const override { return decodeTerminateAck(bytes); }

    SenderMessage decodeMessage(ByteView firstPart) const override {
        SenderMessage message;
        message.header = decodeHeader(firstPart);
        return message;
    }
    bool tellsBiMode() const override { return true; }
    Bytes encodePlainAck(const std::string& receiverId, const Notice& notice) const override {
        return notice.empty() ? wire::encodePlainAck(receiverId) : encodeNotice(notice);
    }
    Bytes encodeReply(const DataValue& value, Codec decoded, const Notice& notice) const override {
        return wire::encodeReply(value, decoded, notice);
    }
    Bytes encodeEndAck(const std::string& receiverId) const override {
        return encodeTerminateAck(receiverId);
    }
    Bytes encodeFrameReply(const DataValue& text, const FrameShape& /*shape*/, Codec decoded,
                           const Notice& notice) const override {
        return wire::encodeFrameReply(text, decoded, notice);
    }
};

}  // namespace

const char* dialectName(DialectKind kind) {
    switch (kind) {
        case DialectKind::NetGearAsync: return "netgear-async";
        case DialectKind::ImageZmq: return "imagezmq";
        case DialectKind::NetGear: return "netgear";
    }
    return "netgear-async";
}

std::optional<DialectKind> parseDialectName(std::string_view name) {
    for (DialectKind kind : {DialectKind::NetGearAsync, DialectKind::ImageZmq, DialectKind::NetGear}) {
        if (name == dialectName(kind)) return kind;
    }
    return std::nullopt;
}

const Dialect& netGearAsyncDialect() {
    static const NetGearAsyncDialect dialect;
    return dialect;
}

const Dialect& dialectFor(DialectKind kind) {
    switch (kind) {
        case DialectKind::NetGearAsync: return netGearAsyncDialect();
        case DialectKind::ImageZmq: return imageZmqDialect();
        case DialectKind::NetGear: return netGearDialect();
    }
    return netGearAsyncDialect();
}

// A NetGear_Async header is a msgpack map (never valid JSON: '{' is a msgpack integer);
// the other two are JSON objects told apart by their first field's name.
std::optional<DialectKind> sniffDialect(ByteView firstPart) {
    try {
        decodeHeader(firstPart);
        return DialectKind::NetGearAsync;
    } catch (const ProtocolError&) {
    }
    try {
        const JsonValue json = parseJson(firstPart, "header");
        if (json.type != JsonValue::Type::Object) return std::nullopt;
        if (json.find("terminate_flag")) return DialectKind::NetGear;
        if (json.find("msg")) return DialectKind::ImageZmq;
    } catch (const ProtocolError&) {
    }
    return std::nullopt;
}

}  // namespace ng::wire
