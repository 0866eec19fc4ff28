// The msgpack-numpy ndarray map: the zero-copy prefix encoder and the validating decoder.
#include <array>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "wire/messages.hpp"
#include "wire/msgpack_io.hpp"

namespace ng::wire {

namespace {

constexpr const char* kWhat = "ndarray map";

// msgpack-numpy's keys, in the order it writes them.
constexpr std::string_view kNdKey = "nd";
constexpr std::string_view kTypeKey = "type";
constexpr std::string_view kKindKey = "kind";
constexpr std::string_view kShapeKey = "shape";
constexpr std::string_view kDataKey = "data";

// numpy writes uint8 as "|u1" (byte order irrelevant); the others are the same dtype
// spelled with an explicit or no byte-order mark, which other writers may use.
constexpr std::array<std::string_view, 4> kUint8Dtypes = {"|u1", "<u1", ">u1", "u1"};

// The map has five small keys and a shape of at most three ints. Object and structured
// dtypes describe themselves with nested lists, hence some depth; anything larger is hostile.
// Strings and bins are referenced, not copied, so their limits cost nothing.
const msgpack::unpack_limit kLimits(/*array=*/64, /*map=*/32, /*str=*/0xffffffff,
                                    /*bin=*/0xffffffff, /*ext=*/0xffffffff, /*depth=*/6);

void validateShapeForEncoding(const FrameShape& shape) {
    const bool channelsOk = shape.channels == 1 || shape.channels == 3 || shape.channels == 4;
    if (shape.height <= 0 || shape.width <= 0 || !channelsOk) {
        throw std::invalid_argument(
            "wire: cannot encode a frame of shape " + std::to_string(shape.height) + "x" +
            std::to_string(shape.width) + "x" + std::to_string(shape.channels));
    }
    if (shape.bytes() > 0xffffffffu) {
        throw std::invalid_argument("wire: a frame over 4 GiB does not fit a msgpack bin");
    }
}

template <typename Stream>
void packKey(msgpack::packer<Stream>& packer, std::string_view key) {
    // msgpack-numpy's keys are Python bytes, hence bin rather than str.
    detail::packBin(packer, key);
}

std::string joinDims(const std::vector<std::uint64_t>& dims) {
    std::string out;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i) out += "x";
        out += std::to_string(dims[i]);
    }
    return out;
}

const msgpack::object& require(const msgpack::object* field, std::string_view key) {
    if (!field) detail::throwMissing(kWhat, key);
    return *field;
}

void checkNd(const msgpack::object& nd) {
    if (nd.type != msgpack::type::BOOLEAN) {
        detail::throwProtocol(kWhat,
                              std::string("'nd' is ") + detail::typeName(nd) + ", expected bool");
    }
    if (!nd.via.boolean) {
        detail::throwProtocol(kWhat, "'nd' is false: a numpy scalar, not an array");
    }
}

void checkDtype(const msgpack::object& type) {
    std::string_view dtype;
    const bool isText = detail::asText(type, dtype);
    for (const std::string_view accepted : kUint8Dtypes) {
        if (isText && dtype == accepted) return;
    }
    const std::string shown = isText ? "'" + std::string(dtype) + "'" : detail::render(type);
    detail::throwProtocol(kWhat, "dtype " + shown + " is not supported; only uint8 ('|u1') is");
}

void checkKind(const msgpack::object& kind) {
    std::string_view text;
    if (!detail::asText(kind, text)) {
        detail::throwProtocol(
            kWhat, std::string("'kind' is ") + detail::typeName(kind) + ", expected bin");
    }
    if (!text.empty()) {
        detail::throwProtocol(kWhat, "'kind' is '" + std::string(text) +
                                         "' (an object or structured dtype); only plain uint8 "
                                         "arrays are supported");
    }
}

// What an ndarray map must hold: a picture (HxW or HxWxC), or the bytes of a compressed
// frame ([N]).
enum class Rank { Picture, Bytes };

