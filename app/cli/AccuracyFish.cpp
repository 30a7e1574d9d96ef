// Placeholder until the accuracy report lands.
#include <stdexcept>

#include "Commands.hpp"

namespace her2::cli {
int runFishAccuracy(const std::string&, int) {
    throw std::runtime_error("runFishAccuracy: not built yet");
}
}  // namespace her2::cli
