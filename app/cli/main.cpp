// Placeholder entry point; the CLI commands replace it.
int main() { return 0; }
