#pragma once
/// @file Whole-file writes that never leave a half-written output: the data goes to a
/// hidden temporary file in the target's directory and is renamed over the target only
/// once it is complete (rename is atomic within one file system).
#include <filesystem>
#include <fstream>
#include <string_view>

#include <opencv2/core.hpp>

namespace her2::imaging {

/// One atomic write. Not thread-safe; distinct objects may be used on distinct threads.
class AtomicFile {
public:
    /// Opens "<dir>/.<name>.<pid>-<n>.partial" for writing. Throws core::InputError naming
    /// the target when the directory is missing or not writable.
    explicit AtomicFile(std::filesystem::path target);
    /// Removes the temporary file unless commit() succeeded.
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    std::ostream& stream() { return m_out; }
    /// Flushes, closes and renames onto the target. Throws core::InputError on any write
    /// or rename failure (the temporary file is removed).
    void commit();

    const std::filesystem::path& target() const noexcept { return m_target; }
    const std::filesystem::path& temporaryPath() const noexcept { return m_temp; }

private:
    std::filesystem::path m_target;
    std::filesystem::path m_temp;
    std::ofstream m_out;
    bool m_committed = false;
};

/// Writes `contents` to `path` atomically. Throws core::InputError.
void writeFileAtomic(const std::filesystem::path& path, std::string_view contents);

/// Encodes an image by the extension of `path` (.png, .jpg) and writes it atomically.
/// `bgr` is CV_8UC3 in OpenCV's BGR order. Throws core::InputError.
void writeImageAtomic(const std::filesystem::path& path, const cv::Mat& bgr, int jpegQuality = 85);

/// True for the names AtomicFile uses for its temporary files.
bool isTemporaryName(const std::filesystem::path& path);

}  // namespace her2::imaging
