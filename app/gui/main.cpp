// Placeholder entry point; the desktop viewer replaces it.
int main() { return 0; }
