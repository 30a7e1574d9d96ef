// FISH analysis: a field (three grey channels) and a whole source (RGB composite, channel
// TIFF, channel stack, fluorescence slide) processed in tiles with bounded memory.
#include "her2/imaging/FishAnalysis.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "Select.hpp"
#include "fish/FishDetail.hpp"
#include "her2/core/Errors.hpp"

namespace her2::imaging {

namespace fish {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool containsAny(const std::string& s, std::initializer_list<const char*> keys) {
    for (const char* k : keys)
        if (s.find(k) != std::string::npos) return true;
    return false;
}

template <typename T>
void sampleInto(const cv::Mat& m, int step, std::vector<float>& v) {
    for (int y = 0; y < m.rows; y += step) {
        const T* r = m.ptr<T>(y);
        for (int x = 0; x < m.cols; x += step) v.push_back(static_cast<float>(r[x]));
    }
}

/// Percentiles `lowQ` <= `highQ` of a sample of `m` (CV_8U/16U/32F, one channel), every
/// `step`-th pixel. Only the sample is converted (a float copy of a whole field costs more
/// than the rest).
std::pair<double, double> percentiles(const cv::Mat& m, double lowQ, double highQ, int step) {
    std::vector<float> v;
    if (m.depth() == CV_8U)
        sampleInto<std::uint8_t>(m, step, v);
    else if (m.depth() == CV_16U)
        sampleInto<std::uint16_t>(m, step, v);
    else if (m.depth() == CV_32F)
        sampleInto<float>(m, step, v);
    else {
        cv::Mat f;
        m.convertTo(f, CV_32F);
        sampleInto<float>(f, step, v);
    }
    if (v.empty()) return {0, 0};
    const auto rank = [&](double q) {
        return static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
    };
    return {detail::selectNth(v.data(), v.size(), rank(lowQ)),
            detail::selectNth(v.data(), v.size(), rank(highQ))};
}

/// Percentile of a sample of `m`, as percentiles().
double percentile(const cv::Mat& m, double q, int step) {
    return percentiles(m, q, q, step).second;
}

std::string percentText(double fraction) {
    std::ostringstream os;
    os << std::lround(100 * fraction) << " %";
    return os.str();
}

void checkField(const cv::Mat& dapi, const cv::Mat& her2, const cv::Mat& cep17) {
    for (const cv::Mat* m : {&dapi, &her2, &cep17}) {
        if (m->empty()) throw core::InputError("FISH field", "a channel is empty");
        if (m->channels() != 1 || (m->depth() != CV_8U && m->depth() != CV_16U))
            throw core::InputError("FISH field", "channels must be grey 8 or 16 bit images");
        if (m->size() != dapi.size()) throw core::InputError("FISH field", "channels differ in size");
    }
}

}  // namespace

double fullScale(const cv::Mat& m) noexcept {
    return m.depth() == CV_16U ? 65535.0 : 255.0;
}

std::string brightFieldReason(const cv::Mat& rgb) {
    if (rgb.empty() || rgb.type() != CV_8UC3) return {};
    std::vector<cv::Mat> planes;
    cv::split(rgb, planes);
    cv::Mat lo, hi;
    cv::min(planes[0], planes[1], lo);
    cv::min(lo, planes[2], lo);
    cv::max(planes[0], planes[1], hi);
    cv::max(hi, planes[2], hi);
    const int step = std::max(1, std::max(rgb.cols, rgb.rows) / 512);
    // Fluorescence has a dark field nearly everywhere in at least one colour; bright field
    // transmits light: all colours bright except where stain absorbs.
    const double darkest = percentile(lo, 0.05, step);
    const double typical = percentile(hi, 0.5, step);
    if (darkest > 0.12 * 255 && typical > 0.4 * 255)
        return "not a fluorescence image: white background and no dark field (darkest 5 % of pixels at " +
               percentText(darkest / 255) + " of full scale): a bright-field image?";
    return {};
}

ChannelPlan planNamedChannels(const std::vector<std::string>& names) {
    ChannelPlan plan;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string n = lower(names[i]);
        const int idx = static_cast<int>(i);
        if (containsAny(n, {"dapi", "hoechst", "nucle"}))
            plan.dapi.push_back(idx);
        else if (containsAny(n, {"cep17", "cep 17", "cep-17", "cen17", "chr17", "d17z1"}))
            plan.cep17.push_back(idx);
        else if (containsAny(n, {"her2", "her-2", "erbb2", "neu"}))
            plan.her2.push_back(idx);
    }
    // Fluorophore and colour names only when the probes are not named outright.
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string n = lower(names[i]);
        const int idx = static_cast<int>(i);
        auto used = [&](int k) {
            for (const auto* v : {&plan.dapi, &plan.her2, &plan.cep17})
                if (std::find(v->begin(), v->end(), k) != v->end()) return true;
            return false;
        };
        if (used(idx)) continue;
        if (plan.dapi.empty() && containsAny(n, {"blue", "uv"}))
            plan.dapi.push_back(idx);
        else if (plan.cep17.empty() && containsAny(n, {"green", "fitc", "gfp", "aqua"}))
            plan.cep17.push_back(idx);
        else if (plan.her2.empty() && containsAny(n, {"orange", "red", "cy3", "tritc", "texas"}))
            plan.her2.push_back(idx);
    }
    return plan;
}

