// Capture plugin: Raspberry Pi (and any libcamera) cameras, for -s picam[:N] and --list-cameras.
//
// One code path for Debian 12's libcamera 0.0.3 and 0.4 and later (Raspberry Pi OS): every
// call below has the same spelling in both (generateConfiguration takes a braced role list,
// a vector in 0.0.3 and a span in 0.5), and the build compiles it against each (the second
// through scripts/build-libcamera-virtual). Orientation is applied while copying, not via
// CameraConfiguration::transform (0.0.3) or ::orientation (0.2+): the virtual pipeline
// ignores both, and one software path behaves the same on every camera.
#include <libcamera/camera.h>
#include <libcamera/camera_manager.h>
#include <libcamera/control_ids.h>
#include <libcamera/formats.h>
#include <libcamera/framebuffer_allocator.h>
#include <libcamera/property_ids.h>
#include <libcamera/request.h>
#include <libcamera/stream.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "core/frame_pool.hpp"
#include "source/picam_plugin.hpp"
#include "source/yuv_to_bgr.hpp"

namespace ng::source {

namespace {

namespace lc = libcamera;

// The stream role whose default configuration suits continuous capture at video sizes.
constexpr lc::StreamRole kRole = lc::StreamRole::VideoRecording;

// Packed formats first: the Pi's ISP converts for free. libcamera names formats by DRM's
// little-endian convention, so RGB888 is B,G,R in memory (OpenCV's BGR) and BGR888 is R,G,B.
const lc::PixelFormat kPreferredFormats[] = {lc::formats::RGB888, lc::formats::BGR888,
                                             lc::formats::NV12, lc::formats::YUV420};

// libcamera logs its own INFO and WARN lines to stderr (missing IPA modules, each camera
// added); our messages say what matters. LIBCAMERA_LOG_LEVELS or -v bring them back.
// Its logger reads the variable once, when it first logs, which is after this.
void quietLibcamera() {
    if (spdlog::get_level() > spdlog::level::debug) {
        ::setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", /*overwrite=*/0);
    }
}

// One CameraManager per process (libcamera refuses a second), started for the caller.
std::unique_ptr<lc::CameraManager> startManager() {
    quietLibcamera();
    auto manager = std::make_unique<lc::CameraManager>();
    if (const int ret = manager->start(); ret < 0) {
        throw std::runtime_error(
            "picam: libcamera's camera manager cannot start (" + std::string(std::strerror(-ret)) +
            "); is another program holding it, or are /dev/media* and udev missing?");
    }
    return manager;
}

std::string sizeText(const lc::Size& size) {
    return std::to_string(size.width) + "x" + std::to_string(size.height);
}

// "0 Virtual0 (model), 1 ..." for error messages.
std::string cameraNames(const std::vector<std::shared_ptr<lc::Camera>>& cameras) {
    std::string text;
    for (std::size_t i = 0; i < cameras.size(); ++i) {
        if (!text.empty()) text += ", ";
        text += std::to_string(i) + " " + cameras[i]->id();
    }
    return text;
}

// A buffer's planes, mapped once for the life of the allocation.
class MappedBuffers {
public:
    MappedBuffers() = default;
    MappedBuffers(const MappedBuffers&) = delete;
    MappedBuffers& operator=(const MappedBuffers&) = delete;
    ~MappedBuffers() {
        for (const Mapping& m : mappings_) ::munmap(m.address, m.length);
    }

    // Maps every plane of `buffer`; planes sharing a dmabuf share one mapping.
    void add(const lc::FrameBuffer* buffer) {
        std::map<int, std::size_t> lengths;  // fd -> bytes needed from its start
        for (const lc::FrameBuffer::Plane& p : buffer->planes()) {
            std::size_t& length = lengths[p.fd.get()];
            length = std::max(length, static_cast<std::size_t>(p.offset) + p.length);
        }
        std::map<int, std::uint8_t*> bases;
        for (const auto& [fd, length] : lengths) {
            void* address = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
            if (address == MAP_FAILED) {
                throw std::runtime_error(std::string("picam: cannot map a camera buffer (") +
                                         std::strerror(errno) + ")");
            }
            mappings_.push_back({address, length});
            bases[fd] = static_cast<std::uint8_t*>(address);
        }
        std::vector<const std::uint8_t*>& planes = planes_[buffer];
        for (const lc::FrameBuffer::Plane& p : buffer->planes()) {
            planes.push_back(bases[p.fd.get()] + p.offset);
        }
    }

