// NetGear_Async headers, replies and acknowledgements: encoders, decoders and receiver IDs.
#include "wire/messages.hpp"

#include <cmath>
#include <random>
#include <string_view>

#include "wire/msgpack_io.hpp"

namespace ng::wire {

namespace {

constexpr const char* kHeaderWhat = "header map";
constexpr const char* kReplyWhat = "reply map";
constexpr const char* kTerminateAckWhat = "terminate ack";
constexpr const char* kTerminateWhat = "end-of-stream message";

constexpr std::string_view kTerminateKey = "terminate";
constexpr std::string_view kBiModeKey = "bi_mode";
constexpr std::string_view kDataKey = "data";
constexpr std::string_view kReturnTypeKey = "return_type";
constexpr std::string_view kReturnDataKey = "return_data";
constexpr std::string_view kTerminatedKey = "terminated";
constexpr std::string_view kNdarrayType = "ndarray";

// "data" may be any Python value, so allow real lists and dicts, but bound what a hostile
// container header can make msgpack-c reserve before its elements arrive: at most
// depth x 1024 x 24 bytes. Strings are referenced, so their limits cost nothing.
const msgpack::unpack_limit kDataLimits(/*array=*/1024, /*map=*/256, /*str=*/0xffffffff,
                                        /*bin=*/0xffffffff, /*ext=*/0xffffffff, /*depth=*/8);

using Packer = msgpack::packer<detail::VectorWriter>;

// Room for a frame header's keys and fixed-size values; its texts come on top.
constexpr std::size_t kHeaderFixedBytes = 160;

const char* pythonTypeOf(const msgpack::object& value) {
    switch (value.type) {
        case msgpack::type::BOOLEAN:
            return "bool";
        case msgpack::type::POSITIVE_INTEGER:
        case msgpack::type::NEGATIVE_INTEGER:
            return "int";
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64:
            return "float";
        // Python's msgpack unpacks arrays as lists whatever the sender packed (tuple or list).
        case msgpack::type::ARRAY:
            return "list";
        case msgpack::type::MAP:
            return "dict";
        case msgpack::type::EXT:
            return "ExtType";
        default:
            return "str";
    }
}

DataValue dataValueOf(const msgpack::object& value) {
    using Kind = DataValue::Kind;
    switch (value.type) {
        case msgpack::type::NIL:
            return DataValue::none();
        case msgpack::type::STR:
            return {Kind::Text, std::string(value.via.str.ptr, value.via.str.size), "str"};
        case msgpack::type::BIN:
            return {Kind::Text, std::string(value.via.bin.ptr, value.via.bin.size), "bytes"};
        default:
            return {Kind::Other, detail::render(value), pythonTypeOf(value)};
    }
}

// A value goes out as str, except text that arrived as bytes, which goes back as bin.
// Other values travel as their text rendering: the original msgpack value is not kept.
void packDataValue(Packer& packer, const DataValue& value) {
    if (value.kind == DataValue::Kind::None) {
        detail::packStr(packer, "");  // vidgear sends "" rather than nil for "no data"
    } else if (value.kind == DataValue::Kind::Text && value.pythonType == "bytes") {
        detail::packBin(packer, value.text);
    } else {
        detail::packStr(packer, value.text);
    }
}

bool readBool(const msgpack::object& value, std::string_view key) {
    if (value.type != msgpack::type::BOOLEAN) {
        detail::throwProtocol(kHeaderWhat, "'" + std::string(key) + "' is " +
                                               detail::typeName(value) + ", expected bool");
    }
    return value.via.boolean;
}

// Our own keys: a wrong type means a broken ngsend, and silently dropping the sequence
// number would make loss accounting lie, so it is an error rather than ignored.
std::uint64_t readSeq(const msgpack::object& value) {
    if (value.type != msgpack::type::POSITIVE_INTEGER) {
        detail::throwProtocol(kHeaderWhat, std::string("'") + kSeqKey + "' is " +
                                               detail::render(value) + ", expected an int >= 0");
    }
    return value.via.u64;
}

std::int64_t readCaptureTime(const msgpack::object& value) {
    const bool fits = value.type == msgpack::type::NEGATIVE_INTEGER ||
                      (value.type == msgpack::type::POSITIVE_INTEGER &&
                       value.via.u64 <= static_cast<std::uint64_t>(INT64_MAX));
    if (!fits) {
        detail::throwProtocol(kHeaderWhat, std::string("'") + kCaptureTimeKey + "' is " +
                                               detail::render(value) + ", expected a 64-bit int");
    }
    return value.via.i64;
}

// A codec this build cannot decode is an error, not raw pixels: the frame would be
// misread otherwise.
Codec readCodec(const msgpack::object& value) {
    std::string_view name;
    if (!detail::asText(value, name)) {
        detail::throwProtocol(kHeaderWhat, std::string("'") + kCodecKey + "' is " +
                                               detail::typeName(value) + ", expected str");
    }
    if (name != kJpegCodecName) {
        detail::throwProtocol(kHeaderWhat, "unknown codec '" + std::string(name) +
                                               "' (this ngrecv decodes jpeg)");
    }
    return Codec::Jpeg;
}

// ng_name / ng_instance: short text. A name becomes part of file names ({name}), so its
// length is bounded here; which characters it may hold is the receiver's business.
constexpr std::size_t kMaxNameBytes = 64;
std::string readName(const msgpack::object& value, const char* key) {
    std::string_view text;
    if (!detail::asText(value, text) || text.empty() || text.size() > kMaxNameBytes) {
        detail::throwProtocol(kHeaderWhat, std::string("'") + key + "' is " +
                                               detail::render(value) + ", expected a str of 1 to " +
                                               std::to_string(kMaxNameBytes) + " bytes");
    }
    return std::string(text);
}

void packNameKeys(Packer& packer, const std::optional<std::string>& name,
                  const std::optional<std::string>& instance) {
    if (name) {
        detail::packStr(packer, kNameKey);
        detail::packStr(packer, *name);
    }
    if (instance) {
        detail::packStr(packer, kInstanceKey);
        detail::packStr(packer, *instance);
    }
}

// Any positive, finite number: msgpack-c (and so ngsend) packs a whole rate as an int.
double readNominalFps(const msgpack::object& value) {
    double fps = 0;
    if (value.type == msgpack::type::FLOAT32 || value.type == msgpack::type::FLOAT64) {
        fps = value.via.f64;
    } else if (value.type == msgpack::type::POSITIVE_INTEGER) {
        fps = static_cast<double>(value.via.u64);
    }
    if (!(std::isfinite(fps) && fps > 0)) {
        detail::throwProtocol(kHeaderWhat, std::string("'") + kNominalFpsKey + "' is " +
                                               detail::render(value) +
                                               ", expected a positive number");
    }
    return fps;
}

bool hasTextKey(const msgpack::object& map, std::string_view name) {
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        std::string_view key;
        if (detail::asText(map.via.map.ptr[i].key, key) && key == name) return true;
    }
    return false;
}

// True when the first byte is a msgpack map marker (fixmap, map 16 or map 32).
bool startsLikeMap(ByteView bytes) {
    if (bytes.empty()) return false;
    const std::uint8_t first = bytes.data[0];
    return (first & 0xF0) == 0x80 || first == 0xDE || first == 0xDF;
}

std::uint32_t noticeEntries(const Notice& notice) {
    return (notice.stop.empty() ? 0 : 1) + (notice.refused.empty() ? 0 : 1);
}

void packNotice(Packer& packer, const Notice& notice) {
    if (!notice.refused.empty()) {
        detail::packStr(packer, kRefusedKey);
        detail::packStr(packer, notice.refused);
    }
    if (!notice.stop.empty()) {
        detail::packStr(packer, kStopKey);
        detail::packStr(packer, notice.stop);
    }
}

// A notice's keys wherever they are in an answer map; a value that is not text is ignored,
// as an answer's unknown keys are.
Notice readNotice(const msgpack::object& map) {
    Notice notice;
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        std::string_view key;
        std::string_view value;
        const msgpack::object_kv& entry = map.via.map.ptr[i];
        if (!detail::asText(entry.key, key) || !detail::asText(entry.val, value)) continue;
        if (key == kStopKey) notice.stop = std::string(value);
        if (key == kRefusedKey) notice.refused = std::string(value);
    }
    return notice;
}

