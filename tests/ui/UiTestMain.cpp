#include <QApplication>

#include "support/QtTestMain.hpp"

int main(int argc, char** argv) {
    return her2test::runQtTests<QApplication>(argc, argv, "her2_ui_tests");
}