std::vector<std::uint64_t> readDims(const msgpack::object& shape, Rank rank) {
    const bool picture = rank == Rank::Picture;
    if (shape.type != msgpack::type::ARRAY) {
        detail::throwProtocol(kWhat, std::string("'shape' is ") + detail::typeName(shape) +
                                         (picture ? ", expected an array of 2 or 3 ints"
                                                  : ", expected an array of 1 int"));
    }
    const std::uint32_t count = shape.via.array.size;
    if (picture ? count != 2 && count != 3 : count != 1) {
        detail::throwProtocol(kWhat, "'shape' has " + std::to_string(count) +
                                         (count == 1 ? " dimension" : " dimensions") +
                                         (picture ? "; expected HxW or HxWxC"
                                                  : "; a compressed frame is [N] bytes"));
    }
    std::vector<std::uint64_t> dims;
    for (std::uint32_t i = 0; i < count; ++i) {
        const msgpack::object& dim = shape.via.array.ptr[i];
        if (dim.type != msgpack::type::POSITIVE_INTEGER || dim.via.u64 == 0) {
            detail::throwProtocol(kWhat, "'shape' " + detail::render(shape) +
                                             " has a dimension that is not a positive int");
        }
        if (dim.via.u64 > static_cast<std::uint64_t>(INT_MAX)) {
            detail::throwProtocol(
                kWhat, "'shape' dimension " + std::to_string(dim.via.u64) + " is too large");
        }
        dims.push_back(dim.via.u64);
    }
    return dims;
}

FrameShape toFrameShape(const std::vector<std::uint64_t>& dims) {
    const std::uint64_t channels = dims.size() == 3 ? dims[2] : 1;
    if (channels != 1 && channels != 3 && channels != 4) {
        detail::throwProtocol(kWhat, "shape " + joinDims(dims) + " has " +
                                         std::to_string(channels) +
                                         " channels; expected 1, 3 or 4");
    }
    return {static_cast<int>(dims[0]), static_cast<int>(dims[1]), static_cast<int>(channels)};
}

// Refuses a shape whose byte count overflows or exceeds maxBytes before any pixel is looked at.
std::size_t checkedBytes(const std::vector<std::uint64_t>& dims, std::size_t maxBytes) {
    std::uint64_t total = 1;
    bool overflow = false;
    for (const std::uint64_t dim : dims) {
        overflow = overflow || __builtin_mul_overflow(total, dim, &total);
    }
    if (overflow || total > maxBytes) {
        const std::string claim =
            overflow ? "an overflowing byte count" : std::to_string(total) + " bytes";
        detail::throwProtocol(kWhat, "shape " + joinDims(dims) + " claims " + claim +
                                         ", over the limit of " + std::to_string(maxBytes) +
                                         " bytes");
    }
    return static_cast<std::size_t>(total);
}

const std::uint8_t* readPixels(const msgpack::object& data, std::size_t expected,
                               const std::vector<std::uint64_t>& dims) {
    std::string_view bytes;
    if (!detail::asText(data, bytes)) {
        detail::throwProtocol(
            kWhat, std::string("'data' is ") + detail::typeName(data) + ", expected bin");
    }
    if (bytes.size() != expected) {
        detail::throwProtocol(kWhat, "'data' holds " + std::to_string(bytes.size()) +
                                         " bytes but shape " + joinDims(dims) + " needs " +
                                         std::to_string(expected));
    }
    return reinterpret_cast<const std::uint8_t*>(bytes.data());
}

}  // namespace

