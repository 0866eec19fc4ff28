// The ABI between makeSource()/listCameras() and the libcamera plugin (libng_picam_capture.so).
#pragma once

#include <string>
#include <vector>

#include "source/source.hpp"

namespace ng::source {

inline constexpr const char* kPicamPlugin = "picam_capture";

// The plugin's factory: returns a new, not yet started Source for libcamera camera `index`
// (in the CameraManager's order), owned by the caller, who wraps it in a std::unique_ptr at
// once. Throws std::runtime_error like any constructor (see capture_plugin.hpp for why C++
// types may cross the boundary).
using CreatePicamSourceFn = Source* (*)(const SourceOptions& options, unsigned index);
inline constexpr const char* kCreatePicamSourceSymbol = "ng_create_picam_source";

// One camera as libcamera lists it.
struct LibcameraInfo {
    std::string id;                  // e.g. "/base/soc/i2c0mux/i2c@1/imx708@1a", "Virtual0"
    std::string model;               // properties::Model, "" when the camera gives none
    std::vector<std::string> sizes;  // "WxH" the video stream offers, largest first
};

// Fills `cameras` with libcamera's cameras in index order and returns the library's version
// ("0.5.2"). Throws std::runtime_error when the camera manager cannot start.
using ListPicamCamerasFn = std::string (*)(std::vector<LibcameraInfo>& cameras);
inline constexpr const char* kListPicamCamerasSymbol = "ng_list_picam_cameras";

}  // namespace ng::source