Reply plainAck(ByteView bytes) {
    Reply reply;
    reply.kind = Reply::Kind::PlainAck;
    reply.plainText = std::string(bytes.asString());
    return reply;
}

DataValue replyValue(std::string_view returnType, const msgpack::object& returnData) {
    // vidgear sends "" as the data of None, so the type, not the value, decides.
    if (returnType == "NoneType") return DataValue::none();
    DataValue value = dataValueOf(returnData);
    const bool textType = returnType == "str" || returnType == "bytes";
    if (value.kind == DataValue::Kind::Text && !textType) value.kind = DataValue::Kind::Other;
    value.pythonType = std::string(returnType);
    return value;
}

}  // namespace

Bytes encodeFrameHeader(const Header& header) {
    Bytes out;
    // One allocation per header instead of one each time the vector doubles: at small
    // frames the header is a visible part of the sender's own work per frame.
    out.reserve(kHeaderFixedBytes + header.data.text.size() +
                (header.name ? header.name->size() : 0) +
                (header.instance ? header.instance->size() : 0));
    detail::VectorWriter writer(out);
    Packer packer(writer);
    // vidgear's three keys first and in its order, so that without extensions the bytes are
    // exactly what vidgear sends.
    const bool compressed = header.codec != Codec::Raw;
    packer.pack_map(3 + (header.seq ? 1 : 0) + (header.captureTimeUs ? 1 : 0) +
                    (compressed ? 1 : 0) + (header.nominalFps ? 1 : 0) + (header.name ? 1 : 0) +
                    (header.instance ? 1 : 0));
    detail::packStr(packer, kTerminateKey);
    packer.pack(header.terminate);
    detail::packStr(packer, kBiModeKey);
    packer.pack(header.biMode);
    detail::packStr(packer, kDataKey);
    packDataValue(packer, header.data);
    if (header.seq) {
        detail::packStr(packer, kSeqKey);
        packer.pack_uint64(*header.seq);
    }
    if (header.captureTimeUs) {
        detail::packStr(packer, kCaptureTimeKey);
        packer.pack_int64(*header.captureTimeUs);
    }
    if (compressed) {
        detail::packStr(packer, kCodecKey);
        detail::packStr(packer, kJpegCodecName);
    }
    // Last, so that every earlier key keeps the bytes it had before this one existed.
    if (header.nominalFps) {
        detail::packStr(packer, kNominalFpsKey);
        packer.pack_double(*header.nominalFps);
    }
    // After ng_fps for the same reason.
    packNameKeys(packer, header.name, header.instance);
    return out;
}

