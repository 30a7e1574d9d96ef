#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ParamsAccess.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/Params.hpp"
#include "her2/core/JsonText.hpp"

namespace her2::core {
namespace {

using detail::FieldRef;
using detail::visitAll;
using Json = nlohmann::json;

constexpr const char* kFormat = "her2scope-protocol";

AnalysisParams& mut(const AnalysisParams& p) {
    return const_cast<AnalysisParams&>(p);
}

std::string valueText(const ParamValue& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>)
                return "\"" + x + "\"";
            else if constexpr (std::is_same_v<T, bool>)
                return x ? "true" : "false";
            else {
                std::ostringstream os;
                os << x;
                return os.str();
            }
        },
        v);
}

void checkValue(const ParamSpec& spec, const ParamValue& v) {
    auto outOfRange = [&](double x) {
        if (!std::isfinite(x) || x < spec.minValue || x > spec.maxValue) {
            std::ostringstream os;
            os << "parameter " << spec.key << " = " << valueText(v) << " is outside [" << spec.minValue
               << ", " << spec.maxValue << "]" << (spec.unit.empty() ? "" : " " + spec.unit);
            throw ParameterError(os.str());
        }
    };
    if (const auto* d = std::get_if<double>(&v)) outOfRange(*d);
    if (const auto* i = std::get_if<int>(&v)) outOfRange(*i);
    if (const auto* s = std::get_if<std::string>(&v); s && !spec.choices.empty()) {
        bool ok = false;
        for (const auto& c : spec.choices) ok = ok || c == *s;
        if (!ok) {
            std::string list;
            for (const auto& c : spec.choices) list += (list.empty() ? "" : ", ") + c;
            throw ParameterError("parameter " + spec.key + " = \"" + *s + "\" is not one of: " + list);
        }
    }
}

ParamValue read(const FieldRef& ref) {
    return std::visit([](auto* p) -> ParamValue { return *p; }, ref);
}

/// Converts a value to the field's type; ints accept whole doubles, doubles accept ints.
void assign(const ParamSpec& spec, const FieldRef& ref, const ParamValue& v) {
    auto typeError = [&](const char* want) {
        throw ParameterError("parameter " + spec.key + " needs " + want + ", got " + valueText(v));
    };
    if (auto* d = std::get_if<double*>(&ref)) {
        if (const auto* x = std::get_if<double>(&v))
            **d = *x;
        else if (const auto* i = std::get_if<int>(&v))
            **d = *i;
        else
            typeError("a number");
    } else if (auto* ip = std::get_if<int*>(&ref)) {
        if (const auto* i = std::get_if<int>(&v))
            **ip = *i;
        else if (const auto* x = std::get_if<double>(&v); x && std::floor(*x) == *x && std::abs(*x) < 2e9)
            **ip = static_cast<int>(*x);
        else
            typeError("a whole number");
    } else if (auto* b = std::get_if<bool*>(&ref)) {
        if (const auto* x = std::get_if<bool>(&v))
            **b = *x;
        else
            typeError("true or false");
    } else if (auto* s = std::get_if<std::string*>(&ref)) {
        if (const auto* x = std::get_if<std::string>(&v))
            **s = *x;
        else
            typeError("a string");
    }
}

std::optional<ParamValue> fromJsonValue(const Json& j) {
    if (j.is_boolean()) return ParamValue{j.get<bool>()};
    if (j.is_number_integer()) {
        const auto v = j.get<std::int64_t>();
        if (v > INT32_MAX || v < INT32_MIN) return ParamValue{static_cast<double>(v)};
        return ParamValue{static_cast<int>(v)};
    }
    if (j.is_number()) return ParamValue{j.get<double>()};
    if (j.is_string()) return ParamValue{j.get<std::string>()};
    return std::nullopt;
}

}  // namespace

std::vector<ParamSpec> AnalysisParams::specs() {
    std::vector<ParamSpec> out;
    AnalysisParams p;
    visitAll(p, [&](const ParamSpec& s, const FieldRef&) { out.push_back(s); });
    return out;
}

ParamValue AnalysisParams::get(std::string_view key) const {
    std::optional<ParamValue> v;
    visitAll(mut(*this), [&](const ParamSpec& s, const FieldRef& ref) {
        if (s.key == key) v = read(ref);
    });
    if (!v) throw ParameterError("unknown parameter " + std::string(key));
    return *v;
}

void AnalysisParams::set(std::string_view key, const ParamValue& value) {
    bool found = false;
    visitAll(*this, [&](const ParamSpec& s, const FieldRef& ref) {
        if (s.key != key) return;
        found = true;
        // A rejected value leaves the field as it was.
        const ParamValue old = read(ref);
        assign(s, ref, value);
        try {
            checkValue(s, read(ref));
        } catch (...) {
            assign(s, ref, old);
            throw;
        }
    });
    if (!found) throw ParameterError("unknown parameter " + std::string(key));
}

void AnalysisParams::validate() const {
    visitAll(mut(*this), [&](const ParamSpec& s, const FieldRef& ref) { checkValue(s, read(ref)); });
}

std::string AnalysisParams::toJson() const {
    Json params = Json::object();
    visitAll(mut(*this), [&](const ParamSpec& s, const FieldRef& ref) {
        std::visit([&](auto* p) { params[s.key] = *p; }, ref);
    });
    Json doc = {{"format", kFormat}, {"version", 1}, {"params", params}};
    return doc.dump(2) + "\n";
}

AnalysisParams AnalysisParams::fromJson(std::string_view text, const std::string& file) {
    const Json doc = detail::parseJsonText<Json>(text, file);
    if (!doc.is_object()) throw ParseError(file, 0, 0, "a protocol must be a JSON object");
    if (doc.contains("format") && doc["format"] != kFormat)
        throw ParseError(file, 0, 0, "format is not \"her2scope-protocol\"");
    const Json& params = doc.contains("params") ? doc["params"] : doc;
    if (!params.is_object()) throw ParseError(file, 0, 0, "\"params\" must be an object");
    AnalysisParams p;
    for (const auto& [key, value] : params.items()) {
        if (&params == &doc && (key == "format" || key == "version")) continue;
        const auto v = fromJsonValue(value);
        if (!v) throw ParseError(file, 0, 0, "parameter " + key + " has an unsupported value type");
        try {
            p.set(key, *v);
        } catch (const ParameterError& e) {
            throw ParseError(file, 0, 0, e.what());
        }
    }
    return p;
}

AnalysisParams AnalysisParams::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "cannot open protocol file");
    std::ostringstream os;
    os << in.rdbuf();
    return fromJson(os.str(), path);
}

std::string AnalysisParams::hash() const {
    // The thread count changes how fast, never what: results are merged in tile order. Leave
    // it out so a resumed batch on another machine recognises its own results.
    AnalysisParams canonical = *this;
    canonical.tiling.threads = TilingParams{}.threads;
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : canonical.toJson()) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace her2::core
