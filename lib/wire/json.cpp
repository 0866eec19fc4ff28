// A recursive-descent JSON parser with a depth bound, and the writer's string quoting.
#include "wire/json.hpp"

#include <cstdint>
#include <cstdio>

#include "core/errors.hpp"

namespace ng::wire {

namespace {

// Deep enough for every header the dialects send (an object holding one object or array).
constexpr int kMaxDepth = 16;

class Parser {
public:
    Parser(ByteView bytes, const char* what) : bytes_(bytes), what_(what) {}

    JsonValue whole() {
        JsonValue value = parseValue(0);
        skipSpace();
        if (pos_ != bytes_.size) fail("trailing bytes after the value");
        return value;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw ProtocolError(std::string(what_) + " is not JSON: " + why + " at byte " +
                            std::to_string(pos_));
    }
    bool atEnd() const { return pos_ >= bytes_.size; }
    char peek() const { return atEnd() ? '\0' : static_cast<char>(bytes_.data[pos_]); }
    void skipSpace() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
            ++pos_;
        }
    }
    void expect(char c) {
        if (peek() != c || atEnd()) fail(std::string("expected '") + c + "'");
        ++pos_;
    }
    void literal(std::string_view word) {
        if (bytes_.size - pos_ < word.size() ||
            std::string_view(reinterpret_cast<const char*>(bytes_.data + pos_), word.size()) !=
                word) {
            fail("unknown literal");
        }
        pos_ += word.size();
    }

    JsonValue parseValue(int depth) {
        if (depth > kMaxDepth) fail("nested too deep");
        skipSpace();
        if (atEnd()) fail("unexpected end");
        JsonValue value;
        switch (peek()) {
            case '{':
                value.type = JsonValue::Type::Object;
                parseObject(value, depth);
                break;
            case '[':
                value.type = JsonValue::Type::Array;
                parseArray(value, depth);
                break;
            case '"':
                value.type = JsonValue::Type::String;
                value.text = parseString();
                break;
            case 't':
                literal("true");
                value.type = JsonValue::Type::Bool;
                value.boolean = true;
                break;
            case 'f':
                literal("false");
                value.type = JsonValue::Type::Bool;
                break;
            case 'n':
                literal("null");
                break;
            case 'N':  // Python's json.dumps writes these for float specials
                literal("NaN");
                value.type = JsonValue::Type::Number;
                value.text = "NaN";
                break;
            default:
                value.type = JsonValue::Type::Number;
                value.text = parseNumber();
        }
        return value;
    }

    void parseObject(JsonValue& value, int depth) {
        expect('{');
        skipSpace();
        if (peek() == '}') {
            ++pos_;
            return;
        }
        for (;;) {
            skipSpace();
            if (peek() != '"') fail("expected a string key");
            std::string key = parseString();
            skipSpace();
            expect(':');
            value.members.emplace_back(std::move(key), parseValue(depth + 1));
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect('}');
            return;
        }
    }

    void parseArray(JsonValue& value, int depth) {
        expect('[');
        skipSpace();
        if (peek() == ']') {
            ++pos_;
            return;
        }
        for (;;) {
            value.items.push_back(parseValue(depth + 1));
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect(']');
            return;
        }
    }

    std::string parseNumber() {
        const std::size_t start = pos_;
        if (peek() == '-') ++pos_;
        if (peek() == 'I') {
            literal("Infinity");
        } else {
            std::size_t digits = 0;
            while (!atEnd() && ((peek() >= '0' && peek() <= '9') || peek() == '.' ||
                                peek() == 'e' || peek() == 'E' || peek() == '+' || peek() == '-')) {
                ++pos_;
                ++digits;
            }
            if (digits == 0) fail("unexpected character");
        }
        return std::string(reinterpret_cast<const char*>(bytes_.data + start), pos_ - start);
    }

    unsigned hex4() {
        if (bytes_.size - pos_ < 4) fail("short \\u escape");
        unsigned code = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = peek();
            ++pos_;
            code <<= 4;
            if (c >= '0' && c <= '9') code |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') code |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') code |= static_cast<unsigned>(c - 'A' + 10);
            else fail("bad \\u escape");
        }
        return code;
    }

    static void appendUtf8(std::string& out, unsigned code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }

    std::string parseString() {
        expect('"');
        std::string out;
        for (;;) {
            if (atEnd()) fail("unterminated string");
            const char c = peek();
            ++pos_;
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (atEnd()) fail("unterminated escape");
            const char e = peek();
            ++pos_;
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned code = hex4();
                    // A surrogate pair, as json.dumps writes characters beyond the BMP.
                    if (code >= 0xD800 && code < 0xDC00 && bytes_.size - pos_ >= 6 &&
                        peek() == '\\' && bytes_.data[pos_ + 1] == 'u') {
                        pos_ += 2;
                        const unsigned low = hex4();
                        if (low >= 0xDC00 && low < 0xE000) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        }
                    }
                    appendUtf8(out, code);
                    break;
                }
                default:
                    fail("bad escape");
            }
        }
    }

    ByteView bytes_;
    const char* what_;
    std::size_t pos_ = 0;
};

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const {
    for (const auto& [name, value] : members) {
        if (name == key) return &value;
    }
    return nullptr;
}

