// listCameras(): V4L2 devices from /dev/video*, libcamera cameras through the picam plugin.
#include "source/camera_list.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <sstream>
#include <vector>

#include "core/plugin_loader.hpp"
#include "source/picam_plugin.hpp"

namespace ng::source {

namespace {

struct V4l2Device {
    int index = 0;
    std::string name;
    std::string path;
};

// The /dev/videoN nodes that capture video (metadata and output nodes are left out).
std::vector<V4l2Device> v4l2Devices() {
    std::vector<V4l2Device> devices;
    DIR* dir = ::opendir("/dev");
    if (!dir) return devices;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string file = entry->d_name;
        if (file.rfind("video", 0) != 0 || file.size() == 5 ||
            file.find_first_not_of("0123456789", 5) != std::string::npos) {
            continue;
        }
        const std::string path = "/dev/" + file;
        const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) continue;
        v4l2_capability caps{};
        const bool ok = ::ioctl(fd, VIDIOC_QUERYCAP, &caps) == 0;
        ::close(fd);
        if (!ok) continue;
        const std::uint32_t kinds =
            (caps.capabilities & V4L2_CAP_DEVICE_CAPS) ? caps.device_caps : caps.capabilities;
        if (!(kinds & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE))) continue;
        devices.push_back(
            {std::stoi(file.substr(5)),
             std::string(reinterpret_cast<const char*>(caps.card),
                         strnlen(reinterpret_cast<const char*>(caps.card), sizeof caps.card)),
             path});
    }
    ::closedir(dir);
    std::sort(devices.begin(), devices.end(),
              [](const V4l2Device& a, const V4l2Device& b) { return a.index < b.index; });
    return devices;
}

void listLibcamera(std::ostringstream& out) {
    std::vector<LibcameraInfo> cameras;
    std::string version;
    try {
        auto list = reinterpret_cast<ListPicamCamerasFn>(
            loadPluginSymbol(kPicamPlugin, kListPicamCamerasSymbol));
        version = list(cameras);
    } catch (const std::exception& e) {
        out << "libcamera cameras (-s picam:N): cannot list them: " << e.what() << "\n";
        return;
    }
    out << "libcamera " << version << " cameras (-s picam:N):";
    if (cameras.empty()) {
        out << " none found (is the camera connected and enabled? on a Raspberry Pi check "
               "the ribbon cable and rpicam-hello --list-cameras)\n";
        return;
    }
    out << "\n";
    for (std::size_t i = 0; i < cameras.size(); ++i) {
        const LibcameraInfo& c = cameras[i];
        out << "  " << i << "  " << c.id;
        if (!c.model.empty()) out << "  model " << c.model;
        if (!c.sizes.empty()) {
            out << "  sizes";
            for (const std::string& size : c.sizes) out << " " << size;
        }
        out << "\n";
    }
}

}  // namespace

std::string listCameras() {
    std::ostringstream out;
    const std::vector<V4l2Device> devices = v4l2Devices();
    out << "V4L2 cameras (-s N):";
    if (devices.empty()) out << " none found";
    out << "\n";
    for (const V4l2Device& d : devices) {
        out << "  " << d.index << "  " << d.name << "  " << d.path << "\n";
    }
    listLibcamera(out);
    return out.str();
}

}  // namespace ng::source
