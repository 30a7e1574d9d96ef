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

/// The application made by the suite's main() (support/QtTestMain.hpp).
inline QApplication& app() {
    return *qobject_cast<QApplication*>(QCoreApplication::instance());
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
