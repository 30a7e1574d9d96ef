// Item models over results: structure checked by QAbstractItemModelTester, content by value.
#include <gtest/gtest.h>

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QTemporaryDir>
#include <random>

#include "her2/core/Errors.hpp"
#include "her2/core/GeoJson.hpp"
#include "her2/models/CellFeatureImport.hpp"
#include "her2/models/CellSpatialIndex.hpp"
#include "her2/models/CellTableModel.hpp"
#include "her2/models/QaTableModel.hpp"
#include "her2/models/SlideListModel.hpp"

using namespace her2;

namespace {

/// The application made by the suite's main() (support/QtTestMain.hpp).
QGuiApplication& app() {
    return *qobject_cast<QGuiApplication*>(QCoreApplication::instance());
}

void writeFile(const QString& path, const QByteArray& text) {
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(text);
}

core::CellTable makeCells(std::size_t n, std::uint32_t seed = 7) {
    core::CellTable t;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> pos(0, 10000);
    for (std::size_t i = 0; i < n; ++i) {
        core::CellRecord r;
        r.x = pos(rng);
        r.y = pos(rng);
        r.membraneOdMean = static_cast<float>(i % 10) / 10.0f;
        r.score = static_cast<core::CellScore>(i % 4);
        r.exclusion = i % 7 == 0 ? core::CellExclusion::Stroma : core::CellExclusion::None;
        r.outline = {
            {r.x - 5.0, r.y - 5.0}, {r.x + 5.0, r.y - 5.0}, {r.x + 5.0, r.y + 5.0}, {r.x - 5.0, r.y + 5.0}};
        t.append(r);
    }
    return t;
}

const char* kSummary =
    "slide,path,assay,rule,specimen,score,status,her2_low_category,tumor_cells,pct_0,pct_1,pct_2,pct_3,"
    "nuclei_counted,mean_her2,mean_cep17,ratio,group,params_hash,slide_hash,overlay,report,seconds,error\n"
    "a,a.tiff,ihc,breast,resection,3+,positive,3+,1200,1,2,3,94,,,,,,h,s,a.overlay.png,a.her2.json,1.5,\n"
    "b,missing.tiff,ihc,breast,resection,0,negative,0-null,900,99,1,0,0,,,,,,h,s,,,1.1,\n"
    "c,c.tiff,,,,,,,,,,,,,,,,,,,,,,\"cannot open, corrupt\"\n";

}  // namespace

TEST(Models_SlideListModel, loadsSummaryAndResolvesFiles) {
    app();
    QTemporaryDir dir;
    writeFile(dir.filePath("summary.csv"), kSummary);
    writeFile(dir.filePath("a.tiff"), "x");
    writeFile(dir.filePath("a.her2.json"), "{}");
    writeFile(dir.filePath("a.cells.geojson"), "{}");
    models::SlideListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.load(dir.path());
    ASSERT_EQ(model.rowCount(), 3);
    EXPECT_EQ(model.columns().first(), "slide");
    const QModelIndex a = model.index(0, 0);
    EXPECT_EQ(a.data(models::SlideListModel::SlidePathRole).toString(),
              QDir(dir.path()).absoluteFilePath("a.tiff"));
    EXPECT_FALSE(a.data(models::SlideListModel::ReportJsonRole).toString().isEmpty());
    EXPECT_FALSE(a.data(models::SlideListModel::CellsGeoJsonRole).toString().isEmpty());
    EXPECT_EQ(a.data(models::SlideListModel::ScoreRole).toString(), "3+");
    EXPECT_TRUE(model.index(1, 0).data(models::SlideListModel::SlidePathRole).toString().isEmpty());
    const int errorColumn = model.columns().indexOf("error");
    EXPECT_EQ(model.index(2, errorColumn).data().toString(), "cannot open, corrupt");
    EXPECT_TRUE(model.index(0, model.columns().indexOf("score")).data(Qt::DecorationRole).isValid());
    model.clear();
    EXPECT_EQ(model.rowCount(), 0);
}

