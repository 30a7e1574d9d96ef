#pragma once
/// @file RAII libtiff handle that keeps libtiff's messages instead of printing them.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include <tiffio.h>

namespace her2::imaging {

/// One open TIFF file. Not thread-safe: use one TiffFile per thread.
class TiffFile {
public:
    /// Opens `path` read-only; throws core::InputError with libtiff's reason on failure.
    explicit TiffFile(const std::filesystem::path& path);
    TiffFile(const TiffFile&) = delete;
    TiffFile& operator=(const TiffFile&) = delete;

    /// Opens `path`, or returns null if libtiff cannot (never throws).
    static std::unique_ptr<TiffFile> tryOpen(const std::filesystem::path& path);

    TIFF* get() const noexcept { return m_tiff.get(); }
    const std::filesystem::path& path() const noexcept { return m_path; }
    /// The last error libtiff reported on this handle ("" when none); clearError() resets it.
    const std::string& lastError() const noexcept { return m_error; }
    void clearError() noexcept { m_error.clear(); }

    int directoryCount() const;
    /// Makes directory `index` current (no-op if it already is); throws InputError.
    void setDirectory(int index);
    int currentDirectory() const noexcept { return m_directory; }

    /// Field helpers for the current directory (TIFF defaults applied).
    std::uint32_t width() const;
    std::uint32_t height() const;
    std::uint16_t samplesPerPixel() const;
    std::uint16_t bitsPerSample() const;
    std::uint16_t photometric() const;  ///< 0xFFFF when the tag is missing
    std::uint16_t compression() const;
    std::uint16_t planarConfig() const;
    std::uint16_t sampleFormat() const;
    bool isTiled() const;
    std::string stringField(std::uint32_t tag) const;
    /// µm per pixel from X/YResolution and ResolutionUnit (TIFF default unit inch); 0 if none.
    cv::Vec2d micronsPerPixel() const;

    /// Decodes the current directory (8 or 16 bit unsigned, 1..CV_CN_MAX samples, strips or
    /// tiles, contiguous or planar) into a CV_8UC(n)/CV_16UC(n) Mat; other layouts (palette,
    /// YCbCr, 1-bit, ...) become CV_8UC4 RGBA through libtiff's RGBA reader. Throws InputError.
    cv::Mat readImage();

private:
    TiffFile() = default;
    bool openInternal(const std::filesystem::path& path);
    [[noreturn]] void raise(const std::string& what) const;
    static int onError(TIFF*, void* user, const char* module, const char* fmt, va_list ap);
    static int onWarning(TIFF*, void* user, const char* module, const char* fmt, va_list ap);

    struct Closer {
        void operator()(TIFF* t) const noexcept { TIFFClose(t); }
    };
    std::filesystem::path m_path;
    std::unique_ptr<TIFF, Closer> m_tiff;
    std::string m_error;
    int m_directory = 0;
};

}  // namespace her2::imaging
