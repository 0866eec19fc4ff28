// Image-files plugin: -o dir/frame_%06d.png, one image file per frame through imgcodecs.
//
// A plugin although imgcodecs is "light": Debian's build links GDAL and GDCM into it, whose
// load every ngrecv run would pay for an output few runs use.
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sink/bgr_converter.hpp"
#include "sink/image_pattern.hpp"
#include "sink/sink_plugins.hpp"

namespace ng::sink {

namespace {

constexpr int kJpegQuality = 95;
// ffmpeg's image2 muxer numbers from 1 (its default -start_number).
constexpr std::uint64_t kFirstNumber = 1;

bool isFolder(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Files are numbered from 1, as ffmpeg's image2 muxer numbers them (its default
// -start_number), so `ffmpeg -i dir/frame_%06d.png` reads them back unchanged. Frames keep
// their own size and channels (grey stays grey, BGRA keeps alpha in PNG, TIFF and WebP;
// formats without alpha get BGR). PNG is lossless; JPEG is written at quality 95, except
// that a JPEG stream's frames go to .jpg files as received, byte for byte: no second
// lossy pass, and no decode.
class ImageSequenceSink : public Sink {
public:
    // makeSink() has checked that `spec` is a valid image pattern.
    explicit ImageSequenceSink(const std::string& spec)
        : spec_(spec), pattern_(ImagePattern::parse(spec).value()) {
        const std::string ext = pattern_.extension();
        keepAlpha_ = ext == ".png" || ext == ".tif" || ext == ".tiff" || ext == ".webp";
        jpegFiles_ = ext == ".jpg" || ext == ".jpeg";
        if (jpegFiles_) params_ = {cv::IMWRITE_JPEG_QUALITY, kJpegQuality};
    }

    bool takesJpeg() const override { return jpegFiles_; }

    // Throws std::runtime_error when the folder does not exist.
    void open(const StreamInfo& /*info*/) override {
        const std::string folder = pattern_.folder();
        if (!folder.empty() && !isFolder(folder)) {
            throw std::runtime_error("output '" + spec_ + "': folder '" + folder +
                                     "' does not exist (create it first: mkdir -p " + folder + ")");
        }
    }

    bool write(const Frame& frame) override {
        if (frame.codec == Codec::Jpeg) {
            writeBytes(pattern_.format(next_), frame.pixels, frame.codedBytes);
            ++next_;
            return true;
        }
        cv::Mat image = frameView(frame);
        cv::Mat converted;
        if (image.channels() == 4 && !keepAlpha_) {
            cv::cvtColor(image, converted, cv::COLOR_BGRA2BGR);
            image = converted;
        }
        const std::string path = pattern_.format(next_);
        // Encoded in memory and written here: imwrite() does not check fclose(), so the
        // last buffer of a file on a full disk would be lost without a word.
        std::vector<std::uint8_t> encoded;
        try {
            if (!cv::imencode(pattern_.extension(), image, encoded, params_)) {
                throw std::runtime_error("cannot encode image '" + path + "'");
            }
        } catch (const cv::Exception& e) {
            throw std::runtime_error("cannot encode image '" + path + "' (" + e.err + ")");
        }
        writeBytes(path, encoded.data(), encoded.size());
        ++next_;
        return true;
    }

    void close() override {}
    std::string describe() const override { return "images " + spec_; }

private:
    // A file that could not be written whole is removed, so the sequence holds only
    // complete images.
    static void writeBytes(const std::string& path, const std::uint8_t* bytes, std::size_t size) {
        std::FILE* file = std::fopen(path.c_str(), "wb");
        if (!file) {
            throw std::runtime_error("cannot create image '" + path + "': " + std::strerror(errno));
        }
        int error = 0;
        errno = 0;  // fwrite need not set it, and an older value would name the wrong cause
        if (std::fwrite(bytes, 1, size, file) != size) error = errno != 0 ? errno : EIO;
        if (std::fclose(file) != 0 && error == 0) error = errno;
        if (error != 0) {
            std::remove(path.c_str());
            throw std::runtime_error("cannot write image '" + path + "': " + std::strerror(error) +
                                     " (the incomplete file was removed)");
        }
    }

    std::string spec_;
    ImagePattern pattern_;
    bool keepAlpha_ = false;
    bool jpegFiles_ = false;
    std::vector<int> params_;
    std::uint64_t next_ = kFirstNumber;
};

}  // namespace

}  // namespace ng::sink

extern "C" __attribute__((visibility("default"))) ng::sink::Sink* ng_create_image_files_sink(
    const std::string& spec) {
    static_assert(std::is_same_v<decltype(&ng_create_image_files_sink), ng::sink::CreateSinkFn>);
    return std::make_unique<ng::sink::ImageSequenceSink>(spec).release();
}
