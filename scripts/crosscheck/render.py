#!/usr/bin/python3
"""Independent bright-field HER2 IHC slide renderer (DAB membrane + hematoxylin).

Design (written independently of her2scope's own phantom):
  * Beer-Lambert: OD_c = sum_s conc_s * v_s,c (+ neutral glass OD), I = 255*10^-OD.
    Stain vectors are unit vectors, so a concentration equals the OD norm of that
    stain.  Ruifrok & Johnston H=(0.65,0.70,0.29), DAB=(0.27,0.57,0.78), perturbed
    per component per slide, renormalised.
  * Tumour cells: Voronoi of jittered-grid seeds (~15 um pitch), clipped to tissue,
    outside stroma bands, max radius 12 um.  Each cell draws its OWN membrane as a
    band 0.8 um wide just inside its polygon border, so two neighbours' membranes
    are adjacent (1.6 um line before blur).  Membrane DAB conc = class level,
    modulated +-15 % along its length; incomplete membranes are angular arcs.
  * Nucleus: irregular ellipse (harmonic-perturbed), 6-10 um long, textured
    hematoxylin 0.3-0.8, rim darkening, 1-2 nucleoli.  Pale cytoplasm.
  * Stroma bands: sinuous bands with fibrous pale background, spindle nuclei
    (10-15 x 2-3 um) and lymphocytes (5-7 um round, dark); lymphocyte nests
    replacing a few tumour cells.
  * Imaging: Gaussian blur of transmitted intensity (sigma 0.3-0.5 um), optional
    2x box downsample (20x), shot-like noise, 8-bit, tiled pyramidal JPEG TIFF.
"""
import json, math, os, subprocess, sys, time
import numpy as np
from scipy import ndimage as ndi
from scipy.spatial import cKDTree
from PIL import Image

MPP = 0.25
H_RJ = np.array([0.65, 0.70, 0.29])
D_RJ = np.array([0.27, 0.57, 0.78])

# membrane DAB concentration ranges (OD norm, before blur) and completeness
CLASS_OD = {"negative": (0.0, 0.0), "faint": (0.08, 0.15),
            "weakmod": (0.25, 0.45), "strong": (0.7, 1.2)}


def unit(v):
    return v / np.linalg.norm(v)


def noise_field(rng, shape, sigma, dtype=np.float32):
    f = rng.standard_normal(shape).astype(dtype)
    f = ndi.gaussian_filter(f, sigma)
    f /= (f.std() + 1e-9)
    return f


def make_arcs(rng, frac, complete):
    """Return (starts[3], lengths[3]) of arcs (radians) covering ~frac of the circle."""
    starts = np.zeros(3); lens = np.zeros(3)
    if frac >= 0.999:
        lens[0] = 2 * np.pi + 0.1
        return starts, lens
    if complete:
        n = 1
    else:
        n = int(rng.integers(1, 4))
    tot = frac * 2 * np.pi
    gap = 2 * np.pi - tot
    w = rng.dirichlet(np.ones(n)) * tot
    g = rng.dirichlet(np.ones(n)) * gap
    a = rng.uniform(0, 2 * np.pi)
    for i in range(n):
        starts[i] = a % (2 * np.pi); lens[i] = w[i]
        a += w[i] + g[i]
    return starts, lens