namespace {

// The map of a uint8 array with `rank` dimensions `dims`, up to and including the bin
// header of its `dataBytes` bytes of data.
NdarrayPrefix uint8ArrayPrefix(const std::array<std::uint32_t, 3>& dims, std::uint32_t rank,
                               std::uint32_t dataBytes) {
    NdarrayPrefix prefix;
    detail::FixedWriter writer(prefix.bytes.data(), prefix.bytes.size());
    msgpack::packer<detail::FixedWriter> packer(writer);
    packer.pack_map(5);
    packKey(packer, kNdKey);
    packer.pack_true();
    packKey(packer, kTypeKey);
    detail::packStr(packer, "|u1");  // numpy's dtype.str is a Python str
    packKey(packer, kKindKey);
    detail::packBin(packer, "");
    packKey(packer, kShapeKey);
    packer.pack_array(rank);
    // Python packs a positive int in the smallest unsigned form, as pack_uint32 does.
    for (std::uint32_t i = 0; i < rank; ++i) packer.pack_uint32(dims[i]);
    packKey(packer, kDataKey);
    packer.pack_bin(dataBytes);
    prefix.size = writer.size();
    return prefix;
}

}  // namespace

NdarrayPrefix encodeNdarrayPrefix(const FrameShape& shape) {
    validateShapeForEncoding(shape);
    const auto dim = [](int value) { return static_cast<std::uint32_t>(value); };
    return uint8ArrayPrefix({dim(shape.height), dim(shape.width), dim(shape.channels)},
                            shape.channels == 1 ? 2 : 3,
                            static_cast<std::uint32_t>(shape.bytes()));
}

NdarrayPrefix encodeByteArrayPrefix(std::size_t count) {
    if (count == 0 || count > UINT32_MAX) {
        throw std::invalid_argument("a byte array of " + std::to_string(count) +
                                    " bytes cannot be sent as one frame");
    }
    const auto bytes = static_cast<std::uint32_t>(count);
    return uint8ArrayPrefix({bytes, 0, 0}, 1, bytes);
}

Bytes encodeNdarray(const FrameShape& shape, const std::uint8_t* pixels) {
    const NdarrayPrefix prefix = encodeNdarrayPrefix(shape);
    Bytes out;
    out.reserve(prefix.size + shape.bytes());
    out.insert(out.end(), prefix.bytes.begin(), prefix.bytes.begin() + prefix.size);
    out.insert(out.end(), pixels, pixels + shape.bytes());
    return out;
}

namespace {

// The checks shared by both decoders; `dims` and the data come back through the out
// parameters, pointing into `bytes`.
const std::uint8_t* decodeUint8Array(ByteView bytes, std::size_t maxBytes, Rank rank,
                                     std::vector<std::uint64_t>& dims, std::size_t& size) {
    const msgpack::object_handle handle = detail::parseWhole(bytes, kLimits, kWhat);
    const msgpack::object& root = handle.get();
    detail::requireMap(root, kWhat);
    const auto fields =
        detail::mapFields<5>(root, {kNdKey, kTypeKey, kKindKey, kShapeKey, kDataKey}, kWhat);

    checkNd(require(fields[0], kNdKey));
    checkDtype(require(fields[1], kTypeKey));
    // Older msgpack-numpy versions wrote no 'kind'; its absence means a plain dtype.
    if (fields[2]) checkKind(*fields[2]);
    dims = readDims(require(fields[3], kShapeKey), rank);
    if (rank == Rank::Picture) toFrameShape(dims);  // refuses a bad channel count first
    size = checkedBytes(dims, maxBytes);
    // The data outlives the handle: msgpack points into `bytes` for bin and str values.
    return readPixels(require(fields[4], kDataKey), size, dims);
}

}  // namespace

NdarrayView decodeNdarray(ByteView bytes, std::size_t maxBytes) {
    std::vector<std::uint64_t> dims;
    std::size_t size = 0;
    const std::uint8_t* pixels = decodeUint8Array(bytes, maxBytes, Rank::Picture, dims, size);
    return {toFrameShape(dims), pixels};
}

ByteView decodeByteArray(ByteView bytes, std::size_t maxBytes) {
    std::vector<std::uint64_t> dims;
    std::size_t size = 0;
    const std::uint8_t* data = decodeUint8Array(bytes, maxBytes, Rank::Bytes, dims, size);
    return {data, size};
}

}  // namespace ng::wire
