#pragma once
/// @file Runs AnalysisPipeline::run in the background for the viewer, with progress and
/// cancel, and hands the result back on the GUI thread.
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "her2/core/Params.hpp"
#include "her2/core/Progress.hpp"
#include "her2/imaging/AnalysisPipeline.hpp"

namespace her2::ui {

/// A ProgressSink that turns calls from worker threads into a queued Qt signal. Calls are
/// thinned out (at most one per half percent or per new stage) so a fast pipeline cannot
/// flood the event loop. Thread-safe.
class QtProgressSink : public QObject, public core::ProgressSink {
    Q_OBJECT
public:
    explicit QtProgressSink(QObject* parent = nullptr) : QObject(parent) {}
    void progress(double fraction, std::string_view message) override;

signals:
    void progressed(double fraction, const QString& message);

private:
    std::mutex m_mutex;
    double m_lastFraction = -1;
    std::string m_lastMessage;
};

/// How a run ended.
enum class AnalysisOutcome { Finished, Cancelled, Failed };

/// One background analysis at a time. GUI-thread object: start(), cancel() and the
/// signals all live on the GUI thread; the pipeline runs on a QtConcurrent thread.
class AnalysisController : public QObject {
    Q_OBJECT
public:
    /// The analysis entry point; replaceable so tests can run a controlled stand-in.
    using RunFunction = std::function<imaging::SlideAnalysis(
        const imaging::SlideSource&, const core::AnalysisParams&, const std::optional<core::MultiPolygon>&,
        core::ProgressSink&, const core::CancelToken&, imaging::AssayRequest)>;

    explicit AnalysisController(QObject* parent = nullptr);
    /// Cancels a running analysis and waits for it to stop.
    ~AnalysisController() override;

    void setRunFunction(RunFunction run) { m_run = std::move(run); }

    /// Starts analysing `roi` (whole slide when empty). Returns false when a run is
    /// already active. The slide is shared so it outlives the run.
    bool start(std::shared_ptr<const imaging::SlideSource> slide, const core::AnalysisParams& params,
               std::optional<core::MultiPolygon> roi, imaging::AssayRequest assay);
    /// Asks the running analysis to stop at its next check; cancelled() follows.
    void cancel();
    bool isRunning() const;
    /// Blocks (processing events) until the run ends; for tests and shutdown.
    bool waitForFinished(int timeoutMs);
    /// The result of the last successful run.
    const std::shared_ptr<const imaging::SlideAnalysis>& result() const noexcept { return m_result; }

signals:
    void started();
    void progressChanged(double fraction, const QString& message);
    void finished(std::shared_ptr<const her2::imaging::SlideAnalysis> analysis);
    void cancelled();
    /// The run threw: a slide read error, a bad parameter, or an unavailable pipeline.
    void failed(const QString& message);
    /// Emitted after finished(), cancelled() or failed().
    void stopped(her2::ui::AnalysisOutcome outcome);

private:
    struct Outcome {
        AnalysisOutcome kind = AnalysisOutcome::Failed;
        std::shared_ptr<const imaging::SlideAnalysis> analysis;
        QString error;
    };
    void onDone();

    RunFunction m_run;
    QtProgressSink* m_progress = nullptr;
    std::shared_ptr<core::CancelToken> m_cancel;
    QFutureWatcher<Outcome>* m_watcher = nullptr;
    std::shared_ptr<const imaging::SlideAnalysis> m_result;
};

}  // namespace her2::ui
