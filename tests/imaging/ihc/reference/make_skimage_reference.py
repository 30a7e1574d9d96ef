#!/usr/bin/python3
"""Writes skimage_rgb2hed.json: scikit-image's rgb2hed of skimage-ihc.png, summarised.

scikit-image computes log(rgb) / log(1e-6) @ hed_from_rgb (natural log, clipped at 0);
the values here are in those units. Multiply by 6 for base-10 optical density.
Usage: make_skimage_reference.py <testdata>/ihc/skimage-ihc.png <out.json>
"""
import json
import sys

import numpy as np
import skimage
from skimage import io
from skimage.color import rgb2hed


def main():
    src, out = sys.argv[1], sys.argv[2]
    rgb = io.imread(src)
    if rgb.ndim == 3 and rgb.shape[2] == 4:
        rgb = rgb[:, :, :3]
    hed = rgb2hed(rgb)
    names = ["hematoxylin", "eosin", "dab"]
    pixels = [(0, 0), (100, 200), (256, 256), (300, 50), (400, 400), (50, 450), (511, 511), (222, 333)]
    ref = {
        "scikit_image_version": skimage.__version__,
        "image": "ihc/skimage-ihc.png",
        "units": "log(rgb)/log(1e-6); multiply by 6 for -log10 optical density",
        "shape": list(hed.shape),
        "channels": {},
        "pixels": [],
    }
    for i, name in enumerate(names):
        ch = hed[:, :, i]
        ref["channels"][name] = {
            "mean": float(ch.mean()),
            "p01": float(np.percentile(ch, 1)),
            "p50": float(np.percentile(ch, 50)),
            "p99": float(np.percentile(ch, 99)),
        }
    for (y, x) in pixels:
        ref["pixels"].append({"x": x, "y": y, "rgb": [int(v) for v in rgb[y, x, :3]],
                              "hed": [float(v) for v in hed[y, x]]})
    with open(out, "w") as f:
        json.dump(ref, f, indent=1)


if __name__ == "__main__":
    main()
