#pragma once
#include <string>

namespace her2::imaging {
/// HER2Scope version of this build, e.g. "0.1.0".
std::string version();
}  // namespace her2::imaging
