// vidgear NetGear's dialect (vidgear 0.3.5, netgear.py): a JSON header and the bare frame or
// its JPEG (simplejpeg) stream; answers in plain text, or JSON in bidirectional mode.
#include <string>

#include "core/errors.hpp"
#include "wire/dialect.hpp"
#include "wire/json.hpp"

namespace ng::wire {

namespace {

Bytes bytesOf(std::string_view text) { return Bytes(text.begin(), text.end()); }

// The compression field NetGear writes for a JPEG frame: its defaults (fast DCT, no fast
// upsampling) and the channel order of the array that was encoded.
std::string compressionJson(const FrameShape& shape) {
    return std::string("{\"dct\": true, \"ups\": false, \"colorspace\": ") +
           (shape.channels == 1 ? "\"GRAY\"}" : "\"BGR\"}");
}

// Our notices (ng_stop, ng_refused) as extra members of an answer; NetGear reads the
// members it knows only.
std::string noticeMembers(const Notice& notice) {
    std::string out;
    if (!notice.stop.empty()) out += ", \"" + std::string(kStopKey) + "\": " + jsonQuote(notice.stop);
    if (!notice.refused.empty()) {
        out += ", \"" + std::string(kRefusedKey) + "\": " + jsonQuote(notice.refused);
    }
    return out;
}

Notice noticeOf(const JsonValue& json) {
    Notice notice;
    if (const JsonValue* stop = json.find(kStopKey); stop && stop->isString()) {
        notice.stop = stop->text;
    }
    if (const JsonValue* refused = json.find(kRefusedKey); refused && refused->isString()) {
        notice.refused = refused->text;
    }
    return notice;
}

class NetGearDialect final : public Dialect {
public:
    DialectKind kind() const override { return DialectKind::NetGear; }

    // NetGear.send(): the members in its order, "message" null when there is none, dtype
    // and shape "" for a compressed frame.
    Bytes encodeFrameHeader(const Header& header, const FrameShape& shape,
                            std::size_t /*codedBytes*/, int pattern) const override {
        const bool jpeg = header.codec == Codec::Jpeg;
        std::string json = "{\"terminate_flag\": false, \"compression\": ";
        json += jpeg ? compressionJson(shape) : "false";
        json += ", \"message\": " + jsonOfData(header.data);
        json += ", \"pattern\": \"" + std::to_string(pattern) + "\"";
        json += jpeg ? ", \"dtype\": \"\", \"shape\": \"\""
                     : ", \"dtype\": \"uint8\", \"shape\": " + jsonShape(shape);
        return bytesOf(json + "}");
    }
    std::optional<Bytes> encodeEnd(std::optional<std::uint64_t> /*lastSeq*/,
                                   const std::optional<std::string>& /*name*/,
                                   const std::optional<std::string>& /*instance*/) const override {
        return bytesOf("{\"terminate_flag\": true}");
    }
    // NetGear's receiver acknowledges the end in REQ/REP only.
    bool acksEnd(bool pair) const override { return !pair; }
    // "Data received on device: ID !" (plain text) with bidirectional mode off; a JSON map
    // {"return_type": ..., "data": ...} with it on.
    Reply decodeReply(ByteView bytes) const override {
        Reply reply;
        JsonValue json;
        try {
            json = parseJson(bytes, "the NetGear answer");
        } catch (const ProtocolError&) {
            reply.kind = Reply::Kind::PlainAck;
            reply.plainText = std::string(bytes.asString());
            return reply;
        }
        if (json.type != JsonValue::Type::Object) {
            reply.kind = Reply::Kind::PlainAck;
            reply.plainText = std::string(bytes.asString());
            return reply;
        }
        reply.notice = noticeOf(json);
        if (const JsonValue* codec = json.find(kCodecKey);
            codec && codec->isString() && codec->text == kJpegCodecName) {
            reply.decoded = Codec::Jpeg;
        }
        const JsonValue* type = json.find("return_type");
        if (!type) {
            reply.kind = Reply::Kind::PlainAck;  // a notice in place of the confirmation
            return reply;
        }
        if (type->isString() && type->text == "ndarray") {
            throw ProtocolError(
                "the NetGear receiver sent a frame back: ngsend reads only text back from a "
                "NetGear receiver (--wire netgear)");
        }
        reply.kind = Reply::Kind::Data;
        reply.data = dataFromJson(json.find("data"));
        return reply;
    }
    // PAIR does not pair answers with requests: a frame's late answer is no acknowledgement.
    std::string decodeEndAck(ByteView bytes) const override {
        const std::string text(bytes.asString());
        if (text.rfind("Termination signal", 0) != 0) {
            throw ProtocolError("not the acknowledgement of the end of the stream");
        }
        return text;
    }

