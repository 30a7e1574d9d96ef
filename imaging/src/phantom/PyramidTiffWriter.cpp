#include "her2/imaging/PyramidTiffWriter.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "phantom/TiffHandle.hpp"

namespace her2::imaging {

namespace {

using detail::TiffHandle;

struct LevelGeometry {
    std::int64_t width = 0;
    std::int64_t height = 0;
};

std::string defaultDescription(const PyramidTiffOptions& o, std::int64_t w, std::int64_t h) {
    std::ostringstream s;
    s << "HER2Scope phantom " << w << "x" << h << " mpp=" << o.mpp << " AppMag=" << o.appMag;
    return s.str();
}

/// Sets the tags every level shares.
void setLevelTags(const TiffHandle& tif, const PyramidTiffOptions& o, const LevelGeometry& g,
                  double downsample, bool reduced, const std::string& description, bool forEncoding) {
    TIFF* t = tif.get();
    tif.check(TIFFSetField(t, TIFFTAG_SUBFILETYPE, reduced ? FILETYPE_REDUCEDIMAGE : 0), "SubfileType");
    tif.check(TIFFSetField(t, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(g.width)), "ImageWidth");
    tif.check(TIFFSetField(t, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(g.height)), "ImageLength");
    tif.check(TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8), "BitsPerSample");
    tif.check(TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 3), "SamplesPerPixel");
    tif.check(TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG), "PlanarConfig");
    tif.check(TIFFSetField(t, TIFFTAG_TILEWIDTH, static_cast<std::uint32_t>(o.tileSize)), "TileWidth");
    tif.check(TIFFSetField(t, TIFFTAG_TILELENGTH, static_cast<std::uint32_t>(o.tileSize)), "TileLength");
    const double pxPerCm = 10000.0 / (o.mpp * downsample);
    tif.check(TIFFSetField(t, TIFFTAG_XRESOLUTION, pxPerCm), "XResolution");
    tif.check(TIFFSetField(t, TIFFTAG_YRESOLUTION, pxPerCm), "YResolution");
    tif.check(TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER), "ResolutionUnit");
    tif.check(TIFFSetField(t, TIFFTAG_SOFTWARE, "HER2Scope"), "Software");
    if (!description.empty())
        tif.check(TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, description.c_str()), "ImageDescription");
    switch (o.compression) {
        case TiffCompression::Jpeg:
            tif.check(TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_JPEG), "Compression");
            if (o.jpegColor == JpegColorSpace::YCbCr) {
                tif.check(TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR), "Photometric");
                tif.check(TIFFSetField(t, TIFFTAG_YCBCRSUBSAMPLING, 2, 2), "YCbCrSubsampling");
            } else {
                tif.check(TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB), "Photometric");
            }
            if (forEncoding) {
                tif.check(TIFFSetField(t, TIFFTAG_JPEGQUALITY, o.jpegQuality), "JpegQuality");
                if (o.jpegColor == JpegColorSpace::YCbCr)
                    tif.check(TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB), "JpegColorMode");
            }
            break;
        case TiffCompression::Deflate:
            tif.check(TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE), "Compression");
            tif.check(TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB), "Photometric");
            tif.check(TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL), "Predictor");
            break;
        case TiffCompression::None:
            tif.check(TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE), "Compression");
            tif.check(TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB), "Photometric");
            break;
    }
}

/// Encodes a tile row (CV_8UC3, rows <= tileSize, full level width) into the current directory.
void encodeTileRow(const TiffHandle& tif, const cv::Mat& row, std::int64_t rowIndex, int tileSize,
                   std::vector<std::uint8_t>& buffer) {
    const int tilesAcross = (row.cols + tileSize - 1) / tileSize;
    const std::size_t tileBytes = static_cast<std::size_t>(tileSize) * tileSize * 3;
    buffer.resize(tileBytes);
    for (int tx = 0; tx < tilesAcross; ++tx) {
        const int x0 = tx * tileSize;
        const int w = std::min(tileSize, row.cols - x0);
        const int h = row.rows;
        cv::Mat tile(tileSize, tileSize, CV_8UC3, buffer.data());
        cv::Mat src = row(cv::Rect(x0, 0, w, h));
        if (w == tileSize && h == tileSize) {
            src.copyTo(tile);
        } else {
            // Edge padding by replication keeps JPEG blocks at the border clean.
            cv::copyMakeBorder(src, tile, 0, tileSize - h, 0, tileSize - w, cv::BORDER_REPLICATE);
        }
        const std::uint32_t index = TIFFComputeTile(tif.get(), static_cast<std::uint32_t>(x0),
                                                    static_cast<std::uint32_t>(rowIndex * tileSize), 0, 0);
        if (TIFFWriteEncodedTile(tif.get(), index, buffer.data(), static_cast<tmsize_t>(tileBytes)) < 0)
            tif.fail("cannot write tile");
    }
}

}  // namespace

