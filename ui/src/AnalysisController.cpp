#include "her2/ui/AnalysisController.hpp"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>

#include "her2/core/Errors.hpp"

namespace her2::ui {

void QtProgressSink::progress(double fraction, std::string_view message) {
    {
        std::lock_guard lock(m_mutex);
        if (message == m_lastMessage && std::abs(fraction - m_lastFraction) < 0.005 && fraction < 1.0) return;
        m_lastFraction = fraction;
        m_lastMessage.assign(message);
    }
    // Emitted on the worker thread; receivers on the GUI thread get it queued.
    emit progressed(fraction, QString::fromUtf8(message.data(), static_cast<qsizetype>(message.size())));
}

AnalysisController::AnalysisController(QObject* parent)
    : QObject(parent),
      m_run(&imaging::AnalysisPipeline::run),
      m_progress(new QtProgressSink(this)),
      m_watcher(new QFutureWatcher<Outcome>(this)) {
    connect(m_progress, &QtProgressSink::progressed, this, &AnalysisController::progressChanged,
            Qt::QueuedConnection);
    connect(m_watcher, &QFutureWatcher<Outcome>::finished, this, &AnalysisController::onDone);
}

AnalysisController::~AnalysisController() {
    if (m_cancel) m_cancel->cancel();
    m_watcher->disconnect(this);
    m_watcher->waitForFinished();
}

bool AnalysisController::isRunning() const {
    return m_watcher->isRunning();
}

bool AnalysisController::start(std::shared_ptr<const imaging::SlideSource> slide,
                               const core::AnalysisParams& params, std::optional<core::MultiPolygon> roi,
                               imaging::AssayRequest assay) {
    if (isRunning() || !slide) return false;
    m_cancel = std::make_shared<core::CancelToken>();
    auto cancel = m_cancel;
    auto run = m_run;
    QtProgressSink* progress = m_progress;
    emit started();
    emit progressChanged(0.0, tr("starting"));
    m_watcher->setFuture(QtConcurrent::run([=]() -> Outcome {
        Outcome out;
        try {
            auto analysis =
                std::make_shared<imaging::SlideAnalysis>(run(*slide, params, roi, *progress, *cancel, assay));
            if (cancel->cancelled()) {
                out.kind = AnalysisOutcome::Cancelled;
            } else {
                out.kind = AnalysisOutcome::Finished;
                out.analysis = std::move(analysis);
            }
        } catch (const core::CancelledError&) {
            out.kind = AnalysisOutcome::Cancelled;
        } catch (const std::logic_error& e) {
            out.error =
                tr("The analysis is not available in this build: %1").arg(QString::fromUtf8(e.what()));
        } catch (const std::exception& e) {
            out.error = QString::fromUtf8(e.what());
        } catch (...) {
            out.error = tr("unknown error");
        }
        return out;
    }));
    return true;
}

void AnalysisController::cancel() {
    if (m_cancel) m_cancel->cancel();
}

bool AnalysisController::waitForFinished(int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    while (isRunning()) {
        if (deadline.hasExpired()) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    // Deliver the watcher's finished signal and queued progress.
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    return true;
}

void AnalysisController::onDone() {
    const Outcome out = m_watcher->result();
    switch (out.kind) {
        case AnalysisOutcome::Finished:
            m_result = out.analysis;
            emit progressChanged(1.0, tr("done"));
            emit finished(out.analysis);
            break;
        case AnalysisOutcome::Cancelled:
            emit cancelled();
            break;
        case AnalysisOutcome::Failed:
            emit failed(out.error);
            break;
    }
    emit stopped(out.kind);
}

}  // namespace her2::ui
