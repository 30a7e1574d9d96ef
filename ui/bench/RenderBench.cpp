// Frame times of the overlay renderer over synthetic cells at several zoom levels,
// offscreen. Usage: her2scope-render-bench [--cells N] [--frames K]
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "her2/ui/OverlayRenderer.hpp"

namespace {

const char* modeName(her2::ui::CellDrawMode m) {
    switch (m) {
        case her2::ui::CellDrawMode::None:
            return "none";
        case her2::ui::CellDrawMode::HeatMap:
            return "heatmap";
        case her2::ui::CellDrawMode::Dots:
            return "dots";
        case her2::ui::CellDrawMode::Outlines:
            return "outlines";
    }
    return "?";
}

/// Cells on a jittered hexagonal-ish lattice, 60 px apart (15 µm at 0.25 µm/px), each a
/// 16-point outline; classes in patches so the heat map has structure.
std::shared_ptr<her2::core::CellTable> syntheticCells(std::size_t n) {
    auto t = std::make_shared<her2::core::CellTable>();
    t->reserve(n);
    const auto side = static_cast<std::size_t>(std::ceil(std::sqrt(double(n))));
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> jitter(-8, 8), radius(20, 28);
    for (std::size_t i = 0; i < n; ++i) {
        her2::core::CellRecord r;
        const std::size_t row = i / side, col = i % side;
        r.x = float(col * 60 + (row % 2) * 30 + 40) + jitter(rng);
        r.y = float(row * 52 + 40) + jitter(rng);
        const double field = std::sin(r.x / 4000.0) + std::cos(r.y / 3000.0);
        r.score = static_cast<her2::core::CellScore>(std::clamp(int((field + 2) * 1.0 + (rng() % 2)), 0, 3));
        r.exclusion = rng() % 10 == 0 ? her2::core::CellExclusion::Stroma : her2::core::CellExclusion::None;
        r.membraneOdMean = 0.1f * float(int(r.score) + 1);
        const float rad = radius(rng);
        for (int k = 0; k < 16; ++k) {
            const double a = k * 2 * M_PI / 16;
            r.outline.push_back({r.x + rad * std::cos(a), r.y + rad * 0.85 * std::sin(a)});
        }
        t->append(r);
    }
    return t;
}

}  // namespace

int main(int argc, char* argv[]) {
    std::size_t cells = 1000000;
    int frames = 30;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--cells") && i + 1 < argc) {
            cells = std::stoul(argv[++i]);
        } else if (!std::strcmp(argv[i], "--frames") && i + 1 < argc) {
            frames = std::max(1, std::stoi(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: %s [--cells N] [--frames K]\n", argv[0]);
            return std::strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);

    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    std::shared_ptr<const her2::core::CellTable> table = syntheticCells(cells);
    const auto t1 = clock::now();
    her2::ui::OverlayRenderer renderer;
    renderer.setCells(table);
    const auto t2 = clock::now();
    const double buildMs = std::chrono::duration<double, std::milli>(t2 - t1).count();
    std::printf("cells %zu  generate %.0f ms  index+heatmap %.0f ms\n", cells,
                std::chrono::duration<double, std::milli>(t1 - t0).count(), buildMs);

    float maxX = 0, maxY = 0;
    for (std::size_t i = 0; i < table->size(); ++i) {
        maxX = std::max(maxX, table->x[i]);
        maxY = std::max(maxY, table->y[i]);
    }
    const QSize viewport(1600, 1000);
    const double fit = std::min(viewport.width() / double(maxX), viewport.height() / double(maxY));
    // Whole slide, 4x and 16x the fit, then 10x and 40x objective (scale 0.25 and 1 at 0.25 µm/px).
    const std::vector<double> scales{fit, fit * 4, fit * 16, 0.25, 1.0};
    QImage target(viewport, QImage::Format_ARGB32_Premultiplied);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> ux(0.2, 0.8);

    std::printf("%-6s %-10s %-9s %10s %10s %10s %12s\n", "level", "scale", "mode", "median_ms", "p95_ms",
                "max_ms", "cells_drawn");
    std::string json = "{\"cells\":" + std::to_string(cells) + ",\"frames\":" + std::to_string(frames) +
                       ",\"viewport\":[1600,1000],\"build_ms\":" + std::to_string(buildMs) + ",\"levels\":[";
    double worstMedian = 0;
    for (std::size_t level = 0; level < scales.size(); ++level) {
        std::vector<double> times;
        std::size_t drawn = 0;
        her2::ui::CellDrawMode mode = her2::ui::CellDrawMode::None;
        for (int f = 0; f < frames; ++f) {
            // A different centre each frame, as when panning: nothing is reused.
            her2::ui::ViewTransform view{QPointF(ux(rng) * maxX, ux(rng) * maxY), scales[level],
                                         QSizeF(viewport)};
            if (level == 0) view.center = QPointF(maxX / 2.0 + f, maxY / 2.0);
            const auto a = clock::now();
            target.fill(Qt::transparent);
            const auto stats = renderer.render(target, view);
            const auto b = clock::now();
            times.push_back(std::chrono::duration<double, std::milli>(b - a).count());
            drawn = std::max(drawn, stats.cellsDrawn);
            mode = stats.mode;
        }
        std::sort(times.begin(), times.end());
        const double median = times[times.size() / 2];
        const double p95 =
            times[std::min(times.size() - 1, static_cast<std::size_t>(std::ceil(times.size() * 0.95)) - 1)];
        worstMedian = std::max(worstMedian, median);
        std::printf("%-6zu %-10.5f %-9s %10.2f %10.2f %10.2f %12zu\n", level, scales[level], modeName(mode),
                    median, p95, times.back(), drawn);
        char buf[256];
        std::snprintf(
            buf, sizeof buf,
            "%s{\"scale\":%.6f,\"mode\":\"%s\",\"median_ms\":%.3f,\"p95_ms\":%.3f,\"cells_drawn\":%zu}",
            level ? "," : "", scales[level], modeName(mode), median, p95, drawn);
        json += buf;
    }
    char tail[128];
    std::snprintf(tail, sizeof tail, "],\"worst_median_ms\":%.3f,\"target_ms\":16,\"pass\":%s}", worstMedian,
                  worstMedian <= 16 ? "true" : "false");
    json += tail;
    std::printf("%s\n", json.c_str());
    return 0;
}