struct PyramidTiffWriter::Impl {
    std::filesystem::path path;
    std::filesystem::path partial;
    PyramidTiffOptions options;
    std::vector<LevelGeometry> levels;
    std::optional<TiffHandle> main;
    bool finished = false;
    std::vector<std::uint8_t> tileBuffer;

    // Level 0 input state.
    std::int64_t rowsDone = 0;  ///< level-0 tile rows written
    cv::Mat pendingRow;         ///< tiles collected by writeTile()
    int pendingTiles = 0;

    // Lower levels: spooled to temporary TIFFs.
    struct Lower {
        std::filesystem::path spool;
        std::optional<TiffHandle> tif;
        cv::Mat buffer;  ///< one tile row being filled (tileSize x width)
        int filled = 0;  ///< rows filled in buffer
        std::int64_t rowIndex = 0;
        std::int64_t rowsReceived = 0;
    };
    std::vector<Lower> lower;  ///< lower[i] is level i + 1

    ~Impl() {
        std::error_code ec;
        main.reset();
        for (auto& l : lower) {
            l.tif.reset();
            std::filesystem::remove(l.spool, ec);
        }
        if (!finished) std::filesystem::remove(partial, ec);
    }

    bool bigTiff() const {
        const auto& l0 = levels.front();
        return options.compression == TiffCompression::None
                   ? l0.width * l0.height * 3 * 4 / 3 > 3'500'000'000LL
                   : l0.width * l0.height * 3 * 4 / 3 > 20'000'000'000LL;
    }

    /// Feeds rows of level `level - 1` (already reduced to level `level`) into level `level`.
    void pushRows(std::size_t level, const cv::Mat& rows) {
        Lower& l = lower[level - 1];
        const int ts = options.tileSize;
        int offset = 0;
        while (offset < rows.rows) {
            const int n = std::min(rows.rows - offset, ts - l.filled);
            rows.rowRange(offset, offset + n).copyTo(l.buffer.rowRange(l.filled, l.filled + n));
            l.filled += n;
            l.rowsReceived += n;
            offset += n;
            const bool last = l.rowsReceived == levels[level].height;
            if (l.filled == ts || last) flushLower(level);
        }
    }

    void flushLower(std::size_t level) {
        Lower& l = lower[level - 1];
        cv::Mat row = l.buffer.rowRange(0, l.filled);
        encodeTileRow(*l.tif, row, l.rowIndex, options.tileSize, tileBuffer);
        ++l.rowIndex;
        if (level + 1 < levels.size()) pushRows(level + 1, reduce(row, levels[level + 1].width));
        l.filled = 0;
    }

    /// Area-average reduction of a band of rows by the step; partial blocks at the right
    /// and bottom edges average the pixels that exist (edge replication).
    cv::Mat reduce(const cv::Mat& rows, std::int64_t outWidth) const {
        const int s = options.downsampleStep;
        const int outRows = (rows.rows + s - 1) / s;
        const int padW = static_cast<int>(outWidth) * s - rows.cols;
        const int padH = outRows * s - rows.rows;
        cv::Mat src = rows;
        if (padW > 0 || padH > 0) cv::copyMakeBorder(rows, src, 0, padH, 0, padW, cv::BORDER_REPLICATE);
        cv::Mat out;
        cv::resize(src, out, cv::Size(static_cast<int>(outWidth), outRows), 0, 0, cv::INTER_AREA);
        return out;
    }

