// listCameras(): what ngsend --list-cameras prints (V4L2 devices and libcamera cameras).
#pragma once

#include <string>

namespace ng::source {

// A report for people: V4L2 capture devices (index, name, path), then libcamera cameras
// (index for -s picam:N, id, model, sizes). Never throws: what cannot be listed (no
// plugin, no camera) is said in the text, which always ends in a newline.
std::string listCameras();

}  // namespace ng::source
