#include "her2/models/QaResult.hpp"

#include <limits>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <nlohmann/json.hpp>

#include "her2/core/Errors.hpp"
#include "her2/core/JsonText.hpp"

namespace her2::models {
namespace {

using nlohmann::json;

QString asText(const json& v) {
    if (v.is_string()) return QString::fromStdString(v.get<std::string>());
    if (v.is_number_integer()) return QString::number(v.get<long long>());
    if (v.is_number()) return QString::number(v.get<double>());
    if (v.is_null()) return {};
    return QString::fromStdString(v.dump());
}

QString resolve(const QString& baseDir, const QString& file) {
    if (file.isEmpty()) return {};
    const QFileInfo fi(QDir(baseDir), file);
    return fi.exists() ? fi.absoluteFilePath() : QString();
}

}  // namespace

QaResult QaResult::load(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) throw core::InputError(path.toStdString(), "cannot be read");
    return parse(f.readAll(), path, QFileInfo(path).absolutePath());
}

QaResult QaResult::parse(const QByteArray& text, const QString& file, const QString& baseDir) {
    const std::string name = file.toStdString();
    const json doc = core::detail::parseJsonText<json>(
        std::string_view(text.constData(), static_cast<std::size_t>(text.size())), name);
    if (!doc.is_object()) throw core::ParseError(name, 0, 0, "a QA result must be a JSON object");
    if (!doc.contains("discordant") && !doc.contains("kappa"))
        throw core::ParseError(name, 0, 0, "not a QA result: no 'kappa' or 'discordant' key");

    QaResult r;
    r.file = file;
    try {
        r.n = doc.value("n", 0);
        // Undefined statistics (one category only) are written as null: show them as NaN.
        auto number = [&](const char* key) {
            const auto it = doc.find(key);
            return it != doc.end() && it->is_number() ? it->get<double>()
                                                      : std::numeric_limits<double>::quiet_NaN();
        };
        r.agreement = number("agreement");
        if (r.agreement > 1.0) r.agreement /= 100.0;
        r.kappa = number("kappa");
        r.weightedKappa = number("weighted_kappa");
        r.labels = QStringList{QStringLiteral("0"), QStringLiteral("1+"), QStringLiteral("2+"),
                               QStringLiteral("3+")};
        if (doc.contains("confusion")) {
            const json* matrix = &doc["confusion"];
            if (matrix->is_object()) {
                if (matrix->contains("labels")) {
                    r.labels.clear();
                    for (const auto& l : (*matrix)["labels"]) r.labels << asText(l);
                }
                matrix = &(*matrix)["matrix"];
            }
            if (!matrix->is_array()) throw core::ParseError(name, 0, 0, "'confusion' is not a matrix");
            for (const auto& row : *matrix) {
                if (!row.is_array()) throw core::ParseError(name, 0, 0, "'confusion' rows must be arrays");
                std::vector<int> values;
                for (const auto& v : row) values.push_back(v.is_number() ? v.get<int>() : 0);
                r.confusion.push_back(std::move(values));
            }
        }
        if (doc.contains("discordant")) {
            const json& list = doc["discordant"];
            if (!list.is_array()) throw core::ParseError(name, 0, 0, "'discordant' is not an array");
            for (const auto& item : list) {
                if (!item.is_object())
                    throw core::ParseError(name, 0, 0, "a 'discordant' entry is not an object");
                DiscordantCase c;
                c.slide = asText(item.value("slide", json()));
                c.automatic = asText(item.value("auto", json()));
                c.manual = asText(item.value("manual", json()));
                c.overlay = asText(item.value("overlay", json()));
                c.slidePath = resolve(baseDir, c.slide);
                c.overlayPath = resolve(baseDir, c.overlay);
                r.discordant.push_back(std::move(c));
            }
        }
    } catch (const json::exception& e) {
        throw core::ParseError(name, 0, 0, std::string("unexpected value: ") + e.what());
    }
    return r;
}

}  // namespace her2::models