ChannelPlan planRgbChannels(const std::string& channelMap) {
    ChannelPlan plan;
    std::stringstream ss(channelMap);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            throw core::ParameterError("parameter fish.channel_map: \"" + item + "\" is not probe=colour");
        auto trim = [](std::string s) {
            s.erase(0, s.find_first_not_of(" \t"));
            s.erase(s.find_last_not_of(" \t") + 1);
            return lower(s);
        };
        const std::string probe = trim(item.substr(0, eq)), colour = trim(item.substr(eq + 1));
        int plane = -1;
        if (colour == "red" || colour == "r")
            plane = 0;
        else if (colour == "green" || colour == "g")
            plane = 1;
        else if (colour == "blue" || colour == "b")
            plane = 2;
        else if (colour != "none")
            throw core::ParameterError("parameter fish.channel_map: colour \"" + colour +
                                       "\" is not red, green, blue or none");
        std::vector<int>* target = probe == "dapi"    ? &plan.dapi
                                   : probe == "her2"  ? &plan.her2
                                   : probe == "cep17" ? &plan.cep17
                                                      : nullptr;
        if (!target)
            throw core::ParameterError("parameter fish.channel_map: probe \"" + probe +
                                       "\" is not dapi, her2 or cep17");
        target->clear();
        if (plane >= 0) target->push_back(plane);
    }
    return plan;
}

FishResult analyzeFieldUnselected(const cv::Mat& dapi, const cv::Mat& her2, const cv::Mat& cep17,
                                  const core::PixelCalibration& calibration, const core::FishParams& params,
                                  core::PointD origin) {
    checkField(dapi, her2, cep17);
    FishResult result;
    const double full = fullScale(dapi);
    const int step = std::max(1, std::max(dapi.cols, dapi.rows) / 512);
    // Fluorescence DAPI is dark between nuclei; a bright-field plane is bright nearly everywhere.
    const auto [p05, p50] = percentiles(dapi, 0.05, 0.5, step);
    if (p05 > 0.12 * full && p50 > 0.4 * full) {
        result.notScorableReason =
            "not a fluorescence image: the nuclear channel is bright nearly everywhere "
            "(darkest 5 % of pixels at " +
            percentText(p05 / full) + " of full scale)";
        return result;
    }
    const double mpp = calibration.mpp();
    const NucleusSegmentation seg = segmentNuclei(dapi, mpp, params);
    if (seg.objects.empty()) {
        result.notScorableReason = "no nuclei found";
        return result;
    }
    const SpotDetection h = detectSpots(her2, core::FishChannel::Her2, mpp, params, seg);
    const SpotDetection c = detectSpots(cep17, core::FishChannel::Cep17, mpp, params, seg);
    result.singleSpotIntensity = h.singleIntensity;

    result.nuclei.reserve(seg.objects.size());
    for (std::size_t i = 0; i < seg.objects.size(); ++i) {
        const NucleusObject& o = seg.objects[i];
        core::FishNucleus n;
        n.id = static_cast<std::int32_t>(i);
        n.x = o.x + origin.x, n.y = o.y + origin.y;
        n.areaUm2 = o.areaUm2;
        n.outline.reserve(o.outline.size());
        for (const core::PointD& p : o.outline) n.outline.push_back({p.x + origin.x, p.y + origin.y});
        n.exclusion = o.exclusion;
        result.nuclei.push_back(std::move(n));
    }
    for (const SpotDetection* d : {&h, &c})
        for (std::size_t k = 0; k < d->spots.size(); ++k) {
            core::FishSpot s = d->spots[k];
            if (s.nucleus >= 0) {
                core::FishNucleus& n = result.nuclei[static_cast<std::size_t>(s.nucleus)];
                const bool isHer2 = s.channel == core::FishChannel::Her2;
                (isHer2 ? n.her2Count : n.cep17Count) += s.copies;
                (isHer2 ? n.her2Spots : n.cep17Spots) += d->signals[k];
                if (isHer2 && s.cluster) n.her2Cluster = true;
            }
            s.x += origin.x, s.y += origin.y;
            result.spots.push_back(s);
        }
    // Kit convention: a nucleus needs at least one signal of each colour to be counted.
    for (core::FishNucleus& n : result.nuclei)
        if (n.exclusion == core::NucleusExclusion::None && (n.her2Count <= 0 || n.cep17Count <= 0))
            n.exclusion = core::NucleusExclusion::MissingSignal;
    return result;
}

