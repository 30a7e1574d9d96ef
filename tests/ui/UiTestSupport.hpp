#pragma once
// Shared helpers of the viewer tests: one QApplication, a message recorder, temp files.
#include <QApplication>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QStringList>
#include <QThread>
#include <functional>

#include "her2/ui/ErrorReporter.hpp"

namespace her2test {

inline QApplication& app() {
    static int argc = 1;
    static char name[] = "her2_ui_tests";
    static char* argv[] = {name, nullptr};
    static QApplication* a = [] {
        auto* created = new QApplication(argc, argv);
        // Keep the tests' recent-file list away from the user's.
        QCoreApplication::setOrganizationName(QStringLiteral("HER2Scope-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("her2_ui_tests"));
        return created;
    }();
    return *a;
}

inline QString testData(const char* relative) {
    return QStringLiteral(HER2_TESTDATA_DIR "/") + QString::fromLatin1(relative);
}

/// Records messages instead of showing a modal box.
struct MessageRecorder {
    QStringList messages;
    her2::ui::ScopedMessageHandler scope{
        [this](QWidget*, her2::ui::MessageKind, const QString& title, const QString& text) {
            messages << title + QStringLiteral(": ") + text;
        }};
};

/// Processes events until pred() holds or the timeout passes.
inline bool waitUntil(const std::function<bool()>& pred, int timeoutMs = 5000) {
    QDeadlineTimer deadline(timeoutMs);
    while (!pred()) {
        if (deadline.hasExpired()) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

inline bool copyFile(const QString& from, const QString& to) {
    QFile::remove(to);
    return QFile::copy(from, to);
}

}  // namespace her2test
