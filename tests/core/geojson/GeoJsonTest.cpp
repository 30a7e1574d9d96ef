#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "her2/core/Errors.hpp"
#include "her2/core/GeoJson.hpp"

using namespace her2::core;

namespace {

const char* kSquare = R"({"type":"Polygon","coordinates":[[[0,0],[100,0],[100,100],[0,100],[0,0]]]})";

}  // namespace

TEST(Core_GeoJson, readsBarePolygonAndDropsClosingPoint) {
    const MultiPolygon roi = parseRoiGeoJson(kSquare);
    ASSERT_EQ(roi.polygons.size(), 1u);
    EXPECT_EQ(roi.polygons[0].outer.size(), 4u);
    EXPECT_DOUBLE_EQ(roi.area(), 10000.0);
    EXPECT_TRUE(roi.contains(50, 50));
    EXPECT_FALSE(roi.contains(150, 50));
}

TEST(Core_GeoJson, readsMultiPolygonWithHoles) {
    const char* text = R"({"type":"MultiPolygon","coordinates":[
        [[[0,0],[100,0],[100,100],[0,100],[0,0]],[[25,25],[75,25],[75,75],[25,75],[25,25]]],
        [[[200,0],[300,0],[300,100],[200,100],[200,0]]]]})";
    const MultiPolygon roi = parseRoiGeoJson(text);
    ASSERT_EQ(roi.polygons.size(), 2u);
    EXPECT_EQ(roi.polygons[0].holes.size(), 1u);
    EXPECT_DOUBLE_EQ(roi.area(), 10000.0 - 2500.0 + 10000.0);
    EXPECT_FALSE(roi.contains(50, 50));  // in the hole
    EXPECT_TRUE(roi.contains(10, 10));
    EXPECT_TRUE(roi.contains(250, 50));
}

TEST(Core_GeoJson, readsFeatureAndFeatureCollection) {
    const std::string feature = std::string(R"({"type":"Feature","properties":{},"geometry":)") + kSquare + "}";
    EXPECT_EQ(parseRoiGeoJson(feature).polygons.size(), 1u);
    const std::string fc = R"({"type":"FeatureCollection","features":[)" + feature + "," + feature +
                           R"(,{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}]})";
    EXPECT_EQ(parseRoiGeoJson(fc).polygons.size(), 2u);
}

TEST(Core_GeoJson, readsQuPathAnnotationExport) {
    // As QuPath 0.4 "Export objects as GeoJSON" writes an annotation (pretty-printed, with an id).
    const char* text = R"([
  {
    "type": "Feature",
    "id": "3f1e4c64-7a3b-4a53-9c1a-1b2e8f0c9d11",
    "geometry": {
      "type": "Polygon",
      "coordinates": [[[1000.5, 2000], [1400, 2000], [1400, 2600.25], [1000.5, 2600.25], [1000.5, 2000]]]
    },
    "properties": {
      "objectType": "annotation",
      "classification": {"name": "Tumor", "color": [200, 0, 0]},
      "isLocked": false
    }
  }
])";
    // QuPath exports a bare array of Features by default, or a FeatureCollection on request.
    EXPECT_EQ(parseRoiGeoJson(text).polygons.size(), 1u);
    const std::string fc = std::string(R"({"type":"FeatureCollection","features":)") + text + "}";
    const MultiPolygon roi = parseRoiGeoJson(fc);
    ASSERT_EQ(roi.polygons.size(), 1u);
    EXPECT_TRUE(roi.contains(1200, 2300));
    EXPECT_EQ(roi.bounds().x, 1000);
}

TEST(Core_GeoJson, notGeoJsonIsParseErrorWithPlace) {
    try {
        parseRoiGeoJson("{\"type\": \"Polygon\",\n \"coordinates\": [[[0,0],[1,", "roi.geojson");
        FAIL() << "no error";
    } catch (const ParseError& e) {
        EXPECT_EQ(e.line(), 2u);
        EXPECT_NE(std::string(e.what()).find("roi.geojson: line 2"), std::string::npos) << e.what();
    }
    EXPECT_THROW(parseRoiGeoJson(R"({"hello":"world"})"), ParseError);
    EXPECT_THROW(parseRoiGeoJson(R"({"type":"Circle","coordinates":[]})"), ParseError);
    EXPECT_THROW(parseRoiGeoJson(R"({"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0]]]})"), ParseError);
    EXPECT_THROW(parseRoiGeoJson(R"({"type":"Polygon","coordinates":[[[0,0],["a",1],[2,0],[0,0]]]})"), ParseError);
    EXPECT_THROW(parseRoiGeoJson(R"({"type":"Point","coordinates":[0,0]})"), ParseError);  // no area
    EXPECT_THROW(parseRoiGeoJson("x,y\n1,2\n"), ParseError);
}

TEST(Core_GeoJson, missingFileIsInputError) {
    EXPECT_THROW(loadRoiGeoJson("/nonexistent/roi.geojson"), InputError);
}

TEST(Core_GeoJson, cellFeaturesRoundTripThroughWriterAndReaders) {
    std::ostringstream os;
    CellFeatureWriter w(os);
    for (int i = 0; i < 3; ++i) {
        CellFeature f;
        const double x0 = i * 50.25;
        f.geometry.outer = {{x0, 0}, {x0 + 40, 0}, {x0 + 40, 40}, {x0, 40}};
        Polygon nucleus;
        nucleus.outer = {{x0 + 10, 10}, {x0 + 30, 10}, {x0 + 30, 30}, {x0 + 10, 30}};
        f.nucleus = nucleus;
        f.className = i == 2 ? "3+" : "1+";
        f.color = {200, 50, 50};
        f.measurements = {{"Membrane: DAB OD mean", 0.25 * i}, {"Completeness", std::nan("")}, {"Area µm^2", 100}};
        w.add(f);
    }
    w.finish();
    EXPECT_EQ(w.count(), 3u);

    const MultiPolygon roi = parseRoiGeoJson(os.str(), "cells.geojson");
    ASSERT_EQ(roi.polygons.size(), 3u);
    EXPECT_DOUBLE_EQ(roi.polygons[1].outer[0].x, 50.25);
    EXPECT_DOUBLE_EQ(roi.polygons[2].area(), 1600.0);

    const auto cells = parseCellFeatures(os.str());
    ASSERT_EQ(cells.size(), 3u);
    EXPECT_EQ(cells[2].className, "3+");
    EXPECT_EQ(cells[2].objectType, "cell");
    EXPECT_EQ(cells[2].color[0], 200);
    ASSERT_TRUE(cells[2].nucleus.has_value());
    EXPECT_DOUBLE_EQ(cells[2].nucleus->area(), 400.0);
    ASSERT_EQ(cells[2].measurements.size(), 3u);
    EXPECT_EQ(cells[2].measurements[0].first, "Membrane: DAB OD mean");
    EXPECT_DOUBLE_EQ(cells[2].measurements[0].second, 0.5);
    EXPECT_TRUE(std::isnan(cells[2].measurements[1].second));
    EXPECT_EQ(cells[2].measurements[2].first, "Area µm^2");
}

TEST(Core_GeoJson, emptyCollectionIsValidJsonButNoRoi) {
    std::ostringstream os;
    CellFeatureWriter w(os);
    w.finish();
    EXPECT_TRUE(parseCellFeatures(os.str()).empty());
    EXPECT_THROW(parseRoiGeoJson(os.str()), ParseError);
}

TEST(Core_GeoJson, quotesControlCharacters) {
    EXPECT_EQ(jsonQuote("a\"b\n"), "\"a\\\"b\\n\"");
}