void selectInReadingOrder(FishResult& result, const core::FishParams& params) {
    const std::size_t n = result.nuclei.size();
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& l = result.nuclei[a];
        const auto& r = result.nuclei[b];
        return l.y != r.y ? l.y < r.y : l.x < r.x;
    });
    std::vector<std::int32_t> newIndex(n);
    std::vector<core::FishNucleus> sorted;
    sorted.reserve(n);
    for (std::size_t rank = 0; rank < n; ++rank) {
        newIndex[order[rank]] = static_cast<std::int32_t>(rank);
        sorted.push_back(std::move(result.nuclei[order[rank]]));
        sorted.back().id = static_cast<std::int32_t>(rank);
    }
    result.nuclei = std::move(sorted);
    for (core::FishSpot& s : result.spots)
        if (s.nucleus >= 0) s.nucleus = newIndex[static_cast<std::size_t>(s.nucleus)];
    int kept = 0;
    for (core::FishNucleus& nu : result.nuclei) {
        if (nu.exclusion == core::NucleusExclusion::NotSelected) nu.exclusion = core::NucleusExclusion::None;
        if (nu.exclusion != core::NucleusExclusion::None) continue;
        if (params.nucleiToCount > 0 && kept >= params.nucleiToCount)
            nu.exclusion = core::NucleusExclusion::NotSelected;
        else
            ++kept;
    }
}

}  // namespace fish

FishResult analyzeFishField(const cv::Mat& dapi, const cv::Mat& her2, const cv::Mat& cep17,
                            const core::PixelCalibration& calibration, const core::FishParams& params,
                            core::PointD origin) {
    FishResult r = fish::analyzeFieldUnselected(dapi, her2, cep17, calibration, params, origin);
    fish::selectInReadingOrder(r, params);
    return r;
}

namespace {

/// Pixel-wise maximum of the listed channels: the max projection of a z-stack (or the
/// channel itself).
cv::Mat project(const std::vector<cv::Mat>& channels, const std::vector<int>& indices) {
    cv::Mat out = channels.at(static_cast<std::size_t>(indices.front()));
    for (std::size_t i = 1; i < indices.size(); ++i) {
        const cv::Mat& c = channels.at(static_cast<std::size_t>(indices[i]));
        if (c.type() != out.type())
            throw core::InputError("FISH", "z-planes of one probe differ in bit depth");
        cv::max(out, c, out);
    }
    return out;
}

bool isGrey(const cv::Mat& rgb) {
    if (rgb.type() != CV_8UC3) return false;
    std::vector<cv::Mat> p;
    cv::split(rgb, p);
    cv::Mat d1, d2;
    cv::absdiff(p[0], p[1], d1);
    cv::absdiff(p[1], p[2], d2);
    return cv::mean(d1)[0] + cv::mean(d2)[0] < 1.0;
}

std::string joinNames(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + (n.empty() ? std::string("(unnamed)") : n);
    return s;
}

}  // namespace

