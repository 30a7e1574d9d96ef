#pragma once
/// @file How the viewer tells the user that something failed. A message box by default;
/// tests and batch tools install their own handler so nothing ever blocks on a modal dialog.
#include <QString>
#include <functional>

class QWidget;

namespace her2::ui {

/// Severity of a user-facing message.
enum class MessageKind { Information, Warning, Error };

/// Signature of a message handler: parent widget (may be null), kind, title, one-line text.
using MessageHandler =
    std::function<void(QWidget* parent, MessageKind kind, const QString& title, const QString& text)>;

/// Process-wide message hook. GUI-thread only.
class ErrorReporter {
public:
    /// Shows a message through the installed handler (a QMessageBox when none is installed).
    static void report(QWidget* parent, MessageKind kind, const QString& title, const QString& text);
    /// Installs a handler; an empty function restores the message box. Returns the previous one.
    static MessageHandler setHandler(MessageHandler handler);
};

/// Installs a handler for the lifetime of the object and restores the previous one after.
class ScopedMessageHandler {
public:
    explicit ScopedMessageHandler(MessageHandler handler)
        : m_previous(ErrorReporter::setHandler(std::move(handler))) {}
    ~ScopedMessageHandler() { ErrorReporter::setHandler(std::move(m_previous)); }
    ScopedMessageHandler(const ScopedMessageHandler&) = delete;
    ScopedMessageHandler& operator=(const ScopedMessageHandler&) = delete;

private:
    MessageHandler m_previous;
};

}  // namespace her2::ui