Bytes encodeTerminate(std::optional<std::uint64_t> lastSeq, const std::optional<std::string>& name,
                      const std::optional<std::string>& instance) {
    Bytes out;
    detail::VectorWriter writer(out);
    Packer packer(writer);
    packer.pack_map(1 + (lastSeq ? 1 : 0) + (name ? 1 : 0) + (instance ? 1 : 0));
    detail::packStr(packer, kTerminateKey);
    packer.pack_true();
    if (lastSeq) {
        detail::packStr(packer, kLastSeqKey);
        packer.pack_uint64(*lastSeq);
    }
    packNameKeys(packer, name, instance);
    return out;
}

Bytes encodeTerminateAck(const std::string& receiverId) {
    Bytes out;
    detail::VectorWriter writer(out);
    Packer packer(writer);
    packer.pack_map(1);
    detail::packStr(packer, kTerminatedKey);
    detail::packStr(packer, "Client-`" + receiverId + "` successfully terminated!");
    return out;
}

Bytes encodePlainAck(const std::string& receiverId) {
    const std::string text = "Data received on client: " + receiverId + " !";
    return Bytes(text.begin(), text.end());
}

namespace {

// The answer map both replies share: return_type, return_data, the JPEG confirmation and the
// notice's keys. A none `data` goes out as "" or, where vidgear writes None, as nil.
enum class NoneAs { EmptyText, Nil };

Bytes encodeAnswerMap(std::string_view type, const DataValue& data, NoneAs noneAs, Codec decoded,
                      const Notice& notice) {
    Bytes out;
    detail::VectorWriter writer(out);
    Packer packer(writer);
    const bool confirmCodec = decoded == Codec::Jpeg;
    packer.pack_map((confirmCodec ? 3 : 2) + noticeEntries(notice));
    detail::packStr(packer, kReturnTypeKey);
    detail::packStr(packer, type);
    detail::packStr(packer, kReturnDataKey);
    if (data.kind == DataValue::Kind::None && noneAs == NoneAs::Nil) {
        packer.pack_nil();
    } else {
        packDataValue(packer, data);
    }
    if (confirmCodec) {
        detail::packStr(packer, kCodecKey);
        detail::packStr(packer, kJpegCodecName);
    }
    packNotice(packer, notice);
    return out;
}

}  // namespace

