#pragma once
/// @file Internal: a libtiff handle that owns its TIFF* and keeps libtiff's messages
/// (instead of letting libtiff print them), for the phantom writers.
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <tiffio.h>

#include "her2/core/Errors.hpp"

namespace her2::imaging::detail {

class TiffHandle {
public:
    /// mode as for TIFFOpen ("w", "w8", "r"). Throws core::InputError.
    TiffHandle(const std::filesystem::path& path, const char* mode) : m_path(path.string()) {
        m_messages = std::make_unique<std::string>();
        std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> opts(TIFFOpenOptionsAlloc(), TIFFOpenOptionsFree);
        TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), &TiffHandle::onError, m_messages.get());
        TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), &TiffHandle::onWarning, nullptr);
        m_tiff.reset(TIFFOpenExt(m_path.c_str(), mode, opts.get()));
        if (!m_tiff) fail("cannot open TIFF");
    }

    TIFF* get() const noexcept { return m_tiff.get(); }
    operator TIFF*() const noexcept { return m_tiff.get(); }

    /// Closes (flushing) and reports a failure as InputError.
    void close() {
        if (m_tiff) {
            TIFF* t = m_tiff.release();
            TIFFClose(t);
        }
    }

    [[noreturn]] void fail(const std::string& what) const {
        std::string msg = what;
        if (!m_messages->empty()) msg += " (" + *m_messages + ")";
        throw core::InputError(m_path, msg);
    }

    void check(int ok, const char* what) const {
        if (!ok) fail(what);
    }

private:
    static int onError(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
        auto* messages = static_cast<std::string*>(user);
        char buf[512];
        std::vsnprintf(buf, sizeof buf, fmt, ap);
        if (!messages->empty()) messages->append("; ");
        if (module) messages->append(module).append(": ");
        messages->append(buf);
        return 1;
    }
    static int onWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

    struct Closer {
        void operator()(TIFF* t) const noexcept { TIFFClose(t); }
    };
    std::string m_path;
    std::unique_ptr<std::string> m_messages;
    std::unique_ptr<TIFF, Closer> m_tiff;
};

}  // namespace her2::imaging::detail
