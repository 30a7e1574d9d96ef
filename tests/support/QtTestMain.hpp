#pragma once
// main() of the Qt test executables. The application object lives on main()'s stack, so it
// is destroyed before static destruction begins: a leaked or static QApplication lets Qt's
// thread-local animation timers and the main thread's data be torn down in arbitrary order
// at exit, which aborted a viewer test run now and then ("pure virtual method called").
#include <gtest/gtest.h>

#include <QCoreApplication>

namespace her2test {

template <class App>
int runQtTests(int argc, char** argv, const char* name) {
    testing::InitGoogleTest(&argc, argv);
    // Test discovery runs without a display or platform setting: no application needed.
    if (GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();
    App application(argc, argv);
    // Keep the tests' settings (recent files) away from the user's.
    QCoreApplication::setOrganizationName(QStringLiteral("HER2Scope-tests"));
    QCoreApplication::setApplicationName(QString::fromLatin1(name));
    return RUN_ALL_TESTS();
}

}  // namespace her2test
