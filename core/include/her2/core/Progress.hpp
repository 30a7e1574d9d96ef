#pragma once
/// @file Progress reporting and cancellation shared by the CLI, batch runner and GUI.
#include <atomic>
#include <string_view>

namespace her2::core {

/// Receives progress from a running analysis. Called from worker threads:
/// implementations must be thread-safe.
class ProgressSink {
public:
    virtual ~ProgressSink() = default;
    /// fraction in [0, 1]; message is a short stage name ("tissue", "tiles", "scoring").
    virtual void progress(double fraction, std::string_view message) = 0;
};

/// Discards progress.
class NullProgress final : public ProgressSink {
public:
    void progress(double, std::string_view) override {}
};

/// A flag checked between tiles. Thread-safe.
class CancelToken {
public:
    void cancel() noexcept { m_cancelled.store(true, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return m_cancelled.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled{false};
};

}  // namespace her2::core
