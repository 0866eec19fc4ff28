// imagezmq's dialect (ImageSender / ImageHub, imagezmq 1.2): a JSON header and the bare
// image, or the bare JPEG stream of send_jpg; the hub answers "OK"; no end of stream.
#include <string>

#include "core/errors.hpp"
#include "wire/dialect.hpp"
#include "wire/json.hpp"

namespace ng::wire {

namespace {

// What ImageHub's send_reply() sends by default, and what imagezmq senders expect.
constexpr std::string_view kHubReply = "OK";

Bytes bytesOf(std::string_view text) { return Bytes(text.begin(), text.end()); }

// imagehub reads the text before the first '|' as the sender's name, the rest as its
// message; a sender that sends no '|' is named by its whole text.
std::string senderName(const std::string& text) {
    std::string name = text.substr(0, text.find('|'));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    return name;
}

class ImageZmqDialect final : public Dialect {
public:
    DialectKind kind() const override { return DialectKind::ImageZmq; }

    // send_array(): {"msg": msg, "dtype": "uint8", "shape": [H, W, C]}; send_jpg():
    // {"msg": msg}. The msg is "NAME|TEXT" as imagenode sends it, or either alone.
    Bytes encodeFrameHeader(const Header& header, const FrameShape& shape,
                            std::size_t /*codedBytes*/, int /*pattern*/) const override {
        std::string msg = header.name.value_or("");
        if (!header.data.empty()) msg += (msg.empty() ? "" : "|") + header.data.text;
        if (msg.empty()) msg = "ngsend";
        std::string json = "{\"msg\": " + jsonQuote(msg);
        if (header.codec == Codec::Raw) {
            json += ", \"dtype\": \"uint8\", \"shape\": " + jsonShape(shape);
        }
        return bytesOf(json + "}");
    }
    bool hasStreamEnd() const override { return false; }
    std::optional<Bytes> encodeEnd(std::optional<std::uint64_t> /*lastSeq*/,
                                   const std::optional<std::string>& /*name*/,
                                   const std::optional<std::string>& /*instance*/) const override {
        return std::nullopt;
    }
    // An ImageSender hands the reply to its application unread: any bytes are fine.
    Reply decodeReply(ByteView bytes) const override {
        Reply reply;
        reply.kind = Reply::Kind::PlainAck;
        reply.plainText = std::string(bytes.asString());
        return reply;
    }
    std::string decodeEndAck(ByteView bytes) const override {
        return std::string(bytes.asString());
    }

    SenderMessage decodeMessage(ByteView firstPart) const override {
        const JsonValue json = parseJson(firstPart, "the imagezmq header");
        const JsonValue* msg = json.find("msg");
        if (json.type != JsonValue::Type::Object || !msg) {
            throw ProtocolError("the imagezmq header is no JSON object with a \"msg\"");
        }
        SenderMessage message;
        message.barePayload = true;
        message.header.data = dataFromJson(msg);
        const std::string name = senderName(message.header.data.text);
        if (!name.empty()) message.header.name = name;
        // send_jpg() sends no dtype: the payload is a JPEG stream.
        if (json.find("dtype") || json.find("shape")) {
            message.shape = shapeFromJson(json.find("dtype"), json.find("shape"));
        } else {
            message.header.codec = Codec::Jpeg;
        }
        return message;
    }
    Bytes encodePlainAck(const std::string& /*receiverId*/,
                         const Notice& /*notice*/) const override {
        return bytesOf(kHubReply);
    }
    Bytes encodeReply(const DataValue& /*value*/, Codec /*decoded*/,
                      const Notice& /*notice*/) const override {
        return bytesOf(kHubReply);
    }
    Bytes encodeEndAck(const std::string& /*receiverId*/) const override {
        return bytesOf(kHubReply);
    }
    Bytes encodeFrameReply(const DataValue& /*text*/, const FrameShape& /*shape*/,
                           Codec /*decoded*/, const Notice& /*notice*/) const override {
        throw ProtocolError("imagezmq has no bidirectional mode: no frame goes back");
    }
};

}  // namespace

const Dialect& imageZmqDialect() {
    static const ImageZmqDialect dialect;
    return dialect;
}

}  // namespace ng::wire