    SenderMessage decodeMessage(ByteView firstPart) const override {
        const JsonValue json = parseJson(firstPart, "the NetGear header");
        const JsonValue* terminate = json.find("terminate_flag");
        if (json.type != JsonValue::Type::Object || !terminate ||
            terminate->type != JsonValue::Type::Bool) {
            throw ProtocolError("the NetGear header is no JSON object with a \"terminate_flag\"");
        }
        SenderMessage message;
        message.barePayload = true;
        // Multi-server mode numbers each server by its port: the sender's name here.
        if (const JsonValue* port = json.find("port"); port && port->type != JsonValue::Type::Null) {
            message.header.name = port->isString() ? port->text : port->render();
        }
        if (terminate->boolean) {
            message.header.terminate = true;
            return message;
        }
        message.header.data = dataFromJson(json.find("message"));
        const JsonValue* compression = json.find("compression");
        if (compression && compression->type == JsonValue::Type::Object) {
            message.header.codec = Codec::Jpeg;
        } else if (!compression || compression->type != JsonValue::Type::Bool ||
                   compression->boolean) {
            throw ProtocolError("the NetGear header's \"compression\" is not false or a map");
        } else {
            message.shape = shapeFromJson(json.find("dtype"), json.find("shape"));
        }
        return message;
    }
    Bytes encodePlainAck(const std::string& receiverId, const Notice& notice) const override {
        if (notice.empty()) return bytesOf("Data received on device: " + receiverId + " !");
        std::string members = noticeMembers(notice);
        return bytesOf("{" + members.substr(2) + "}");
    }
    Bytes encodeReply(const DataValue& value, Codec decoded, const Notice& notice) const override {
        std::string json = "{\"return_type\": " + jsonQuote(value.pythonType.empty()
                                                                 ? std::string("NoneType")
                                                                 : value.pythonType);
        json += ", \"data\": " + jsonOfData(value);
        if (decoded == Codec::Jpeg) {
            json += ", \"" + std::string(kCodecKey) + "\": \"" + kJpegCodecName + "\"";
        }
        return bytesOf(json + noticeMembers(notice) + "}");
    }
    Bytes encodeEndAck(const std::string& /*receiverId*/) const override {
        return bytesOf("Termination signal successfully received at Client's end!");
    }
    // NetGear's ndarray answer, uncompressed: the bare pixels follow.
    Bytes encodeFrameReply(const DataValue& /*text*/, const FrameShape& shape, Codec decoded,
                           const Notice& notice) const override {
        std::string json = "{\"return_type\": \"ndarray\", \"compression\": false, "
                           "\"array_dtype\": \"uint8\", \"array_shape\": " +
                           jsonShape(shape) + ", \"data\": null";
        if (decoded == Codec::Jpeg) {
            json += ", \"" + std::string(kCodecKey) + "\": \"" + kJpegCodecName + "\"";
        }
        return bytesOf(json + noticeMembers(notice) + "}");
    }
};

}  // namespace

const Dialect& netGearDialect() {
    static const NetGearDialect dialect;
    return dialect;
}

}  // namespace ng::wire
