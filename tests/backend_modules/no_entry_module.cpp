// A shared library that is not a backend module: it exports no entry symbols.
extern "C" __attribute__((visibility("default"))) int fovea_test_not_a_module() { return 1; }
