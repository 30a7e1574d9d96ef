#include "her2/core/Params.hpp"

namespace her2::core {

const std::vector<ParamField<TilingParams>>& TilingParams::fields() {
    using P = TilingParams;
    static const std::vector<ParamField<P>> f{
        {{"tiling.tile_size_um", "Tile size", "µm", "Edge of a tile's core; the unit of parallel work.", 64, 4096},
         &P::tileSizeUm},
        {{"tiling.halo_um", "Tile halo", "µm", "Overlap read around each tile so border cells are whole.", 0, 200},
         &P::haloUm},
        {{"tiling.threads", "Threads", "", "Worker threads; 0 uses every core.", 0, 256}, &P::threads},
        {{"tiling.tissue_min_area_um2", "Minimum tissue area", "µm²",
          "Tissue fragments smaller than this are ignored as debris.", 0, 1e9},
         &P::tissueMinAreaUm2},
        {{"tiling.tissue_mpp", "Tissue map pixel size", "µm/px",
          "Tissue is found on a low-resolution image of this pixel size; 8 µm keeps a whole slide in a few MB.", 1,
          64},
         &P::tissueMpp},
        {{"tiling.tissue_min_od", "Tissue OD floor", "OD",
          "Lowest OD-sum threshold between glass and tissue, so a blank slide is not split by noise.", 0.01, 1},
         &P::tissueMinOd},
    };
    return f;
}

}  // namespace her2::core
