// Keeps the library non-empty while widgets are added.
namespace her2::ui {
const char* uiVersion() {
    return "1";
}
}  // namespace her2::ui
