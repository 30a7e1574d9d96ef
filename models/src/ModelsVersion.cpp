// Keeps the library non-empty while models are added.
namespace her2::models {
const char* modelsVersion() { return "1"; }
}  // namespace her2::models