def render(cfg, outdir):
    t0 = time.time()
    name = cfg["name"]
    rng = np.random.default_rng(cfg["seed"])
    S = cfg.get("size", 6000)
    um = 1.0 / MPP  # px per um
    # ---------------- stains ----------------
    hvec = unit(H_RJ * (1 + rng.uniform(-0.04, 0.04, 3)))
    dpert = cfg.get("dab_perturb", 0.04)
    dvec = unit(D_RJ * (1 + rng.uniform(-dpert, dpert, 3)))
    if "dab_vec" in cfg:
        dvec = unit(np.array(cfg["dab_vec"]))
    hscale = cfg.get("h_scale", 1.0)
    glass = rng.uniform(0.02, 0.05)
    blur_um = rng.uniform(0.3, 0.5)
    jpeg_q = int(rng.integers(85, 91))

    # ---------------- tissue mask ----------------
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    cx = cy = S / 2
    th = np.arctan2(yy - cy, xx - cx)
    ph = rng.uniform(0, 2 * np.pi, 3)
    R0 = 0.45 * S * (1 + 0.05 * np.sin(3 * th + ph[0]) + 0.03 * np.sin(5 * th + ph[1])
                     + 0.02 * np.sin(7 * th + ph[2]))
    n = 4.0
    rr = (np.abs(xx - cx) ** n + np.abs(yy - cy) ** n) ** (1 / n)
    tissue = rr < R0
    del th, R0, rr

    # ---------------- stroma bands ----------------
    band = np.zeros((S, S), bool)
    band_tangent = np.zeros((S, S), np.float32)
    bands = []
    if cfg.get("stroma", False):
        rot = rng.uniform(0, np.pi)
        c, s = math.cos(rot), math.sin(rot)
        Xr = (xx - cx) * c + (yy - cy) * s
        Yr = -(xx - cx) * s + (yy - cy) * c
        for off in (-0.22 * S, 0.22 * S):
            A = rng.uniform(0.04, 0.08) * S
            lam = rng.uniform(0.6, 1.0) * S
            phs = rng.uniform(0, 2 * np.pi)
            hw = rng.uniform(45, 70) * um
            cen = off + A * np.sin(2 * np.pi * Xr / lam + phs)
            slope = A * 2 * np.pi / lam * np.cos(2 * np.pi * Xr / lam + phs)
            dist = np.abs(Yr - cen) / np.sqrt(1 + slope ** 2)
            m = dist < hw
            band |= m
            band_tangent[m] = (rot + np.arctan(slope))[m]
            bands.append(dict(offset=float(off), amp=float(A), lam=float(lam), halfwidth_px=float(hw)))
        band &= tissue
        del Xr, Yr, cen, slope, dist
    allowed = tissue & ~band
    allowed_edt = ndi.distance_transform_edt(allowed).astype(np.float32)
    del xx, yy

    # ---------------- seeds ----------------
    pitch = cfg.get("pitch_um", 15.5) * um
    g = np.arange(pitch / 2, S, pitch)
    gx, gy = np.meshgrid(g, g)
    gy = gy + (np.arange(gx.shape[1]) % 2)[None, :] * 0  # square grid
    seeds = np.stack([gx.ravel(), gy.ravel()], 1)
    seeds += rng.uniform(-0.33, 0.33, seeds.shape) * pitch
    seeds = seeds[(seeds[:, 0] >= 0) & (seeds[:, 0] < S) & (seeds[:, 1] >= 0) & (seeds[:, 1] < S)]
    si = np.clip(seeds.astype(int), 0, S - 1)
    keep = allowed_edt[si[:, 1], si[:, 0]] > 6 * um
    seeds = seeds[keep]
    N = len(seeds)
    tree = cKDTree(seeds)

    # lymphocyte nests replace some tumour cells (only on stroma slides)
    nest = np.zeros(N, bool)
    if cfg.get("stroma", False):
        nest[rng.choice(N, int(0.02 * N), replace=False)] = True

    # ---------------- per-cell parameters ----------------
    fr = cfg["fractions"]  # dict class->fraction of tumour cells
    tum_idx = np.flatnonzero(~nest)
    perm = rng.permutation(tum_idx)
    cls = np.array(["none"] * N, dtype=object)
    start = 0
    order = ["strong", "weakmod", "faint"]
    for k in order:
        cnt = int(round(fr.get(k, 0.0) * len(tum_idx)))
        cls[perm[start:start + cnt]] = k
        start += cnt
    cls[perm[start:]] = "negative"
    cls[nest] = "nest"

    mem_od = np.zeros(N, np.float32)
    comp = np.zeros(N, np.float32)
    arc_s = np.zeros((N, 3), np.float32); arc_l = np.zeros((N, 3), np.float32)
    for i in range(N):
        k = cls[i]
        if k in ("negative", "nest"):
            continue
        lo, hi = CLASS_OD[k]
        mem_od[i] = rng.uniform(lo, hi)
        if k == "faint":
            f = rng.uniform(0.3, 0.7); complete = False
        else:
            f = 1.0 if rng.random() < 0.5 else rng.uniform(0.9, 1.0); complete = True
        comp[i] = f
        arc_s[i], arc_l[i] = make_arcs(rng, f, complete)

    # nucleus params
    L = rng.uniform(6.0, 10.0, N) * um
    a_ax = np.minimum(L / 2, 0.36 * pitch)
    b_ax = a_ax * rng.uniform(0.65, 0.9, N)
    theta = rng.uniform(0, np.pi, N)
    noff = rng.uniform(0, 1.0, N) * um
    nang = rng.uniform(0, 2 * np.pi, N)
    ncx = seeds[:, 0] + noff * np.cos(nang)
    ncy = seeds[:, 1] + noff * np.sin(nang)
    hh = rng.uniform(0.03, 0.08, (N, 3)).astype(np.float32)
    hp = rng.uniform(0, 2 * np.pi, (N, 3)).astype(np.float32)
    nbase = (rng.uniform(0.35, 0.6, N) * hscale).astype(np.float32)
    nuc_n = rng.integers(1, 3, N)
    nu_r = rng.uniform(0.0, 0.5, (N, 2)); nu_a = rng.uniform(0, 2 * np.pi, (N, 2))
    nu_u = (nu_r * np.cos(nu_a)).astype(np.float32); nu_v = (nu_r * np.sin(nu_a)).astype(np.float32)
    nu_rad = (rng.uniform(0.5, 0.8, (N, 2)) * um).astype(np.float32)
    cyto_h = (rng.uniform(0.04, 0.07, N) * hscale).astype(np.float32)
    cyto_d = rng.uniform(0.015, 0.03, N).astype(np.float32)
    cyto_d[cls == "strong"] += 0.03
    cyto_d[cls == "weakmod"] += 0.015

    # ---------------- texture fields ----------------
    chrom = noise_field(rng, (S, S), 1.2)
    memn = noise_field(rng, (S, S), 8.0)
    cyt = noise_field(rng, (S, S), 3.0)

    Hc = np.zeros((S, S), np.float32)
    Dc = np.zeros((S, S), np.float32)
    nucocc = np.zeros((S, S), np.float32)   # nucleus occupancy (for placing objects)
    incell = np.zeros((S, S), bool)
    wm = 0.8 * um
    # "scheel" cases: each cell's band is half the precipitate width of its class (Scheel et
    # al. 2018: 0.64 / 1.0 / 2.1 um at 1+ / 2+ / 3+), so two like neighbours make the full width
    SCHEEL = {"faint": 0.32, "weakmod": 0.5, "strong": 1.05}
    wcell = np.array([SCHEEL.get(c, 0.4) * um if cfg.get("scheel") else wm for c in cls], np.float32)
    sum_w = np.zeros(N); sum_x = np.zeros(N); sum_y = np.zeros(N)
    band_tot = np.zeros(N); band_on = np.zeros(N)

    CH = 300
    xs_row = np.arange(S, dtype=np.float32)
    for r0 in range(0, S, CH):
        r1 = min(S, r0 + CH)
        ys, xs = np.mgrid[r0:r1, 0:S].astype(np.float32)
        P = np.stack([xs.ravel(), ys.ravel()], 1)
        d, idx = tree.query(P, k=4, workers=2)
        lab = idx[:, 0]
        s1 = seeds[lab]
        d1 = d[:, 0]
        e = np.full(len(P), np.inf)
        nbr = idx[:, 1].copy()   # neighbour across the nearest bisector
        for j in range(1, 4):
            sj = seeds[idx[:, j]]
            dss = np.linalg.norm(sj - s1, axis=1)
            ej = (d[:, j] ** 2 - d1 ** 2) / (2 * dss)
            nbr = np.where(ej < e, idx[:, j], nbr)
            e = np.minimum(e, ej)
        e = np.minimum(e, 12 * um - d1)
        ae = allowed_edt[r0:r1].ravel()
        e = np.minimum(e, ae).astype(np.float32)
        ic = (ae > 0) & (d1 < 12 * um) & ~nest[lab]
        shp = (r1 - r0, S)
        # membrane
        phi = np.arctan2(P[:, 1] - s1[:, 1], P[:, 0] - s1[:, 0]) % (2 * np.pi)
        arc = np.zeros(len(P), bool)
        for j in range(3):
            arc |= ((phi - arc_s[lab, j]) % (2 * np.pi)) < arc_l[lab, j]
        wl = wcell[lab]
        prof = np.clip((wl - e) + 0.5, 0, 1) * ic
        inband = ic & (e < wl)
        band_tot += np.bincount(lab[inband], minlength=N)
        band_on += np.bincount(lab[inband & arc], minlength=N)
        own = arc * mem_od[lab]
        if cfg.get("border_mode", "own") == "max":
            # alternative design: the shared border is ONE line carrying the stronger
            # of the two cells' membrane stain (neighbour's arc tested from its own seed)
            sn = seeds[nbr]
            phn = np.arctan2(P[:, 1] - sn[:, 1], P[:, 0] - sn[:, 0]) % (2 * np.pi)
            arcn = np.zeros(len(P), bool)
            for j in range(3):
                arcn |= ((phn - arc_s[nbr, j]) % (2 * np.pi)) < arc_l[nbr, j]
            ncell = ~nest[nbr] & (e < 12 * um - d1) & (e < ae)   # border is with a real cell
            own = np.maximum(own, arcn * mem_od[nbr] * ncell)
        mem = prof * own * (1 + 0.15 * memn[r0:r1].ravel())
        # nucleus
        dx = P[:, 0] - ncx[lab]; dy = P[:, 1] - ncy[lab]
        ct, st = np.cos(theta[lab]), np.sin(theta[lab])
        u = (dx * ct + dy * st) / a_ax[lab]; v = (-dx * st + dy * ct) / b_ax[lab]
        rn = np.sqrt(u * u + v * v)
        psi = np.arctan2(v, u)
        rb = 1 + hh[lab, 0] * np.cos(2 * psi + hp[lab, 0]) + hh[lab, 1] * np.cos(3 * psi + hp[lab, 1]) \
            + hh[lab, 2] * np.cos(5 * psi + hp[lab, 2])
        nm = np.clip((rb - rn) * b_ax[lab] + 0.5, 0, 1)
        nm *= np.clip(e - (wm + 1.5 * um), 0, 1) * ic
        rim = np.clip((rn / rb - 0.8) / 0.2, 0, 1) * 0.12 * hscale
        hn = nbase[lab] * (1 + 0.28 * chrom[r0:r1].ravel()) + rim
        for j in range(2):
            use = nuc_n[lab] > j
            du = (u - nu_u[lab, j]) * a_ax[lab]; dv = (v - nu_v[lab, j]) * b_ax[lab]
            dn = np.sqrt(du * du + dv * dv)
            hn += use * np.clip(nu_rad[lab, j] - dn + 0.5, 0, 1) * 0.3 * hscale
        hn = np.clip(hn, 0.05, 1.5)
        sum_w += np.bincount(lab, weights=nm, minlength=N)
        sum_x += np.bincount(lab, weights=nm * P[:, 0], minlength=N)
        sum_y += np.bincount(lab, weights=nm * P[:, 1], minlength=N)
        cytm = ic * (1 - nm)
        H = nm * hn + cytm * cyto_h[lab] * (1 + 0.2 * cyt[r0:r1].ravel())
        D = mem + cytm * cyto_d[lab] * (1 + 0.2 * cyt[r0:r1].ravel())
        Hc[r0:r1] = H.reshape(shp); Dc[r0:r1] = D.reshape(shp)
        nucocc[r0:r1] = nm.reshape(shp)
        incell[r0:r1] = ic.reshape(shp)
        print(f"  {name}: rows {r1}/{S}  {time.time()-t0:.0f}s", file=sys.stderr, end="\r")
    del chrom, memn, allowed_edt
    print(file=sys.stderr)

    # extracellular tissue (stroma bands, nests, gaps): fibrous pale background
    fib = noise_field(rng, (S, S), 2.0)
    ext = tissue & ~incell
    Hc += ext * (0.05 * hscale) * np.clip(1 + 0.4 * fib, 0.2, 2.0)
    Dc += ext * 0.01 * np.clip(1 + 0.3 * fib, 0.2, 2.0)
    del fib, cyt

    # ---------------- non-tumour objects ----------------
    objs = []
    nexp = math.pi * (a_ax * b_ax).astype(np.float64)

    def place(kind, x0, y0, a, b, ang, od, bend=0.0):
        R = int(math.ceil(max(a, b) + 3 * um))
        xi, yi = int(round(x0)), int(round(y0))
        if xi - R < 0 or yi - R < 0 or xi + R >= S or yi + R >= S:
            return False
        sl = (slice(yi - R, yi + R + 1), slice(xi - R, xi + R + 1))
        py, px = np.mgrid[yi - R:yi + R + 1, xi - R:xi + R + 1].astype(np.float32)
        dx = px - x0; dy = py - y0
        c, s = math.cos(ang), math.sin(ang)
        uu = dx * c + dy * s; vv = -dx * s + dy * c
        vv = vv - bend * uu * uu / a
        rn = np.sqrt((uu / a) ** 2 + (vv / b) ** 2)
        m = np.clip((1 - rn) * b + 0.5, 0, 1)
        halo = rn < 1 + 2.0 * um / b
        if (nucocc[sl][halo] > 0.05).any() or incell[sl][halo].any() or (~tissue[sl][halo]).any():
            return False
        tex = 1 + 0.12 * rng.standard_normal(m.shape).astype(np.float32)
        tex = ndi.gaussian_filter(tex, 1.0)
        Hc[sl] += m * od * tex
        if kind == "lymphocyte":  # thin cytoplasm rim
            rim = np.clip((1 + 0.8 * um / a - rn) * a, 0, 1) * (1 - m)
            Hc[sl] += rim * 0.06 * hscale
        nucocc[sl] = np.maximum(nucocc[sl], m)
        w = m.sum()
        objs.append(dict(kind=kind, x=float((m * px).sum() / w), y=float((m * py).sum() / w),
                         area_px=float(w)))
        return True

    n_tum_seed = int((~nest).sum())
    if cfg.get("stroma", False):
        # lymphocyte nests
        for i in np.flatnonzero(nest):
            k = int(rng.integers(1, 4))
            for _ in range(k * 6):
                if k <= 0:
                    break
                x0 = seeds[i, 0] + rng.uniform(-6, 6) * um
                y0 = seeds[i, 1] + rng.uniform(-6, 6) * um
                r = rng.uniform(2.5, 3.5) * um
                if place("lymphocyte", x0, y0, r, r * rng.uniform(0.9, 1.0), rng.uniform(0, np.pi),
                         rng.uniform(0.8, 1.1) * hscale):
                    k -= 1
        target = int(cfg.get("nontumour_ratio", 0.33) * n_tum_seed)
        bys, bxs = np.nonzero(band)
        tries = 0
        while len(objs) < target and tries < 60 * target:
            tries += 1
            j = int(rng.integers(len(bxs)))
            x0 = bxs[j] + rng.uniform(-0.5, 0.5); y0 = bys[j] + rng.uniform(-0.5, 0.5)
            if rng.random() < 0.5:
                a = rng.uniform(5.0, 7.5) * um; b = rng.uniform(1.0, 1.5) * um
                ang = band_tangent[bys[j], bxs[j]] + rng.normal(0, 0.25)
                place("stroma", x0, y0, a, b, ang, rng.uniform(0.5, 0.8) * hscale,
                      bend=rng.uniform(-0.08, 0.08))
            else:
                r = rng.uniform(2.5, 3.5) * um
                place("lymphocyte", x0, y0, r, r * rng.uniform(0.88, 1.0), rng.uniform(0, np.pi),
                      rng.uniform(0.8, 1.1) * hscale)
    del band_tangent

    # ---------------- optics ----------------
    OD = (Hc[..., None] * hvec[None, None, :].astype(np.float32)
          + Dc[..., None] * dvec[None, None, :].astype(np.float32) + np.float32(glass))
    del Hc, Dc
    I = (255.0 * np.power(np.float32(10.0), -OD)).astype(np.float32)
    del OD
    sig = blur_um * um
    for c in range(3):
        I[..., c] = ndi.gaussian_filter(I[..., c], sig)
    ds = cfg.get("downsample", 1)
    if ds > 1:
        S2 = S // ds
        I = I[:S2 * ds, :S2 * ds].reshape(S2, ds, S2, ds, 3).mean(axis=(1, 3))
    out_mpp = MPP * ds
    # shot-like noise (variance proportional to signal) + read noise
    I = I + rng.standard_normal(I.shape).astype(np.float32) * np.sqrt(0.02 * I + 0.6)
    img = np.clip(np.round(I), 0, 255).astype(np.uint8)
    del I
    png = os.path.join(outdir, name + ".png")
    Image.fromarray(img).save(png, compress_level=1)
    tif = os.path.join(outdir, name + ".tif")
    xres = 1000.0 / out_mpp
    subprocess.run(["vips", "tiffsave", png, tif, "--tile", "--tile-width", "256", "--tile-height", "256",
                    "--pyramid", "--compression", "jpeg", "--Q", str(jpeg_q),
                    "--xres", str(xres), "--yres", str(xres), "--resunit", "cm"], check=True)
    os.remove(png)

    # ---------------- truth ----------------
    cells = []
    comp_px = np.where(band_tot > 0, band_on / np.maximum(band_tot, 1), 0)
    for i in range(N):
        if nest[i] or sum_w[i] < 1:
            continue
        frac_vis = sum_w[i] / nexp[i]
        cells.append(dict(id=int(i), x=float(sum_x[i] / sum_w[i] / ds), y=float(sum_y[i] / sum_w[i] / ds),
                          cls="tumour_" + cls[i], membrane_od=float(mem_od[i]),
                          completeness=float(comp[i]), completeness_px=float(comp_px[i]) if cls[i] != "negative" else 0.0,
                          nucleus_area_px=float(sum_w[i] / ds / ds), nucleus_visible_frac=float(frac_vis)))
    for o in objs:
        cells.append(dict(id=-1, x=o["x"] / ds, y=o["y"] / ds, cls=o["kind"], membrane_od=0.0,
                          completeness=0.0, completeness_px=0.0, nucleus_area_px=o["area_px"] / ds / ds,
                          nucleus_visible_frac=1.0))
    tum = [c for c in cells if c["cls"].startswith("tumour_")]
    nt = len(tum)
    pct = {k: 100.0 * sum(c["cls"] == "tumour_" + k for c in tum) / nt
           for k in ("strong", "weakmod", "faint", "negative")}
    if pct["strong"] > 10:
        score = "3+"
    elif pct["weakmod"] + pct["strong"] > 10:
        score = "2+"
    elif pct["faint"] > 10:
        score = "1+"
    else:
        score = "0 (ultralow)" if pct["faint"] > 0 else "0 (null)"
    truth = dict(name=name, seed=cfg["seed"], mpp=out_mpp, size_px=S // ds, render_mpp=MPP,
                 stain_h=hvec.tolist(), stain_dab=dvec.tolist(), h_scale=hscale, glass_od=glass,
                 blur_sigma_um=blur_um, jpeg_q=jpeg_q, membrane_band_um_per_cell=0.8,
                 class_od_ranges=CLASS_OD, bands=bands, intended_score=score, intended_pct=pct,
                 n_tumour=nt, n_stroma=sum(c["cls"] == "stroma" for c in cells),
                 n_lymphocyte=sum(c["cls"] == "lymphocyte" for c in cells), cells=cells)
    with open(os.path.join(outdir, name + ".truth.json"), "w") as f:
        json.dump(truth, f)
    print(f"{name}: {score} pct={ {k: round(v,1) for k,v in pct.items()} } tumour={nt} "
          f"stroma={truth['n_stroma']} lymph={truth['n_lymphocyte']} {time.time()-t0:.0f}s", file=sys.stderr)
    return truth


