// libFuzzer target over the NetGear_Async decoders (lib/wire): see decode_all.hpp.
#include <cstddef>
#include <cstdint>

#include "fuzz/decode_all.hpp"

namespace {
// Keeps the decoded values observable so the optimiser cannot drop the work.
volatile unsigned gSink = 0;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    gSink = gSink + ng::fuzz::decodeAll(data, size);
    return 0;
}
