#include "her2/imaging/AtomicFile.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include <unistd.h>
#include <opencv2/imgcodecs.hpp>

#include "her2/core/Errors.hpp"

namespace her2::imaging {
namespace {

std::atomic<unsigned long> g_counter{0};

std::filesystem::path temporaryFor(const std::filesystem::path& target) {
    const auto n = g_counter.fetch_add(1, std::memory_order_relaxed);
    const std::string name = "." + target.filename().string() + "." + std::to_string(::getpid()) + "-" +
                             std::to_string(n) + ".partial";
    return target.parent_path() / name;
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path target)
    : m_target(std::move(target)), m_temp(temporaryFor(m_target)) {
    m_out.open(m_temp, std::ios::binary | std::ios::trunc);
    if (!m_out)
        throw core::InputError(m_target.string(), std::string("cannot write: ") + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
    if (m_committed) return;
    m_out.close();
    std::error_code ec;
    std::filesystem::remove(m_temp, ec);
}

void AtomicFile::commit() {
    if (m_committed) return;
    m_out.flush();
    const bool ok = static_cast<bool>(m_out);
    m_out.close();
    if (!ok || m_out.fail()) {
        std::error_code ec;
        std::filesystem::remove(m_temp, ec);
        throw core::InputError(m_target.string(), "write failed (disk full?)");
    }
    std::error_code ec;
    std::filesystem::rename(m_temp, m_target, ec);
    if (ec) {
        std::filesystem::remove(m_temp, ec);
        throw core::InputError(m_target.string(), "cannot rename into place: " + ec.message());
    }
    m_committed = true;
}

void writeFileAtomic(const std::filesystem::path& path, std::string_view contents) {
    AtomicFile f(path);
    f.stream().write(contents.data(), static_cast<std::streamsize>(contents.size()));
    f.commit();
}

void writeImageAtomic(const std::filesystem::path& path, const cv::Mat& bgr, int jpegQuality) {
    std::string ext = path.extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::vector<int> flags;
    if (ext == ".jpg" || ext == ".jpeg") flags = {cv::IMWRITE_JPEG_QUALITY, jpegQuality};
    if (ext == ".png") flags = {cv::IMWRITE_PNG_COMPRESSION, 6};
    std::vector<unsigned char> bytes;
    try {
        if (bgr.empty() || !cv::imencode(ext, bgr, bytes, flags))
            throw core::InputError(path.string(), "cannot encode image");
    } catch (const cv::Exception& e) {
        throw core::InputError(path.string(), "cannot encode image: " + std::string(e.err));
    }
    writeFileAtomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool isTemporaryName(const std::filesystem::path& path) {
    const std::string name = path.filename().string();
    return name.size() > 9 && name.front() == '.' && name.ends_with(".partial");
}

}  // namespace her2::imaging
