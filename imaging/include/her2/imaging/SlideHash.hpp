#pragma once
/// @file A cheap, stable identity for a slide file.
#include <filesystem>
#include <string>

namespace her2::imaging {

/// 64-bit FNV-1a over the file size and its first and last MiB, as 16 lower-case hex digits.
/// Stable across copies and renames; changes when the content at either end changes. Reads at
/// most 2 MiB. Thread-safe. Throws core::InputError if the file cannot be read.
std::string slideHash(const std::filesystem::path& path);

}  // namespace her2::imaging
