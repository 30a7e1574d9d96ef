#include "her2/imaging/SlideHash.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

#include "slide/SlideDetail.hpp"

namespace her2::imaging {

namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr std::uint64_t kChunk = 1 << 20;

void fnv(std::uint64_t& h, const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        h ^= static_cast<std::uint8_t>(data[i]);
        h *= kFnvPrime;
    }
}

}  // namespace

std::string slideHash(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) detail::fail(path, "cannot hash: not a regular file");
    const std::uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) detail::fail(path, "cannot hash: " + ec.message());
    std::ifstream in(path, std::ios::binary);
    if (!in) detail::fail(path, "cannot hash: the file cannot be opened");
    std::uint64_t h = kFnvOffset;
    std::array<char, 8> sizeBytes{};
    for (int i = 0; i < 8; ++i)
        sizeBytes[static_cast<std::size_t>(i)] = static_cast<char>((size >> (8 * i)) & 0xFF);
    fnv(h, sizeBytes.data(), sizeBytes.size());
    std::vector<char> buffer(static_cast<std::size_t>(std::min(size, kChunk)));
    auto hashAt = [&](std::uint64_t offset) {
        in.clear();
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (static_cast<std::size_t>(in.gcount()) != buffer.size())
            detail::fail(path, "cannot hash: short read");
        fnv(h, buffer.data(), buffer.size());
    };
    hashAt(0);
    hashAt(size - buffer.size());
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

}  // namespace her2::imaging
