// her2scope info SLIDE [--json]: what a slide is, before anyone scores it.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "Commands.hpp"
#include "her2/imaging/SlideSource.hpp"

namespace her2::cli {
namespace {

nlohmann::json slideInfoJson(const imaging::SlideSource& s) {
    const auto cal = s.calibration();
    nlohmann::json j;
    j["path"] = s.path().string();
    j["vendor"] = s.vendor();
    j["width"] = s.width();
    j["height"] = s.height();
    j["levels"] = nlohmann::json::array();
    for (const auto& l : s.levels())
        j["levels"].push_back({{"width", l.width}, {"height", l.height}, {"downsample", l.downsample}});
    j["calibrated"] = cal.calibrated();
    j["mpp_x"] = cal.calibrated() ? nlohmann::json(cal.mppX()) : nlohmann::json(nullptr);
    j["mpp_y"] = cal.calibrated() ? nlohmann::json(cal.mppY()) : nlohmann::json(nullptr);
    j["mpp_source"] = cal.source();
    j["objective_power"] = cal.objectivePower ? nlohmann::json(*cal.objectivePower) : nlohmann::json(nullptr);
    j["kind"] = s.kind() == imaging::ImageKind::Fluorescence ? "fluorescence" : "bright-field";
    j["channels"] = s.channelNames();
    j["associated_images"] = s.associatedImages();
    return j;
}

void printText(const nlohmann::json& j) {
    std::cout << "file        " << j["path"].get<std::string>() << '\n'
              << "vendor      " << j["vendor"].get<std::string>() << '\n'
              << "size        " << j["width"] << " x " << j["height"] << " px\n"
              << "kind        " << j["kind"].get<std::string>() << '\n';
    if (j["calibrated"].get<bool>())
        std::cout << "pixel size  " << j["mpp_x"].get<double>() << " x " << j["mpp_y"].get<double>()
                  << " µm/px (" << j["mpp_source"].get<std::string>() << ")\n";
    else
        std::cout << "pixel size  uncalibrated (set one with --mpp when scoring)\n";
    if (!j["objective_power"].is_null())
        std::cout << "objective   " << j["objective_power"].get<double>() << "x\n";
    std::cout << "levels      " << j["levels"].size() << '\n';
    int i = 0;
    for (const auto& l : j["levels"])
        std::cout << "  " << i++ << ": " << l["width"] << " x " << l["height"] << "  downsample "
                  << std::setprecision(4) << l["downsample"].get<double>() << '\n';
    if (!j["associated_images"].empty()) {
        std::cout << "associated ";
        for (const auto& a : j["associated_images"]) std::cout << ' ' << a.get<std::string>();
        std::cout << '\n';
    }
}

}  // namespace

void addInfoCommand(CLI::App& app, int& exitCode) {
    struct Options {
        std::string slide;
        bool json = false;
    };
    auto opts = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("info", "Print a slide's format, size, levels and calibration");
    cmd->add_option("SLIDE", opts->slide, "Slide or image file")->required();
    cmd->add_flag("--json", opts->json, "Print one JSON object");
    cmd->callback([opts, &exitCode] {
        const auto slide = imaging::openSlide(opts->slide);
        // Opening reads only headers; decode a small thumbnail so corrupt tile data is found here.
        (void)slide->thumbnail(64);
        const auto j = slideInfoJson(*slide);
        if (opts->json)
            std::cout << j.dump(2) << '\n';
        else
            printText(j);
        exitCode = 0;
    });
}

}  // namespace her2::cli