Bytes encodeReply(const DataValue& value, Codec decoded, const Notice& notice) {
    const bool none = value.kind == DataValue::Kind::None;
    // A default-constructed value has no type name; fall back to what it holds.
    std::string type = none ? "NoneType" : value.pythonType;
    if (type.empty()) type = "str";
    return encodeAnswerMap(type, value, NoneAs::EmptyText, decoded, notice);
}

Bytes encodeFrameReply(const DataValue& text, Codec decoded, const Notice& notice) {
    // vidgear's None in return_data, unlike the "" of other replies.
    return encodeAnswerMap(kNdarrayType, text, NoneAs::Nil, decoded, notice);
}

Bytes encodeNotice(const Notice& notice) {
    Bytes out;
    detail::VectorWriter writer(out);
    Packer packer(writer);
    packer.pack_map(noticeEntries(notice));
    packNotice(packer, notice);
    return out;
}

Header decodeHeader(ByteView bytes) {
    const msgpack::object_handle handle = detail::parseWhole(bytes, kDataLimits, kHeaderWhat);
    const msgpack::object& root = handle.get();
    detail::requireMap(root, kHeaderWhat);
    const auto fields = detail::mapFields<9>(root,
                                             {kTerminateKey, kBiModeKey, kDataKey, kSeqKey,
                                              kCaptureTimeKey, kCodecKey, kNominalFpsKey, kNameKey,
                                              kInstanceKey},
                                             kHeaderWhat);

    if (!fields[0]) detail::throwMissing(kHeaderWhat, kTerminateKey);
    Header header;
    header.terminate = readBool(*fields[0], kTerminateKey);
    // The end-of-stream message carries only "terminate".
    if (fields[1]) header.biMode = readBool(*fields[1], kBiModeKey);
    header.data = fields[2] ? dataValueOf(*fields[2]) : DataValue::none();
    if (fields[3]) header.seq = readSeq(*fields[3]);
    if (fields[4]) header.captureTimeUs = readCaptureTime(*fields[4]);
    if (fields[5]) header.codec = readCodec(*fields[5]);
    if (fields[6]) header.nominalFps = readNominalFps(*fields[6]);
    // The end-of-stream message carries them too, so decoding it names whose stream ended.
    if (fields[7]) header.name = readName(*fields[7], kNameKey);
    if (fields[8]) header.instance = readName(*fields[8], kInstanceKey);
    return header;
}