TEST(Models_SlideListModel, badFolderLeavesModelUnchanged) {
    app();
    QTemporaryDir dir;
    writeFile(dir.filePath("summary.csv"), kSummary);
    models::SlideListModel model;
    model.load(dir.path());
    QTemporaryDir empty;
    EXPECT_THROW(model.load(empty.path()), core::InputError);
    writeFile(empty.filePath("summary.csv"), "name,score\nx,1\n");
    EXPECT_THROW(model.load(empty.path()), core::ParseError);
    EXPECT_EQ(model.rowCount(), 3);
}

TEST(Models_CellTableModel, fetchesLazilyAndPassesTester) {
    app();
    auto cells = std::make_shared<const core::CellTable>(makeCells(5000));
    models::CellTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setCells(cells);
    EXPECT_EQ(model.rowCount(), models::CellTableModel::kFetchBatch);
    EXPECT_TRUE(model.canFetchMore({}));
    while (model.canFetchMore({})) model.fetchMore({});
    EXPECT_EQ(model.rowCount(), 5000);
    model.setCells(cells);
    EXPECT_EQ(model.ensureRow(4321), 4321);
    EXPECT_GE(model.rowCount(), 4322);
    EXPECT_EQ(model.ensureRow(5000), -1);
    const QModelIndex score = model.index(3, int(models::CellTableModel::Column::Score));
    EXPECT_EQ(score.data().toString(), "3+");
    EXPECT_EQ(score.data(models::CellTableModel::ValueRole).toInt(), 3);
    EXPECT_EQ(model.index(7, int(models::CellTableModel::Column::Exclusion)).data().toString(), "stroma");
    EXPECT_EQ(model.index(5, 0).data(models::CellTableModel::CellIndexRole).toULongLong(), 5u);
    model.setCells(nullptr);
    EXPECT_EQ(model.rowCount(), 0);
}

TEST(Models_QaTableModel, parsesResultAndPassesTester) {
    app();
    QTemporaryDir dir;
    writeFile(dir.filePath("s1.svs"), "x");
    writeFile(dir.filePath("s1.overlay.png"), "x");
    const QByteArray json = R"({"n": 20, "agreement": 0.9, "kappa": 0.81, "weighted_kappa": 0.9,
        "confusion": [[5,1,0,0],[0,4,0,0],[0,1,4,0],[0,0,0,5]],
        "discordant": [{"slide": "s1.svs", "auto": "1+", "manual": "0", "overlay": "s1.overlay.png"},
                       {"slide": "gone.svs", "auto": "2+", "manual": "1+", "overlay": null}]})";
    writeFile(dir.filePath("qa.json"), json);
    const models::QaResult r = models::QaResult::load(dir.filePath("qa.json"));
    EXPECT_EQ(r.n, 20);
    EXPECT_DOUBLE_EQ(r.kappa, 0.81);
    ASSERT_EQ(r.confusion.size(), 4u);
    EXPECT_EQ(r.confusion[2][1], 1);
    models::QaTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setResult(r);
    ASSERT_EQ(model.rowCount(), 2);
    EXPECT_EQ(model.index(0, 1).data().toString(), "1+");
    EXPECT_FALSE(model.index(0, 0).data(models::QaTableModel::SlidePathRole).toString().isEmpty());
    EXPECT_FALSE(model.index(0, 0).data(models::QaTableModel::OverlayPathRole).toString().isEmpty());
    EXPECT_TRUE(model.index(1, 0).data(models::QaTableModel::SlidePathRole).toString().isEmpty());
    EXPECT_EQ(model.caseAt(5), nullptr);
}

TEST(Models_QaResult, rejectsWhatIsNotAQaResult) {
    EXPECT_THROW(models::QaResult::parse("not json", "qa.json", "."), core::ParseError);
    EXPECT_THROW(models::QaResult::parse("[1,2]", "qa.json", "."), core::ParseError);
    EXPECT_THROW(models::QaResult::parse(R"({"type":"FeatureCollection"})", "qa.json", "."),
                 core::ParseError);
    EXPECT_THROW(models::QaResult::parse(R"({"kappa":1,"discordant":5})", "qa.json", "."), core::ParseError);
    EXPECT_THROW(models::QaResult::load("/nonexistent/qa.json"), core::InputError);
}

