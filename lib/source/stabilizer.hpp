// The ABI between the source module and the stabilizer plugin (libng_stabilizer.so).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/frame.hpp"

namespace ng::source {

// --stabilize-border: how the edges a correction uncovers are filled (vidgear's border_type).
inline const std::vector<std::string> kStabilizeBorders = {"black", "reflect", "reflect_101",
                                                           "replicate", "wrap"};

struct StabilizerSettings {
    int radius = 25;               // frames each side of the moving average
    std::string border = "black";  // one of kStabilizeBorders
};

// Video stabilisation as vidgear's Stabilizer does it: features tracked from frame to
// frame give each frame's motion (a similarity transform), their running sum is the
// camera's path, and each frame is warped from its path onto the path's moving average
// over `radius` frames each side. A frame therefore leaves `radius` frames after it came.
class Stabilizer {
public:
    virtual ~Stabilizer() = default;
    // Takes the next frame (borrowed: its pixels are kept, not copied, until it leaves) and
    // returns the stabilized frame `radius` frames back, or nullopt while the first
    // `radius` frames build up.
    virtual std::optional<Frame> push(const Frame& frame) = 0;
    // At the end of input: the frames still held, one per call (averaged over the frames
    // there are), then nullopt.
    virtual std::optional<Frame> drain() = 0;
};

inline constexpr const char* kStabilizerPlugin = "stabilizer";

// The plugin's factory: a new Stabilizer owned by the caller (see capture_plugin.hpp on
// what crosses the boundary).
using CreateStabilizerFn = Stabilizer* (*)(const StabilizerSettings& settings);
inline constexpr const char* kCreateStabilizerSymbol = "ng_create_stabilizer";

}  // namespace ng::source
