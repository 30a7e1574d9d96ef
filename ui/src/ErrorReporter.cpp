#include "her2/ui/ErrorReporter.hpp"

#include <QMessageBox>

namespace her2::ui {
namespace {

MessageHandler& handler() {
    static MessageHandler h;
    return h;
}

}  // namespace

void ErrorReporter::report(QWidget* parent, MessageKind kind, const QString& title, const QString& text) {
    if (handler()) {
        handler()(parent, kind, title, text);
        return;
    }
    switch (kind) {
        case MessageKind::Information:
            QMessageBox::information(parent, title, text);
            break;
        case MessageKind::Warning:
            QMessageBox::warning(parent, title, text);
            break;
        case MessageKind::Error:
            QMessageBox::critical(parent, title, text);
            break;
    }
}

MessageHandler ErrorReporter::setHandler(MessageHandler h) {
    MessageHandler previous = std::move(handler());
    handler() = std::move(h);
    return previous;
}

}  // namespace her2::ui