TEST(Models_CellSpatialIndex, queryMatchesBruteForce) {
    const core::CellTable t = makeCells(20000, 3);
    models::CellSpatialIndex index;
    index.build(t.x, t.y);
    EXPECT_EQ(index.size(), 20000u);
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> pos(-500, 10500);
    for (int q = 0; q < 50; ++q) {
        double x0 = pos(rng), x1 = pos(rng), y0 = pos(rng), y1 = pos(rng);
        if (x1 < x0) std::swap(x0, x1);
        if (y1 < y0) std::swap(y0, y1);
        auto got = index.query(x0, y0, x1, y1);
        std::sort(got.begin(), got.end());
        std::vector<std::uint32_t> want;
        for (std::uint32_t i = 0; i < t.size(); ++i)
            if (t.x[i] >= x0 && t.x[i] < x1 && t.y[i] >= y0 && t.y[i] < y1) want.push_back(i);
        ASSERT_EQ(got, want);
        EXPECT_GE(index.estimateCount(x0, y0, x1, y1), want.size());
    }
    // nearest: the brute-force nearest within the radius.
    for (int q = 0; q < 50; ++q) {
        const double x = pos(rng), y = pos(rng);
        double best = 60 * 60;
        std::optional<std::uint32_t> want;
        for (std::uint32_t i = 0; i < t.size(); ++i) {
            const double d = (t.x[i] - x) * (t.x[i] - x) + (t.y[i] - y) * (t.y[i] - y);
            if (d <= best) {
                best = d;
                want = i;
            }
        }
        const auto got = index.nearest(x, y, 60);
        ASSERT_EQ(got.has_value(), want.has_value());
        if (got) {
            EXPECT_FLOAT_EQ((t.x[*got] - x) * (t.x[*got] - x) + (t.y[*got] - y) * (t.y[*got] - y), best);
        }
    }
}

TEST(Models_CellSpatialIndex, emptyAndDegenerateInputs) {
    models::CellSpatialIndex index;
    index.build({}, {});
    EXPECT_TRUE(index.empty());
    EXPECT_TRUE(index.query(0, 0, 10, 10).empty());
    EXPECT_FALSE(index.nearest(0, 0, 10).has_value());
    const std::vector<float> x(100, 5.0f), y(100, 5.0f);
    index.build(x, y);
    EXPECT_EQ(index.query(0, 0, 10, 10).size(), 100u);
    EXPECT_TRUE(index.query(6, 6, 10, 10).empty());
}

TEST(Models_CellFeatureImport, roundTripsHer2ScopeFeatures) {
    const char* text = R"({"type":"FeatureCollection","features":[
      {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]},
       "properties":{"objectType":"cell","classification":{"name":"HER2 3+","color":[255,0,0]},
       "measurements":{"Membrane: DAB OD mean":0.6,"Membrane: completeness":0.95,"Cell: area um^2":100}}},
      {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[20,20],[30,20],[30,30],[20,30],[20,20]]]},
       "properties":{"objectType":"cell","classification":{"name":"Stroma","color":[150,150,150]}}},
      {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},
       "properties":{"objectType":"annotation"}}]})";
    const auto features = core::parseCellFeatures(text, "cells.geojson");
    const core::CellTable t = models::cellTableFromFeatures(features);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_NEAR(t.x[0], 5.0, 1e-4);
    EXPECT_NEAR(t.y[0], 5.0, 1e-4);
    EXPECT_EQ(t.score[0], core::CellScore::Three);
    EXPECT_TRUE(t.isTumour(0));
    EXPECT_NEAR(t.membraneOdMean[0], 0.6, 1e-6);
    EXPECT_EQ(t.pattern[0], core::MembranePattern::Complete);
    EXPECT_EQ(t.exclusion[1], core::CellExclusion::Stroma);
    EXPECT_EQ(t.outline(1).size(), 4u);
}

TEST(Models_CellFeatureImport, notGeoJsonIsAParseError) {
    QTemporaryDir dir;
    writeFile(dir.filePath("bad.geojson"), "this is not json");
    EXPECT_THROW(models::loadCellGeoJson(dir.filePath("bad.geojson").toStdString()), core::ParseError);
    writeFile(dir.filePath("empty.geojson"), R"({"type":"FeatureCollection","features":[]})");
    EXPECT_THROW(models::loadCellGeoJson(dir.filePath("empty.geojson").toStdString()), core::InputError);
    EXPECT_THROW(models::loadCellGeoJson("/nonexistent.geojson"), core::InputError);
}