    void acceptLevel0Row(const cv::Mat& row) {
        const int ts = options.tileSize;
        const std::int64_t tileRows = (levels[0].height + ts - 1) / ts;
        if (rowsDone >= tileRows)
            throw core::InputError(path.string(), "more tile rows than the image height");
        const std::int64_t expectRows = std::min<std::int64_t>(ts, levels[0].height - rowsDone * ts);
        if (row.type() != CV_8UC3 || row.cols != levels[0].width || row.rows != expectRows)
            throw core::InputError(path.string(), "tile row of wrong size or type");
        encodeTileRow(*main, row, rowsDone, ts, tileBuffer);
        ++rowsDone;
        if (levels.size() > 1) pushRows(1, reduce(row, levels[1].width));
    }

    /// Copies the compressed tiles of a spooled level into the main file's next directory.
    void appendLevel(std::size_t level) {
        Lower& l = lower[level - 1];
        l.tif->close();
        l.tif.reset();
        TiffHandle src(l.spool, "r");
        const double downsample =
            static_cast<double>(levels[0].width) / static_cast<double>(levels[level].width);
        setLevelTags(*main, options, levels[level], downsample, true, {}, false);
        TIFF* s = src.get();
        TIFF* d = main->get();
        if (options.compression == TiffCompression::Jpeg) {
            std::uint32_t count = 0;
            void* tables = nullptr;
            if (TIFFGetField(s, TIFFTAG_JPEGTABLES, &count, &tables) && count > 0)
                main->check(TIFFSetField(d, TIFFTAG_JPEGTABLES, count, tables), "JPEGTables");
            float* refbw = nullptr;
            if (options.jpegColor == JpegColorSpace::YCbCr &&
                TIFFGetField(s, TIFFTAG_REFERENCEBLACKWHITE, &refbw) && refbw)
                main->check(TIFFSetField(d, TIFFTAG_REFERENCEBLACKWHITE, refbw), "ReferenceBlackWhite");
        }
        if (options.compression == TiffCompression::Deflate)
            main->check(TIFFSetField(d, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL), "Predictor");
        const std::uint32_t tiles = TIFFNumberOfTiles(s);
        std::vector<std::uint8_t> raw;
        for (std::uint32_t i = 0; i < tiles; ++i) {
            const tmsize_t size = static_cast<tmsize_t>(TIFFGetStrileByteCount(s, i));
            raw.resize(static_cast<std::size_t>(size));
            if (size <= 0 || TIFFReadRawTile(s, i, raw.data(), size) != size)
                src.fail("cannot read spooled tile");
            if (TIFFWriteRawTile(d, i, raw.data(), size) != size) main->fail("cannot write tile");
        }
        main->check(TIFFWriteDirectory(d), "cannot write directory");
        src.close();
        std::error_code ec;
        std::filesystem::remove(l.spool, ec);
    }
};

PyramidTiffWriter::PyramidTiffWriter(std::filesystem::path path, std::int64_t width, std::int64_t height,
                                     PyramidTiffOptions options)
    : m_impl(std::make_unique<Impl>()) {
    Impl& m = *m_impl;
    m.path = std::move(path);
    m.partial = m.path;
    m.partial += ".partial";
    m.options = options;
    const std::string file = m.path.string();
    if (width <= 0 || height <= 0 || width > 4'000'000'000LL || height > 4'000'000'000LL)
        throw core::InputError(file, "invalid image size");
    if (options.tileSize < 16 || options.tileSize % 16 != 0)
        throw core::InputError(file, "tile size must be a positive multiple of 16");
    if (options.downsampleStep != 2 && options.downsampleStep != 4)
        throw core::InputError(file, "downsample step must be 2 or 4");
    if (options.jpegQuality < 1 || options.jpegQuality > 100)
        throw core::InputError(file, "JPEG quality must be 1-100");
    if (!(options.mpp > 0)) throw core::InputError(file, "mpp must be positive");

    m.levels.push_back({width, height});
    while (std::max(m.levels.back().width, m.levels.back().height) >= options.minLevelSide &&
           std::max(m.levels.back().width, m.levels.back().height) > 1) {
        const auto& b = m.levels.back();
        const std::int64_t s = options.downsampleStep;
        m.levels.push_back({(b.width + s - 1) / s, (b.height + s - 1) / s});
    }

    const char* mode = m.bigTiff() ? "w8" : "w";
    m.main.emplace(m.partial, mode);
    const std::string desc =
        options.description.empty() ? defaultDescription(options, width, height) : options.description;
    setLevelTags(*m.main, options, m.levels[0], 1.0, false, desc, true);

    for (std::size_t i = 1; i < m.levels.size(); ++i) {
        Impl::Lower l;
        l.spool = m.path;
        l.spool += ".level" + std::to_string(i) + ".partial";
        l.tif.emplace(l.spool, mode);
        const double ds = static_cast<double>(width) / static_cast<double>(m.levels[i].width);
        setLevelTags(*l.tif, options, m.levels[i], ds, true, {}, true);
        // Zeroed: libjpeg reads whole tiles, and the file must not depend on stale heap bytes.
        l.buffer = cv::Mat::zeros(options.tileSize, static_cast<int>(m.levels[i].width), CV_8UC3);
        m.lower.push_back(std::move(l));
    }
    m.pendingRow = cv::Mat::zeros(std::min<int>(options.tileSize, static_cast<int>(height)),
                                  static_cast<int>(width), CV_8UC3);
}