std::string JsonValue::render() const {
    switch (type) {
        case Type::Null: return "null";
        case Type::Bool: return boolean ? "true" : "false";
        case Type::Number: return text;
        case Type::String: return jsonQuote(text);
        case Type::Array: {
            std::string out = "[";
            for (std::size_t i = 0; i < items.size(); ++i) {
                out += (i ? ", " : "") + items[i].render();
            }
            return out + "]";
        }
        case Type::Object: {
            std::string out = "{";
            for (std::size_t i = 0; i < members.size(); ++i) {
                out += (i ? ", " : "") + jsonQuote(members[i].first) + ": " +
                       members[i].second.render();
            }
            return out + "}";
        }
    }
    return "null";
}

std::string JsonValue::pythonType() const {
    switch (type) {
        case Type::Null: return "NoneType";
        case Type::Bool: return "bool";
        case Type::Number:
            return text.find_first_of(".eEN") == std::string::npos &&
                           text.find("Inf") == std::string::npos
                       ? "int"
                       : "float";
        case Type::String: return "str";
        case Type::Array: return "list";
        case Type::Object: return "dict";
    }
    return "NoneType";
}

JsonValue parseJson(ByteView bytes, const char* what) { return Parser(bytes, what).whole(); }

std::string jsonQuote(std::string_view text) {
    std::string out = "\"";
    std::size_t i = 0;
    auto escape = [&](unsigned code) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", code & 0xFFFFu);
        out += buffer;
    };
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c == '\b') out += "\\b";
        else if (c == '\f') out += "\\f";
        else if (c < 0x20) escape(c);
        else if (c < 0x80) out += static_cast<char>(c);
        else {
            // UTF-8 to code point; a stray byte goes out as itself (U+0080..U+00FF).
            unsigned code = c;
            int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
            if (extra > 0 && i + static_cast<std::size_t>(extra) < text.size()) {
                code = c & (0x3F >> extra);
                for (int k = 1; k <= extra; ++k) {
                    code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
                }
                i += static_cast<std::size_t>(extra);
            }
            if (code >= 0x10000) {
                code -= 0x10000;
                escape(0xD800 + (code >> 10));
                escape(0xDC00 + (code & 0x3FF));
            } else {
                escape(code);
            }
        }
        ++i;
    }
    return out + "\"";
}

std::string jsonShape(const FrameShape& shape) {
    std::string out = "[" + std::to_string(shape.height) + ", " + std::to_string(shape.width);
    if (shape.channels != 1) out += ", " + std::to_string(shape.channels);
    return out + "]";
}

namespace {

int sideOf(const JsonValue& value) {
    if (value.type != JsonValue::Type::Number || value.text.empty() || value.text.size() > 5 ||
        value.text.find_first_not_of("0123456789") != std::string::npos) {
        throw ProtocolError("a shape holds " + value.render() + ", not a size from 1 to 65535");
    }
    const int side = std::stoi(value.text);
    if (side < 1 || side > 65535) {
        throw ProtocolError("a shape holds " + value.text + ", not a size from 1 to 65535");
    }
    return side;
}

}  // namespace

FrameShape shapeFromJson(const JsonValue* dtype, const JsonValue* shape) {
    if (!dtype || !dtype->isString()) throw ProtocolError("the header has no \"dtype\" string");
    if (dtype->text != "uint8") {
        throw ProtocolError("dtype \"" + dtype->text + "\" is not supported: only uint8 images");
    }
    if (!shape || shape->type != JsonValue::Type::Array ||
        (shape->items.size() != 2 && shape->items.size() != 3)) {
        throw ProtocolError("the header's \"shape\" is not [H, W] or [H, W, C]");
    }
    FrameShape result;
    result.height = sideOf(shape->items[0]);
    result.width = sideOf(shape->items[1]);
    result.channels = shape->items.size() == 3 ? sideOf(shape->items[2]) : 1;
    if (result.channels != 1 && result.channels != 3 && result.channels != 4) {
        throw ProtocolError("an image of " + std::to_string(result.channels) +
                            " channels: only 1, 3 or 4");
    }
    return result;
}

DataValue dataFromJson(const JsonValue* value) {
    if (!value || value->type == JsonValue::Type::Null) return DataValue::none();
    if (value->isString()) return DataValue::fromText(value->text);
    return {DataValue::Kind::Other, value->render(), value->pythonType()};
}

std::string jsonOfData(const DataValue& value) {
    if (value.kind == DataValue::Kind::None) return "null";
    return jsonQuote(value.text);
}

}  // namespace ng::wire