FishResult analyzeFish(const SlideSource& source, const core::FishParams& params,
                       const std::optional<core::MultiPolygon>& roi, core::ProgressSink& progress,
                       const core::CancelToken& cancel) {
    FishResult result;
    const std::vector<std::string> names = source.channelNames();
    fish::ChannelPlan plan;
    std::string held;
    if (source.kind() == ImageKind::Fluorescence) {
        plan = fish::planNamedChannels(names);
        held = joinNames(names);
    } else if (names.size() == 1) {
        plan.dapi = {0};  // a single grey channel can only be the nuclear stain
        held = "one grey channel";
    } else {
        const cv::Mat thumb = source.thumbnail(1024);
        if (std::string reason = fish::brightFieldReason(thumb); !reason.empty()) {
            result.notScorableReason = reason;
            return result;
        }
        if (isGrey(thumb)) {
            // A grey fluorescence image (one exported channel, e.g. DAPI of a scanner).
            plan.dapi = {0};
            held = "one grey channel";
        } else {
            plan = fish::planRgbChannels(params.channelMap);
            held = "RGB composite mapped by \"" + params.channelMap + "\"";
            // A colour plane that is black everywhere holds no probe (e.g. a scanner's export of
            // DAPI alone, shown in blue). Spots must keep their contrast in the sample, so a
            // large image is sampled at full resolution in its centre, not in the thumbnail.
            cv::Mat sample = thumb;
            if (std::max(source.width(), source.height()) > 4 * std::max(thumb.cols, thumb.rows)) {
                const std::int64_t side =
                    std::min<std::int64_t>(2048, std::min(source.width(), source.height()));
                sample = source.readRegion(
                    {(source.width() - side) / 2, (source.height() - side) / 2, side, side}, 0);
            }
            std::vector<cv::Mat> planes;
            cv::split(sample, planes);
            const char* colours[3] = {"red", "green", "blue"};
            for (auto [probe, name] :
                 {std::pair{&plan.dapi, "DAPI"}, {&plan.her2, "HER2"}, {&plan.cep17, "CEP17"}}) {
                if (probe->empty()) continue;
                double peak = 0;
                cv::minMaxLoc(planes[static_cast<std::size_t>(probe->front())], nullptr, &peak);
                if (peak <= 0.06 * 255) {
                    result.notScorableReason = std::string("missing channel ") + name + " (the " +
                                               colours[probe->front()] +
                                               " plane of the RGB composite is empty)";
                    return result;
                }
            }
        }
    }
    for (auto [probe, name] : {std::pair{&plan.dapi, "DAPI"}, {&plan.her2, "HER2"}, {&plan.cep17, "CEP17"}})
        if (probe->empty()) {
            result.notScorableReason =
                std::string("missing channel ") + name + " (the image holds " + held + ")";
            return result;
        }

    core::RectI region{0, 0, source.width(), source.height()};
    if (roi && !roi->empty()) region = region.intersected(roi->bounds());
    if (region.empty()) {
        result.notScorableReason = "no nuclei found (the region of interest is empty)";
        return result;
    }
    const core::PixelCalibration calibration = source.calibration();
    const double mpp = calibration.mpp();
    // Tiles: a core of about 2048 px, with a halo wider than the largest nucleus so every
    // nucleus whose centroid is in the core is whole in the tile.
    const std::int64_t coreSize = 2048;
    const double maxDiameterUm = 2 * std::sqrt(params.nucleusMaxAreaUm2 / 3.14159265358979);
    const std::int64_t halo = static_cast<std::int64_t>(std::ceil(1.2 * maxDiameterUm / mpp));
    const std::int64_t tilesX = (region.width + coreSize - 1) / coreSize;
    const std::int64_t tilesY = (region.height + coreSize - 1) / coreSize;
    const bool single = tilesX * tilesY == 1;
    const core::RectI image{0, 0, source.width(), source.height()};
    for (std::int64_t ty = 0; ty < tilesY; ++ty)
        for (std::int64_t tx = 0; tx < tilesX; ++tx) {
            if (cancel.cancelled()) throw core::CancelledError();
            const core::RectI coreRect =
                core::RectI{region.x + tx * coreSize, region.y + ty * coreSize, coreSize, coreSize}
                    .intersected(region);
            const core::RectI readRect =
                single ? coreRect
                       : core::RectI{coreRect.x - halo, coreRect.y - halo, coreRect.width + 2 * halo,
                                     coreRect.height + 2 * halo}
                             .intersected(image);
            const std::vector<cv::Mat> channels = source.readChannels(readRect, 0);
            FishResult field = fish::analyzeFieldUnselected(
                project(channels, plan.dapi), project(channels, plan.her2), project(channels, plan.cep17),
                calibration, params, {static_cast<double>(readRect.x), static_cast<double>(readRect.y)});
            if (!field.notScorableReason.empty() &&
                field.notScorableReason.rfind("not a fluorescence", 0) == 0) {
                result.notScorableReason = field.notScorableReason;
                return result;
            }
            // Keep nuclei whose centroid lies in this tile's core (and in the ROI); their spots
            // follow them. Spots outside any nucleus are kept where they lie in the core.
            std::vector<std::int32_t> newIndex(field.nuclei.size(), -1);
            for (std::size_t i = 0; i < field.nuclei.size(); ++i) {
                const core::FishNucleus& n = field.nuclei[i];
                if (!coreRect.contains(n.x, n.y)) continue;
                if (roi && !roi->empty() && !roi->contains(n.x, n.y)) continue;
                newIndex[i] = static_cast<std::int32_t>(result.nuclei.size());
                result.nuclei.push_back(n);
            }
            for (core::FishSpot s : field.spots) {
                if (s.nucleus >= 0) {
                    s.nucleus = newIndex[static_cast<std::size_t>(s.nucleus)];
                    if (s.nucleus < 0) continue;
                } else if (!coreRect.contains(s.x, s.y)) {
                    continue;
                }
                result.spots.push_back(s);
            }
            if (field.singleSpotIntensity > 0 && result.singleSpotIntensity == 0)
                result.singleSpotIntensity = field.singleSpotIntensity;
            progress.progress(
                static_cast<double>(ty * tilesX + tx + 1) / static_cast<double>(tilesX * tilesY), "fish");
        }
    if (result.nuclei.empty()) {
        result.notScorableReason = "no nuclei found";
        return result;
    }
    fish::selectInReadingOrder(result, params);
    return result;
}

}  // namespace her2::imaging
