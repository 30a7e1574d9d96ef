#pragma once
/// @file Back end for multi-page or multi-sample grey TIFF (one fluorescence channel per page
/// or per sample).
#include <filesystem>
#include <memory>

#include "her2/imaging/SlideSource.hpp"

namespace her2::imaging {

/// True for a TIFF whose first page has >= 2 grey samples, or with >= 2 grey 8/16-bit pages of
/// the first page's size. Never throws.
bool isChannelTiff(const std::filesystem::path& path);

/// Decodes every channel into memory; names from PageName tags or OME-XML Channel names.
/// Throws core::InputError.
std::unique_ptr<SlideSource> openChannelTiff(const std::filesystem::path& path);

}  // namespace her2::imaging