    const std::vector<const std::uint8_t*>& planes(const lc::FrameBuffer* buffer) const {
        return planes_.at(buffer);
    }

private:
    struct Mapping {
        void* address;
        std::size_t length;
    };
    std::vector<Mapping> mappings_;
    std::map<const lc::FrameBuffer*, std::vector<const std::uint8_t*>> planes_;
};

class PicamCapture : public Source {
public:
    PicamCapture(const SourceOptions& options, unsigned index) : options_(options), index_(index) {}
    ~PicamCapture() override { stop(); }

    void start() override {
        manager_ = startManager();
        const std::vector<std::shared_ptr<lc::Camera>> cameras = manager_->cameras();
        if (cameras.empty()) {
            throw std::runtime_error(
                "picam: no camera found by libcamera " + lc::CameraManager::version() +
                " (is the camera module connected and enabled? check the ribbon cable and "
                "rpicam-hello --list-cameras; for a USB camera use -s 0)");
        }
        if (index_ >= cameras.size()) {
            throw std::runtime_error("picam:" + std::to_string(index_) +
                                     ": no such camera; libcamera has " +
                                     std::to_string(cameras.size()) + ": " + cameraNames(cameras) +
                                     " (use -s picam:INDEX)");
        }
        camera_ = cameras[index_];
        if (const int ret = camera_->acquire(); ret < 0) {
            const std::string why =
                ret == -EBUSY ? "is busy: another process (rpicam-vid, another ngsend) holds it; "
                                "stop that process and try again"
                              : "cannot be acquired (" + std::string(std::strerror(-ret)) + ")";
            throw std::runtime_error(describe() + " " + why);
        }
        acquired_ = true;
        configure();
        allocate();

        camera_->requestCompleted.connect(this, &PicamCapture::requestComplete);
        lc::ControlList controls(lc::controls::controls);
        if (options_.fps > 0) {
            // Both limits equal: the sensor runs at exactly this rate where it can.
            const auto frameUs = static_cast<std::int64_t>(1e6 / options_.fps);
            controls.set(lc::controls::FrameDurationLimits, {frameUs, frameUs});
        }
        if (const int ret = camera_->start(&controls); ret < 0) {
            throw std::runtime_error(describe() + ": cannot start streaming (" +
                                     std::strerror(-ret) + ")");
        }
        started_ = true;
        for (const std::unique_ptr<lc::Request>& request : requests_) queue(request.get());
    }

    std::optional<Frame> next(std::chrono::milliseconds timeout) override {
        lc::Request* request = nullptr;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            if (!ready_.wait_for(lock, timeout, [this] { return !completed_.empty(); })) {
                return std::nullopt;
            }
            // The newest frame wins; older ones go straight back to the camera uncopied.
            request = completed_.back();
            completed_.pop_back();
            for (lc::Request* stale : completed_) queue(stale);
            skipped_ += completed_.size();
            completed_.clear();
        }
        const lc::FrameBuffer* buffer = request->findBuffer(stream_);
        if (request->status() != lc::Request::RequestComplete || !buffer ||
            buffer->metadata().status != lc::FrameMetadata::FrameSuccess) {
            ++failed_;
            queue(request);
            return std::nullopt;
        }
        std::optional<Frame> frame = copyOut(buffer);
        queue(request);  // as soon as the pixels are ours
        return frame;
    }

    bool ended() const override { return false; }
    double nominalFps() const override { return options_.fps > 0 ? options_.fps : kDefaultFps; }

    void stop() override {
        if (started_) {
            camera_->stop();
            started_ = false;
            camera_->requestCompleted.disconnect(this, &PicamCapture::requestComplete);
            spdlog::debug("{}: {} frames skipped for newer ones, {} failed", describe(), skipped_,
                          failed_);
        }
        completed_.clear();
        requests_.clear();
        mapped_.reset();
        allocator_.reset();
        if (acquired_) camera_->release();
        acquired_ = false;
        config_.reset();
        camera_.reset();
        manager_.reset();
    }

    std::string describe() const override {
        std::string text = "picam:" + std::to_string(index_);
        if (camera_) text += " (" + camera_->id() + ")";
        return text;
    }

private:
    // Without --fps the camera keeps its own default rate; libcamera's pipelines default
    // to 30 frames/s, so that is the pace the stream announces.
    static constexpr double kDefaultFps = 30;