CASES = [
    dict(name="w03_1plus_scheel", seed=103, fractions={"faint": 0.45}, scheel=True),
    dict(name="w04_2plus_scheel", seed=104, fractions={"weakmod": 0.40, "faint": 0.30}, scheel=True),
    dict(name="w06_3plus_scheel", seed=106, fractions={"strong": 0.60, "weakmod": 0.25, "faint": 0.10}, scheel=True),
    dict(name="w07_3plus_near_scheel", seed=107, fractions={"strong": 0.15, "weakmod": 0.35, "faint": 0.20}, scheel=True),
    dict(name="w05_2plus_near_scheel", seed=105, fractions={"weakmod": 0.15, "faint": 0.35}, scheel=True),

    dict(name="s01_null", seed=101, fractions={}),
    dict(name="s02_ultralow", seed=102, fractions={"faint": 0.06}),
    dict(name="s03_1plus", seed=103, fractions={"faint": 0.45}),
    dict(name="s04_2plus", seed=104, fractions={"weakmod": 0.40, "faint": 0.30}),
    dict(name="s05_2plus_near", seed=105, fractions={"weakmod": 0.15, "faint": 0.35}),
    dict(name="s06_3plus", seed=106, fractions={"strong": 0.60, "weakmod": 0.25, "faint": 0.10}),
    dict(name="s07_3plus_near", seed=107, fractions={"strong": 0.15, "weakmod": 0.35, "faint": 0.20}),
    dict(name="s08_1plus_stroma", seed=108, fractions={"faint": 0.45}, stroma=True),
    dict(name="s09_2plus_stroma", seed=109, fractions={"weakmod": 0.40, "faint": 0.30}, stroma=True),
    dict(name="s10_2plus_stainvar", seed=110, fractions={"weakmod": 0.40, "faint": 0.30},
         h_scale=0.7, dab_perturb=0.10),
    dict(name="s11_2plus_20x", seed=104, fractions={"weakmod": 0.40, "faint": 0.30}, downsample=2),
    dict(name="s12_1plus_near", seed=112, fractions={"faint": 0.15}),
    # sensitivity variant (second border design from the brief): same content/seeds,
    # but each shared border drawn once with the stronger cell's stain
    dict(name="v03_1plus_maxborder", seed=103, fractions={"faint": 0.45}, border_mode="max"),
    dict(name="v04_2plus_maxborder", seed=104, fractions={"weakmod": 0.40, "faint": 0.30}, border_mode="max"),
    dict(name="v06_3plus_maxborder", seed=106, fractions={"strong": 0.60, "weakmod": 0.25, "faint": 0.10}, border_mode="max"),
    dict(name="v07_3plus_near_maxborder", seed=107, fractions={"strong": 0.15, "weakmod": 0.35, "faint": 0.20}, border_mode="max"),
]

if __name__ == "__main__":
    # render.py [--out DIR] [--size=N] [CASE ...]: every case, or the named ones.
    args = sys.argv[1:]
    outdir = "out/crosscheck/slides"
    if len(args) >= 2 and args[0] == "--out":
        outdir, args = args[1], args[2:]
    size = None
    if args and args[0].startswith("--size="):
        size = int(args[0].split("=")[1])
        args = args[1:]
    os.makedirs(outdir, exist_ok=True)
    for c in CASES:
        if args and c["name"] not in args:
            continue
        c = dict(c)
        if size:
            c["size"] = size
        render(c, outdir)
