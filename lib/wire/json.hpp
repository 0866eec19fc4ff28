// A small, bounded JSON reader and writer for the dialects that frame with pyzmq's send_json.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/frame.hpp"
#include "wire/messages.hpp"

namespace ng::wire {

// One parsed JSON value. Numbers keep their text, so an int prints back as it came.
struct JsonValue {
    enum class Type { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    std::string text;  // String: the decoded string; Number: its literal text
    std::vector<JsonValue> items;
    std::vector<std::pair<std::string, JsonValue>> members;  // in the order they came

    // The member `key` of an object; nullptr when absent or when this is no object.
    const JsonValue* find(std::string_view key) const;
    bool isString() const { return type == Type::String; }
    // Compact JSON text of this value (for printing a value that is not a string).
    std::string render() const;
    // Python's name for this value's type, as NetGear's return_type gives it.
    std::string pythonType() const;
};

// Parses exactly one JSON value spanning `bytes` (surrounding whitespace allowed), at most
// a few levels deep. Throws ProtocolError saying what is wrong, naming `what`.
JsonValue parseJson(ByteView bytes, const char* what);

// `text` as a JSON string literal, quotes included, escaped as Python's json.dumps does
// (non-ASCII as \uXXXX).
std::string jsonQuote(std::string_view text);

// Helpers of the JSON dialects (imagezmq, NetGear), whose headers give dtype and shape as
// numpy does: "uint8" and [H, W] or [H, W, C].

// [H, W, C] as json.dumps writes a shape tuple; [H, W] for one channel.
std::string jsonShape(const FrameShape& shape);
// The frame shape of a "dtype" and "shape" pair; throws ProtocolError unless the dtype is
// "uint8" and the shape is [H, W] or [H, W, C] with C of 1, 3 or 4, each side 1 to 65535.
FrameShape shapeFromJson(const JsonValue* dtype, const JsonValue* shape);
// A JSON value as the text we print and pass on: a string as itself, null as none,
// anything else rendered as JSON.
DataValue dataFromJson(const JsonValue* value);
// A DataValue as a JSON value: a string, or null when none.
std::string jsonOfData(const DataValue& value);

}  // namespace ng::wire
