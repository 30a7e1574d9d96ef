#include "her2/imaging/Version.hpp"

namespace her2::imaging {
std::string version() { return HER2_VERSION; }
}  // namespace her2::imaging