std::optional<std::uint64_t> decodeTerminateLastSeq(ByteView bytes) {
    const msgpack::object_handle handle = detail::parseWhole(bytes, kDataLimits, kTerminateWhat);
    const msgpack::object& root = handle.get();
    detail::requireMap(root, kTerminateWhat);
    const auto fields = detail::mapFields<1>(root, {kLastSeqKey}, kTerminateWhat);
    if (!fields[0]) return std::nullopt;
    // As with ng_seq: a wrong type comes from a broken sender, and ignoring it would make
    // the loss count lie.
    if (fields[0]->type != msgpack::type::POSITIVE_INTEGER) {
        detail::throwProtocol(kTerminateWhat, std::string("'") + kLastSeqKey + "' is " +
                                                  detail::render(*fields[0]) +
                                                  ", expected an int >= 0");
    }
    return fields[0]->via.u64;
}

Reply decodeReply(ByteView bytes) {
    // The plain confirmation is raw text, which may or may not happen to parse as msgpack;
    // only a map naming a return_type is a bidirectional reply. Text that cannot begin a
    // map is settled without parsing: a failed parse throws, and an exception for every
    // frame of a plain PAIR or REQ/REP stream cost more than the rest of the send.
    if (!startsLikeMap(bytes)) return plainAck(bytes);
    msgpack::object_handle handle;
    try {
        handle = detail::parseWhole(bytes, kDataLimits, kReplyWhat);
    } catch (const ProtocolError&) {
        return plainAck(bytes);
    }
    const msgpack::object& root = handle.get();
    if (root.type != msgpack::type::MAP) return plainAck(bytes);
    if (!hasTextKey(root, kReturnTypeKey)) {
        Reply reply;
        reply.notice = readNotice(root);
        // ngrecv's notice in place of the plain confirmation; any other map stands for it.
        if (reply.notice.empty()) return plainAck(bytes);
        reply.kind = Reply::Kind::PlainAck;
        return reply;
    }
    const auto fields =
        detail::mapFields<3>(root, {kReturnTypeKey, kReturnDataKey, kCodecKey}, kReplyWhat);
    std::string_view returnType;
    if (!detail::asText(*fields[0], returnType)) {
        detail::throwProtocol(kReplyWhat, std::string("'return_type' is ") +
                                              detail::typeName(*fields[0]) + ", expected str");
    }
    if (!fields[1]) detail::throwMissing(kReplyWhat, kReturnDataKey);

    Reply reply;
    if (returnType == kNdarrayType) {
        // The frame itself follows in the next message part; return_data is nil from
        // vidgear, or the text ngrecv sent with the frame.
        reply.kind = Reply::Kind::Ndarray;
        reply.data = dataValueOf(*fields[1]);
    } else {
        reply.kind = Reply::Kind::Data;
        reply.data = replyValue(returnType, *fields[1]);
    }
    std::string_view codec;
    if (fields[2] && detail::asText(*fields[2], codec) && codec == kJpegCodecName) {
        reply.decoded = Codec::Jpeg;
    }
    reply.notice = readNotice(root);
    return reply;
}

std::string decodeTerminateAck(ByteView bytes) {
    const msgpack::object_handle handle = detail::parseWhole(bytes, kDataLimits, kTerminateAckWhat);
    const msgpack::object& root = handle.get();
    detail::requireMap(root, kTerminateAckWhat);
    const auto fields = detail::mapFields<1>(root, {kTerminatedKey}, kTerminateAckWhat);
    if (!fields[0]) detail::throwMissing(kTerminateAckWhat, kTerminatedKey);
    std::string_view text;
    if (!detail::asText(*fields[0], text)) {
        detail::throwProtocol(
            kTerminateAckWhat,
            std::string("'terminated' is ") + detail::typeName(*fields[0]) + ", expected str");
    }
    return std::string(text);
}

std::string makeSenderInstance() { return makeReceiverId(); }

std::string makeReceiverId() {
    static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::random_device device;
    std::mt19937 generator(device());
    std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
    std::string id(8, ' ');
    for (char& c : id) c = kAlphabet[pick(generator)];
    return id;
}

}  // namespace ng::wire