    void configure() {
        config_ = camera_->generateConfiguration({kRole});
        if (!config_ || config_->empty()) {
            throw std::runtime_error(describe() + ": the camera offers no video stream");
        }
        lc::StreamConfiguration& cfg = config_->at(0);
        const std::vector<lc::PixelFormat> offered = cfg.formats().pixelformats();
        for (const lc::PixelFormat& format : kPreferredFormats) {
            if (std::find(offered.begin(), offered.end(), format) != offered.end()) {
                cfg.pixelFormat = format;
                break;
            }
        }
        const lc::Size asked(static_cast<unsigned>(options_.width),
                             static_cast<unsigned>(options_.height));
        cfg.size = asked;
        if (config_->validate() == lc::CameraConfiguration::Invalid) {
            throw std::runtime_error(describe() + ": the camera refuses every configuration near " +
                                     sizeText(asked));
        }
        if (std::find(std::begin(kPreferredFormats), std::end(kPreferredFormats),
                      cfg.pixelFormat) == std::end(kPreferredFormats)) {
            throw std::runtime_error(describe() + ": the camera gives " +
                                     cfg.pixelFormat.toString() +
                                     " only; picam reads RGB888, BGR888, NV12 or YUV420");
        }
        if (cfg.size.width % 2 != 0 || cfg.size.height % 2 != 0) {
            throw std::runtime_error(describe() + ": the camera's size " + sizeText(cfg.size) +
                                     " is odd; ask for an even --size");
        }
        if (cfg.size != asked) {
            spdlog::info("{}: the camera cannot give {}, it gives {} instead (--size)", describe(),
                         sizeText(asked), sizeText(cfg.size));
        }
        if (const int ret = camera_->configure(config_.get()); ret < 0) {
            throw std::runtime_error(describe() + ": cannot configure " + cfg.toString() + " (" +
                                     std::strerror(-ret) + ")");
        }
        stream_ = cfg.stream();
        format_ = cfg.pixelFormat;
        size_ = cfg.size;
        stride_ = cfg.stride;
        spdlog::info("{}: {} {} (stride {}) from libcamera {}", describe(), sizeText(size_),
                     format_.toString(), stride_, lc::CameraManager::version());
    }

    // Buffers are allocated and mapped once; each gets one request, reused for the run.
    void allocate() {
        allocator_ = std::make_unique<lc::FrameBufferAllocator>(camera_);
        if (allocator_->allocate(stream_) < 0) {
            throw std::runtime_error(describe() +
                                     ": cannot allocate frame buffers (out of "
                                     "camera memory? on a Pi raise the CMA size)");
        }
        mapped_ = std::make_unique<MappedBuffers>();
        for (const std::unique_ptr<lc::FrameBuffer>& buffer : allocator_->buffers(stream_)) {
            mapped_->add(buffer.get());
            std::unique_ptr<lc::Request> request = camera_->createRequest();
            if (!request || request->addBuffer(stream_, buffer.get()) < 0) {
                throw std::runtime_error(describe() + ": cannot create a capture request");
            }
            requests_.push_back(std::move(request));
        }
    }

    void queue(lc::Request* request) {
        request->reuse(lc::Request::ReuseBuffers);
        if (started_) camera_->queueRequest(request);
    }

    // Runs on libcamera's thread: hands the request to next() and nothing more.
    void requestComplete(lc::Request* request) {
        if (request->status() == lc::Request::RequestCancelled) return;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            completed_.push_back(request);
        }
        ready_.notify_one();
    }

    // Copies or converts the buffer's pixels into a pooled BGR frame, applying the flips.
    Frame copyOut(const lc::FrameBuffer* buffer) {
        const std::vector<const std::uint8_t*>& planes = mapped_->planes(buffer);
        const FrameShape shape{static_cast<int>(size_.height), static_cast<int>(size_.width), 3};
        std::uint8_t* pixels = nullptr;
        Frame frame = pool_.acquire(shape, pixels);
        const std::size_t rowBytes = shape.rowBytes();
        if (format_ == lc::formats::RGB888 || format_ == lc::formats::BGR888) {
            for (int row = 0; row < shape.height; ++row) {
                std::memcpy(pixels + row * rowBytes, planes[0] + row * stride_, rowBytes);
            }
            if (format_ == lc::formats::BGR888) swapRedBlue(pixels, shape);
        } else {
            yuvToBgr(yuvImage(planes), pixels, rowBytes, scratch_);
        }
        const bool rotate = options_.rotation == 180;
        flipBgr(pixels, shape.width, shape.height, rowBytes, options_.hflip != rotate,
                options_.vflip != rotate);
        return frame;
    }

