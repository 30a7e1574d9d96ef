#pragma once
/// @file Helpers shared by the imaging tests of every module.
#include <chrono>
#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include <unistd.h>

namespace her2test {

/// A fresh directory under the system temp folder, removed with its contents on exit.
class TempDir {
public:
    explicit TempDir(const std::string& tag) {
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        m_path = std::filesystem::temp_directory_path() /
                 ("her2-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(stamp));
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const noexcept { return m_path; }

private:
    std::filesystem::path m_path;
};

/// Largest absolute difference between two images of the same size and type, over all channels.
inline double maxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    double mx = 0;
    cv::minMaxLoc(d.reshape(1), nullptr, &mx);
    return mx;
}

}  // namespace her2test
