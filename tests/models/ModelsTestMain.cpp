#include <QGuiApplication>

#include "support/QtTestMain.hpp"

int main(int argc, char** argv) {
    return her2test::runQtTests<QGuiApplication>(argc, argv, "her2_models_tests");
}