    // The planes of a 4:2:0 buffer. Some pipelines give all planes in one (plane 0 only).
    YuvImage yuvImage(const std::vector<const std::uint8_t*>& planes) const {
        YuvImage image;
        image.layout = format_ == lc::formats::NV12 ? YuvLayout::Nv12 : YuvLayout::Yuv420;
        image.width = static_cast<int>(size_.width);
        image.height = static_cast<int>(size_.height);
        image.y = planes[0];
        image.yStride = stride_;
        image.uvStride = image.layout == YuvLayout::Nv12 ? stride_ : stride_ / 2;
        const std::size_t ySize = std::size_t{stride_} * size_.height;
        const std::size_t chromaSize = image.uvStride * (size_.height / 2);
        image.u = planes.size() > 1 ? planes[1] : planes[0] + ySize;
        image.v = planes.size() > 2 ? planes[2] : image.u + chromaSize;
        return image;
    }

    static void swapRedBlue(std::uint8_t* pixels, const FrameShape& shape) {
        std::uint8_t* end = pixels + shape.bytes();
        for (std::uint8_t* p = pixels; p < end; p += 3) std::swap(p[0], p[2]);
    }

    SourceOptions options_;
    unsigned index_;
    std::unique_ptr<lc::CameraManager> manager_;
    std::shared_ptr<lc::Camera> camera_;
    bool acquired_ = false;
    bool started_ = false;
    std::unique_ptr<lc::CameraConfiguration> config_;
    lc::Stream* stream_ = nullptr;
    lc::PixelFormat format_;
    lc::Size size_;
    unsigned stride_ = 0;
    std::unique_ptr<lc::FrameBufferAllocator> allocator_;
    std::unique_ptr<MappedBuffers> mapped_;
    std::vector<std::unique_ptr<lc::Request>> requests_;

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<lc::Request*> completed_;  // by libcamera's thread, oldest first

    FramePool pool_;
    std::vector<std::uint8_t> scratch_;
    std::uint64_t skipped_ = 0;
    std::uint64_t failed_ = 0;
};

// "WxH" of every size the stream offers in any of the formats picam reads, largest first.
std::vector<std::string> offeredSizes(lc::Camera& camera) {
    std::unique_ptr<lc::CameraConfiguration> config = camera.generateConfiguration({kRole});
    if (!config || config->empty()) return {};
    const lc::StreamFormats& formats = config->at(0).formats();
    std::vector<lc::Size> sizes;
    for (const lc::PixelFormat& format : formats.pixelformats()) {
        for (const lc::Size& size : formats.sizes(format)) sizes.push_back(size);
        // A pipeline that scales lists a range rather than discrete sizes.
        if (formats.sizes(format).empty()) sizes.push_back(formats.range(format).max);
    }
    std::sort(sizes.begin(), sizes.end(), [](const lc::Size& a, const lc::Size& b) {
        return a.width * a.height > b.width * b.height;
    });
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    std::vector<std::string> text;
    for (const lc::Size& size : sizes) text.push_back(sizeText(size));
    return text;
}

}  // namespace

}  // namespace ng::source

extern "C" __attribute__((visibility("default"))) ng::source::Source* ng_create_picam_source(
    const ng::source::SourceOptions& options, unsigned index) {
    static_assert(
        std::is_same_v<decltype(&ng_create_picam_source), ng::source::CreatePicamSourceFn>);
    return std::make_unique<ng::source::PicamCapture>(options, index).release();
}

extern "C" __attribute__((visibility("default"))) std::string ng_list_picam_cameras(
    std::vector<ng::source::LibcameraInfo>& cameras) {
    static_assert(std::is_same_v<decltype(&ng_list_picam_cameras), ng::source::ListPicamCamerasFn>);
    namespace lc = libcamera;
    std::unique_ptr<lc::CameraManager> manager = ng::source::startManager();
    for (const std::shared_ptr<lc::Camera>& camera : manager->cameras()) {
        ng::source::LibcameraInfo info;
        info.id = camera->id();
        info.model = camera->properties().get(lc::properties::Model).value_or("");
        info.sizes = ng::source::offeredSizes(*camera);
        cameras.push_back(std::move(info));
    }
    return lc::CameraManager::version();
}
