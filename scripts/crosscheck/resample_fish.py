#!/usr/bin/python3
"""Box-averages the FISH cross-check fields to coarser pixel sizes.

resample_fish.py FIELD_DIR OUT_DIR FACTOR [FACTOR ...]

For each case folder of FIELD_DIR (as render_fish.py writes them, at 0.1 um/px) and each
FACTOR, writes OUT_DIR/<case>_<mpp>/ with the three channels averaged over FACTOR x FACTOR
pixels (a camera with larger pixels, or binning), the pixel size in the TIFF resolution tags,
and the case's truth.json (its counts do not depend on the pixel size), so evaluate_fish.py
scores them as they are.
"""
import os
import shutil
import sys

import numpy as np
from PIL import Image

MPP = 0.1


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    fields, out = sys.argv[1:3]
    factors = [float(f) for f in sys.argv[3:]]
    for case in sorted(os.listdir(fields)):
        src = os.path.join(fields, case)
        if not os.path.isfile(os.path.join(src, "truth.json")):
            continue
        for factor in factors:
            mpp = MPP * factor
            dst = os.path.join(out, f"{case}_{mpp:g}")
            os.makedirs(dst, exist_ok=True)
            for channel in ("DAPI", "HER2", "CEP17"):
                a = np.array(Image.open(os.path.join(src, f"{channel}.tif"))).astype(np.float32)
                size = (int(a.shape[1] / factor), int(a.shape[0] / factor))
                b = np.array(Image.fromarray(a, mode="F").resize(size, Image.BOX))
                Image.fromarray(np.clip(np.round(b), 0, 65535).astype(np.uint16)).save(
                    os.path.join(dst, f"{channel}.tif"), x_resolution=1e4 / mpp, y_resolution=1e4 / mpp,
                    resolution_unit=3)
            shutil.copy(os.path.join(src, "truth.json"), dst)


if __name__ == "__main__":
    main()