PyramidTiffWriter::~PyramidTiffWriter() = default;

int PyramidTiffWriter::levelCount() const noexcept {
    return static_cast<int>(m_impl->levels.size());
}
const PyramidTiffOptions& PyramidTiffWriter::options() const noexcept {
    return m_impl->options;
}

void PyramidTiffWriter::writeTile(const cv::Mat& rgbTile) {
    Impl& m = *m_impl;
    const int ts = m.options.tileSize;
    const std::int64_t rowHeight = std::min<std::int64_t>(ts, m.levels[0].height - m.rowsDone * ts);
    if (rowHeight <= 0) throw core::InputError(m.path.string(), "more tiles than the image holds");
    const int tilesAcross = static_cast<int>((m.levels[0].width + ts - 1) / ts);
    const int x0 = m.pendingTiles * ts;
    const int w = std::min<int>(ts, static_cast<int>(m.levels[0].width) - x0);
    if (rgbTile.type() != CV_8UC3 || rgbTile.cols != w || rgbTile.rows != rowHeight)
        throw core::InputError(m.path.string(), "tile of wrong size or type");
    if (m.pendingRow.rows != rowHeight)
        m.pendingRow.create(static_cast<int>(rowHeight), m.pendingRow.cols, CV_8UC3);
    rgbTile.copyTo(m.pendingRow(cv::Rect(x0, 0, w, static_cast<int>(rowHeight))));
    if (++m.pendingTiles == tilesAcross) {
        m.pendingTiles = 0;
        m.acceptLevel0Row(m.pendingRow);
    }
}

void PyramidTiffWriter::writeTileRow(const cv::Mat& rgbRow) {
    if (m_impl->pendingTiles != 0)
        throw core::InputError(m_impl->path.string(), "tile row given after single tiles");
    m_impl->acceptLevel0Row(rgbRow);
}

void PyramidTiffWriter::finish() {
    Impl& m = *m_impl;
    const int ts = m.options.tileSize;
    if (m.finished) return;
    if (m.rowsDone != (m.levels[0].height + ts - 1) / ts)
        throw core::InputError(m.path.string(), "not all of level 0 was written");
    m.main->check(TIFFWriteDirectory(m.main->get()), "cannot write directory");
    for (std::size_t level = 1; level < m.levels.size(); ++level) m.appendLevel(level);
    m.main->close();
    m.main.reset();
    std::error_code ec;
    std::filesystem::rename(m.partial, m.path, ec);
    if (ec) throw core::InputError(m.path.string(), "cannot rename the finished file: " + ec.message());
    m.finished = true;
}

void writePyramidTiff(const std::filesystem::path& path, const cv::Mat& rgb,
                      const PyramidTiffOptions& options) {
    if (rgb.type() != CV_8UC3 || rgb.empty())
        throw core::InputError(path.string(), "image must be non-empty CV_8UC3");
    PyramidTiffWriter w(path, rgb.cols, rgb.rows, options);
    for (int y = 0; y < rgb.rows; y += options.tileSize)
        w.writeTileRow(rgb.rowRange(y, std::min(rgb.rows, y + options.tileSize)));
    w.finish();
}

}  // namespace her2::imaging
