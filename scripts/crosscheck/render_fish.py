#!/usr/bin/python3
"""Independent widefield-fluorescence FISH field renderer (HER2 / CEP17 dual probe).

Written to a design of its own, without reading the analysis or its phantom.

Physical model (all intensities in photo-electrons before the camera):
  * Field 2048 x 2048 px at 0.1 um/px (63x/1.4 oil + 6.5 um sCMOS pixel with 1x relay
    would give 0.103 um/px; 0.1 is used).
  * DAPI: each nucleus is a slightly irregular ellipse (Fourier-perturbed boundary),
    8-14 um long axis, projected thickness profile of an ellipsoid, multiplicative
    log-normal chromatin texture at two scales, chromocentres (bright foci) and
    nucleoli (dark holes).  Overlapping nuclei add (fluorescence is additive).
    A few nuclei are out of focus (heavily blurred, dimmer, probes blurred too), a
    few are cut by the field edge.  Smooth background + cytoplasmic autofluorescence.
  * Probes: 2-D Gaussian spots (in focus sigma ~0.12 um HER2, ~0.14 um CEP17),
    ~15% defocused (sigma 0.18-0.30 um, less integrated light), log-normal spot
    brightness, split signals (two sub-spots 0.25-0.45 um apart = one signal),
    HER2 clusters (n copies scattered with sigma 0.3-0.6 um plus a diffuse cloud),
    faint non-specific speckles (not counted) and autofluorescent granules outside
    nuclei visible in all channels (not counted).
  * Camera: Poisson shot noise, Gaussian read noise, gain, offset, bit depth clip.

Truth: per nucleus centroid (px), flags, HER2 and CEP17 signal counts (a split signal
counts 1, a cluster counts its number of copies), clusters with copy numbers.
"""
import json, os, sys, math
import numpy as np
from scipy import ndimage as ndi
from PIL import Image

W = H = 2048
MPP = 0.1


def um(x):
    return x / MPP


# ----------------------------------------------------------------------------- shapes
class Nucleus:
    pass


def make_shape(rng, cx, cy, major_um, aspect, angle):
    a = um(major_um) / 2.0
    b = a * aspect
    ks = np.arange(2, 6)
    amps = rng.normal(0, 1, 4) * 0.035 / (ks - 1) ** 0.7
    phases = rng.uniform(0, 2 * np.pi, 4)
    n = Nucleus()
    n.cx, n.cy, n.a, n.b, n.ang = cx, cy, a, b, angle
    n.ks, n.amps, n.phases = ks, amps, phases
    return n


def radius(n, theta):
    t = theta - n.ang
    r = n.a * n.b / np.sqrt((n.b * np.cos(t)) ** 2 + (n.a * np.sin(t)) ** 2)
    pert = 1.0 + sum(A * np.cos(k * theta + p) for k, A, p in zip(n.ks, n.amps, n.phases))
    return r * pert


def bbox(n, pad=0):
    R = n.a * 1.2 + pad
    x0 = int(math.floor(n.cx - R)); x1 = int(math.ceil(n.cx + R)) + 1
    y0 = int(math.floor(n.cy - R)); y1 = int(math.ceil(n.cy + R)) + 1
    return x0, x1, y0, y1


def local_rho(n, x0, x1, y0, y1):
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    dx = xx - n.cx; dy = yy - n.cy
    th = np.arctan2(dy, dx)
    return np.hypot(dx, dy) / radius(n, th)   # <1 inside


def clip_box(x0, x1, y0, y1):
    return max(x0, 0), min(x1, W), max(y0, 0), min(y1, H)


# ----------------------------------------------------------------------------- helpers
def smooth_field(rng, scale_px, shape=(H, W)):
    small = rng.normal(0, 1, (shape[0] // 64 + 3, shape[1] // 64 + 3))
    small = ndi.gaussian_filter(small, scale_px / 64.0)
    small = (small - small.mean()) / (small.std() + 1e-9)
    f = ndi.zoom(small, 64, order=3)
    return f[:shape[0], :shape[1]]


def add_gauss(img, x, y, sigma_px, integral):
    r = int(math.ceil(4 * sigma_px)) + 1
    xi, yi = int(round(x)), int(round(y))
    x0, x1, y0, y1 = clip_box(xi - r, xi + r + 1, yi - r, yi + r + 1)
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    g = np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma_px ** 2))
    img[y0:y1, x0:x1] += g * integral / (2 * np.pi * sigma_px ** 2)


def sample_inside(rng, n, mask_full, k, min_sep_px, existing, rmax=0.82, tries=4000):
    """k points inside nucleus n (rho < rmax), separated from each other and `existing`."""
    pts = []
    for _ in range(tries):
        if len(pts) == k:
            break
        th = rng.uniform(0, 2 * np.pi)
        rr = math.sqrt(rng.uniform(0, 1)) * rmax
        R = radius(n, np.array([th]))[0]
        x = n.cx + rr * R * math.cos(th); y = n.cy + rr * R * math.sin(th)
        if not (1 <= x < W - 1 and 1 <= y < H - 1):
            continue
        ok = all(math.hypot(x - px, y - py) >= min_sep_px for px, py in pts + existing)
        if ok:
            pts.append((x, y))
    return pts


# ----------------------------------------------------------------------------- layout
def layout(rng, n_target, n_edge, n_oof, frac_touch, frac_overlap):
    nuclei = []
    cover = np.zeros((H, W), np.uint8)   # coverage with 0.6 um guard ring

    def masks_of(n, grow=0.0):
        x0, x1, y0, y1 = clip_box(*bbox(n, pad=um(1.0)))
        if x0 >= x1 or y0 >= y1:
            return None
        rho = local_rho(n, x0, x1, y0, y1)
        R = radius(n, np.arctan2(np.mgrid[y0:y1, x0:x1][0] - n.cy, np.mgrid[y0:y1, x0:x1][1] - n.cx))
        m = rho * R < R + grow
        return (x0, x1, y0, y1), m

    def new_shape(cx, cy):
        major = rng.uniform(9.0, 14.0)
        aspect = rng.uniform(0.68, 0.95)
        return make_shape(rng, cx, cy, major, aspect, rng.uniform(0, np.pi))

    def try_place(n, kind, partner=None):
        r = masks_of(n, grow=um(0.6) if kind == 'free' else 0.0)
        if r is None:
            return False
        (x0, x1, y0, y1), m = r
        overl = cover[y0:y1, x0:x1][m]
        if kind == 'free':
            if overl.any():
                return False
        else:
            # must not hit anything but the partner
            r2 = masks_of(n, grow=0.0)
            (a0, a1, b0, b1), m2 = r2
            lab = labels[b0:b1, a0:a1][m2]
            others = set(np.unique(lab)) - {0, partner.id + 1}
            if others:
                return False
        return True

    labels = np.zeros((H, W), np.int32)   # last nucleus id+1 covering pixel (for collision tests)

    def commit(n, kind):
        n.id = len(nuclei)
        n.kind = kind
        nuclei.append(n)
        (x0, x1, y0, y1), m = masks_of(n, grow=um(0.6))
        cover[y0:y1, x0:x1][m] = 1
        (x0, x1, y0, y1), m = masks_of(n, grow=0.0)
        labels[y0:y1, x0:x1][m] = n.id + 1

    # edge-cut nuclei first
    placed_edge = 0; guard = 0
    while placed_edge < n_edge and guard < 500:
        guard += 1
        side = rng.integers(4)
        t = rng.uniform(0.1, 0.9) * W
        d = rng.uniform(-0.2, 0.5) * um(5.5)   # centre near / just outside the border
        cx, cy = [(d, t), (W - d, t), (t, d), (t, H - d)][side]
        n = new_shape(cx, cy)
        if try_place(n, 'free'):
            commit(n, 'edge'); placed_edge += 1
    # interior nuclei
    guard = 0
    while len(nuclei) < n_target + n_edge and guard < 20000:
        guard += 1
        u = rng.uniform()
        interior = [m for m in nuclei if m.kind == 'free' and um(12) < m.cx < W - um(12) and um(12) < m.cy < H - um(12)]
        if u < frac_touch + frac_overlap and interior:
            p = interior[rng.integers(len(interior))]
            th = rng.uniform(0, 2 * np.pi)
            n = new_shape(0, 0)
            rp = radius(p, np.array([th]))[0]
            # radius of new nucleus pointing back toward the partner
            n.cx, n.cy = 0.0, 0.0
            rn = radius(n, np.array([th + np.pi]))[0]
            if u < frac_touch:
                f = rng.uniform(0.97, 1.01); kind = 'touch'
            else:
                f = rng.uniform(0.72, 0.85); kind = 'overlap'
            dist = (rp + rn) * f
            n.cx = p.cx + dist * math.cos(th); n.cy = p.cy + dist * math.sin(th)
            if not (um(7) < n.cx < W - um(7) and um(7) < n.cy < H - um(7)):
                continue
            if try_place(n, kind, partner=p):
                n.partner = p.id
                commit(n, kind)
                if kind == 'overlap':
                    p.kind = 'overlap_partner'
                else:
                    p.kind = 'touch_partner' if p.kind == 'free' else p.kind
        else:
            cx = rng.uniform(um(7), W - um(7)); cy = rng.uniform(um(7), H - um(7))
            n = new_shape(cx, cy)
            if try_place(n, 'free'):
                commit(n, 'free')
    # out of focus: pick among free interior nuclei
    free = [m for m in nuclei if m.kind == 'free']
    for i in rng.choice(len(free), size=min(n_oof, len(free)), replace=False):
        free[i].kind = 'oof'
    return nuclei


# ----------------------------------------------------------------------------- cases
def counts_list(rng, spec, n):
    """Exact-proportion assignment: spec = {value: weight}."""
    vals = np.array(list(spec.keys())); w = np.array(list(spec.values()), float)
    w = w / w.sum()
    k = np.floor(w * n).astype(int)
    rem = n - k.sum()
    order = np.argsort(-(w * n - k))
    k[order[:rem]] += 1
    out = np.repeat(vals, k)
    rng.shuffle(out)
    return list(out)


CASES = {
    # name: parameters
    'g1_amp': dict(seed=101, group=1, her2={6: 1, 7: 1, 8: 2, 9: 2, 10: 2, 11: 1, 12: 1},
                   cep={1: 1, 2: 6, 3: 1}, cluster_frac=0.45, cluster_copies=(6, 12)),
    'g1_cluster': dict(seed=102, group=1, her2={14: 1, 16: 1, 18: 1, 20: 1, 24: 1},
                       cep={1: 1, 2: 6, 3: 1}, cluster_frac=0.9, cluster_copies=(8, 20),
                       cluster_share=0.85),
    'g2_mono17': dict(seed=103, group=2, her2={2: 1, 3: 2, 4: 2, 5: 1},
                      cep={1: 1, 2: 1}),
    'g3_poly': dict(seed=104, group=3, her2={5: 1, 6: 2, 7: 3, 8: 2, 9: 2},
                    cep={3: 1, 4: 2, 5: 2, 6: 1}, bit12=True),
    'g4_equiv': dict(seed=105, group=4, her2={3: 1, 4: 3, 5: 3, 6: 2, 7: 1},
                     cep={2: 1, 3: 3, 4: 1}),
    'g5_normal': dict(seed=106, group=5, her2={1: 1, 2: 8, 3: 1}, cep={1: 1, 2: 8, 3: 1}),
    'g5_dim': dict(seed=107, group=5, her2={1: 1, 2: 8, 3: 1}, cep={1: 1, 2: 8, 3: 1},
                   probe_gain=0.3, bg_gain=3.0, speckle_density=0.03),
    'near_2p2': dict(seed=108, group=1, her2={4: 1, 5: 2, 6: 1}, cep={2: 3, 3: 1}),
}


def ish_group(ratio, her2):
    if ratio >= 2.0:
        return 1 if her2 >= 4.0 else 2
    if her2 >= 6.0:
        return 3
    if her2 >= 4.0:
        return 4
    return 5


def render(name, p, outdir):
    rng = np.random.default_rng(p['seed'])
    probe_gain = p.get('probe_gain', 1.0)
    bg_gain = p.get('bg_gain', 1.0)
    n_target = int(rng.integers(50, 66))
    nuclei = layout(rng, n_target, n_edge=5, n_oof=3, frac_touch=0.18, frac_overlap=0.08)
    N = len(nuclei)

    dapi = np.zeros((H, W)); her2 = np.zeros((H, W)); cep = np.zeros((H, W))
    dapi_oof = np.zeros((H, W)); her2_oof = np.zeros((H, W)); cep_oof = np.zeros((H, W))
    nucmask = np.zeros((H, W), np.int32)     # count of nuclei covering a pixel
    labelmap = np.zeros((H, W), np.int32)

    her2_counts = counts_list(rng, p['her2'], N)
    cep_counts = counts_list(rng, p['cep'], N)
    cl_frac = p.get('cluster_frac', 0.0)
    cl_flags = counts_list(rng, {1: cl_frac, 0: 1 - cl_frac}, N) if cl_frac > 0 else [0] * N

    truth = []
    for n in nuclei:
        oof = n.kind == 'oof'
        x0, x1, y0, y1 = clip_box(*bbox(n, pad=4))
        rho = local_rho(n, x0, x1, y0, y1)
        inside = rho < 1.0
        # projected thickness of an ellipsoid, slightly flattened top
        thick = np.sqrt(np.clip(1 - np.minimum(rho, 1) ** 2, 0, 1)) ** 0.6
        hh, ww = inside.shape
        tex1 = ndi.gaussian_filter(rng.normal(0, 1, (hh, ww)), um(0.35))
        tex2 = ndi.gaussian_filter(rng.normal(0, 1, (hh, ww)), um(1.2))
        tex1 /= tex1.std() + 1e-9; tex2 /= tex2.std() + 1e-9
        tex = np.exp(0.22 * tex1 + 0.15 * tex2)
        bright = rng.uniform(700, 1500)
        img = bright * thick * tex * inside
        yy, xx = np.mgrid[y0:y1, x0:x1]
        # chromocentres
        for _ in range(rng.integers(3, 9)):
            pt = sample_inside(rng, n, None, 1, 0, [], rmax=0.8)
            if pt:
                s = um(rng.uniform(0.25, 0.45))
                img += bright * rng.uniform(0.3, 0.7) * np.exp(-((xx - pt[0][0]) ** 2 + (yy - pt[0][1]) ** 2) / (2 * s * s)) * inside
        # nucleoli
        for _ in range(rng.integers(1, 4)):
            pt = sample_inside(rng, n, None, 1, 0, [], rmax=0.6)
            if pt:
                s = um(rng.uniform(0.5, 0.9))
                img *= 1 - 0.55 * np.exp(-((xx - pt[0][0]) ** 2 + (yy - pt[0][1]) ** 2) / (2 * s * s))
        if oof:
            img *= 0.65
            dapi_oof[y0:y1, x0:x1] += img
        else:
            dapi[y0:y1, x0:x1] += img
        nucmask[y0:y1, x0:x1] += inside
        labelmap[y0:y1, x0:x1][inside] = n.id + 1
        # diffuse nuclear probe background (unbound probe, nuclear autofluorescence)
        nb_h = 70 * bg_gain * p.get('nuc_bg', 1.0) * inside * thick
        nb_c = 90 * bg_gain * p.get('nuc_bg', 1.0) * inside * thick
        if oof:
            her2_oof[y0:y1, x0:x1] += nb_h; cep_oof[y0:y1, x0:x1] += nb_c
        else:
            her2[y0:y1, x0:x1] += nb_h; cep[y0:y1, x0:x1] += nb_c

        # ---- probe signals
        h_total = int(her2_counts[n.id]); c_total = int(cep_counts[n.id])
        clusters = []
        if cl_flags[n.id]:
            share = p.get('cluster_share', 0.7)
            lo, hi = p['cluster_copies']
            copies_total = int(np.clip(round(h_total * share), lo, hi))
            ncl = 1 if copies_total < 14 or rng.uniform() < 0.5 else 2
            parts = [copies_total] if ncl == 1 else [copies_total // 2, copies_total - copies_total // 2]
            for c in parts:
                clusters.append(int(c))
            h_single = max(h_total - copies_total, 0)
            h_total = h_single + copies_total
        else:
            h_single = h_total
        spot_sig_h = []; spot_sig_c = []

        def emit(channel_list, xy, sig_um, integ, split_p):
            """one counted signal; may be rendered as a split pair."""
            x, y = xy
            defocus = rng.uniform() < p.get('defocus_frac', 0.15)
            s = sig_um * rng.normal(1, 0.06)
            I = integ * math.exp(rng.normal(0, 0.3))
            if defocus:
                s = rng.uniform(0.18, 0.30); I *= rng.uniform(0.55, 0.9)
            rec = dict(x=round(x, 2), y=round(y, 2), sigma_um=round(s, 3), integral=round(I, 1),
                       defocus=bool(defocus), split=False)
            if rng.uniform() < split_p:
                d = um(rng.uniform(0.25, 0.45)); th = rng.uniform(0, np.pi)
                f = rng.uniform(0.35, 0.65)
                channel_list.append((x + d / 2 * math.cos(th), y + d / 2 * math.sin(th), um(s), I * f))
                channel_list.append((x - d / 2 * math.cos(th), y - d / 2 * math.sin(th), um(s), I * (1 - f)))
                rec['split'] = True; rec['split_dist_um'] = round(d * MPP, 3)
            else:
                channel_list.append((x, y, um(s), I))
            return rec

        I_h = 1300 * probe_gain * 2 * np.pi * um(0.12) ** 2
        I_c = 1500 * probe_gain * 2 * np.pi * um(0.14) ** 2
        # cluster centres first (need room)
        cl_centres = sample_inside(rng, n, None, len(clusters), um(2.0), [], rmax=0.55)
        clusters = clusters[:len(cl_centres)]
        occupied = list(cl_centres)
        h_pts = sample_inside(rng, n, None, h_single, um(0.8), [(x, y) for x, y in occupied], rmax=0.85)
        # keep clusters apart from single spots
        c_pts = sample_inside(rng, n, None, c_total, um(0.8), [(x, y) for x, y in occupied], rmax=0.85)
        h_list = []; c_list = []
        h_recs = [emit(h_list, xy, 0.12, I_h, p.get('split_p', 0.08)) for xy in h_pts]
        c_recs = [emit(c_list, xy, 0.14, I_c, p.get('split_p', 0.08)) for xy in c_pts]
        cl_recs = []
        for (cx, cy), copies in zip(cl_centres, clusters):
            sc = um(rng.uniform(0.3, 0.5) * (copies / 10) ** 0.35)
            for _ in range(copies):
                h_list.append((cx + rng.normal(0, sc), cy + rng.normal(0, sc), um(0.12 * rng.normal(1, 0.06)),
                               I_h * rng.uniform(0.5, 1.0)))
            # diffuse amplicon cloud
            h_list.append((cx, cy, sc * 1.3, 0.25 * copies * I_h))
            cl_recs.append(dict(x=round(cx, 2), y=round(cy, 2), copies=int(copies), sigma_um=round(sc * MPP, 3)))
        h_true = len(h_pts) + sum(c['copies'] for c in cl_recs)
        c_true = len(c_pts)
        tgt_h = her2 if not oof else her2_oof
        tgt_c = cep if not oof else cep_oof
        for x, y, s, I in h_list:
            add_gauss(tgt_h, x, y, s, I)
        for x, y, s, I in c_list:
            add_gauss(tgt_c, x, y, s, I)

        m = inside
        ys, xs = np.nonzero(m)
        full_area = math.pi * 1.0  # placeholder
        # total (unclipped) area from polar formula
        th = np.linspace(0, 2 * np.pi, 720, endpoint=False)
        area_px = 0.5 * np.sum(radius(n, th) ** 2) * (2 * np.pi / 720)
        truth.append(dict(id=n.id, kind=n.kind, partner=getattr(n, 'partner', None),
                          cx=float(n.cx), cy=float(n.cy),
                          centroid_visible=[float(xs.mean() + x0), float(ys.mean() + y0)] if len(xs) else None,
                          area_um2=round(area_px * MPP * MPP, 1),
                          visible_fraction=round(len(xs) / area_px, 3),
                          major_um=round(2 * n.a * MPP, 2), minor_um=round(2 * n.b * MPP, 2),
                          her2=int(h_true), cep17=int(c_true), her2_planned=int(her2_counts[n.id]),
                          her2_cluster=bool(cl_recs), cluster_copies=int(sum(c['copies'] for c in cl_recs)),
                          clusters=cl_recs, her2_spots=h_recs, cep17_spots=c_recs,
                          n_split_her2=sum(r['split'] for r in h_recs), n_split_cep17=sum(r['split'] for r in c_recs)))

    # overlap bookkeeping
    for t, n in zip(truth, nuclei):
        x0, x1, y0, y1 = clip_box(*bbox(n, pad=4))
        rho = local_rho(n, x0, x1, y0, y1)
        inside = rho < 1.0
        ov = (nucmask[y0:y1, x0:x1][inside] > 1).mean() if inside.any() else 0
        t['overlap_fraction'] = round(float(ov), 3)
        full = t['visible_fraction'] > 0.995 and (x0 > 2 and y0 > 2 and x1 < W - 2 and y1 < H - 2)
        t['cut_by_edge'] = not full
        t['out_of_focus'] = n.kind == 'oof'
        t['scorable'] = bool(full and ov < 0.01 and n.kind != 'oof')

    # ---- out of focus blur
    dapi += ndi.gaussian_filter(dapi_oof, um(1.5))
    her2 += ndi.gaussian_filter(her2_oof, um(0.4))
    cep += ndi.gaussian_filter(cep_oof, um(0.4))
    # DAPI optical blur
    dapi = ndi.gaussian_filter(dapi, um(0.13))

    # ---- cytoplasm autofluorescence: ring around nuclei
    anymask = nucmask > 0
    dist = ndi.distance_transform_edt(~anymask)
    cyto = np.exp(-dist / um(3.0)) * (~anymask)
    cyto = ndi.gaussian_filter(cyto, um(1.0)) * (1 + 0.3 * smooth_field(rng, um(5)))
    cyto = np.clip(cyto, 0, None)
    dapi += 15 * bg_gain * cyto
    her2 += 45 * bg_gain * p.get('cyto_gain', 1.0) * cyto
    cep += 70 * bg_gain * p.get('cyto_gain', 1.0) * cyto
    # global background (slide autofluorescence, stray light), smooth
    for img, base in ((dapi, 25), (her2, 50), (cep, 70)):
        f = 1 + 0.25 * smooth_field(rng, um(40))
        img += base * bg_gain * np.clip(f, 0.3, None)

    # ---- non-specific probe speckles (not counted)
    dens = p.get('speckle_density', 0.01)
    n_sp = rng.poisson(dens * (W * MPP) * (H * MPP))
    speck = []
    for _ in range(n_sp):
        x = rng.uniform(0, W); y = rng.uniform(0, H)
        ch = rng.integers(2)
        where = p.get('speckle_where', 0)   # 0 anywhere, 1 outside nuclei only, 2 inside only
        if (where == 1 and nucmask[int(y), int(x)]) or (where == 2 and not nucmask[int(y), int(x)]):
            continue
        s = um(rng.uniform(0.10, 0.16))
        frac = rng.uniform(0.08, 0.22)
        I = (I_h if ch == 0 else I_c) * frac
        add_gauss(her2 if ch == 0 else cep, x, y, s, I)
        speck.append((round(x, 1), round(y, 1), int(ch), round(frac, 3)))
    # ---- autofluorescent granules outside nuclei (all channels)
    gran = []
    for _ in range(200):
        if len(gran) >= p.get('n_granules', 15):
            break
        x = rng.uniform(10, W - 10); y = rng.uniform(10, H - 10)
        if nucmask[int(y), int(x)] or dist[int(y), int(x)] < um(1.0) or dist[int(y), int(x)] > um(6):
            continue
        s = um(rng.uniform(0.2, 0.4)); b = rng.uniform(0.8, 2.0)
        add_gauss(dapi, x, y, s, b * 300 * 2 * np.pi * s * s)
        add_gauss(her2, x, y, s, b * I_h / probe_gain)
        add_gauss(cep, x, y, s, b * I_c / probe_gain)
        gran.append((round(x, 1), round(y, 1)))

    # ---- camera
    bit12 = p.get('bit12', False)
    offset = 100.0
    gain = 0.8 if bit12 else 1.6     # ADU per electron
    full = 4095 if bit12 else 65535
    out = {}
    for nm, img in (('DAPI', dapi), ('HER2', her2), ('CEP17', cep)):
        e = rng.poisson(np.clip(img, 0, None)).astype(np.float64)
        e += rng.normal(0, 1.4, e.shape)
        adu = np.clip(np.round(offset + gain * e), 0, full).astype(np.uint16)
        out[nm] = adu
        Image.fromarray(adu).save(os.path.join(outdir, f'{nm}.tif'),
                                  x_resolution=1e4 / MPP, y_resolution=1e4 / MPP, resolution_unit=3)
    sat = {k: float((v >= full).mean()) for k, v in out.items()}
    # truth label map (id+1; in overlaps the later nucleus wins) -- not an input for the tool
    Image.fromarray(labelmap.astype(np.uint16)).save(os.path.join(outdir, 'truth_labels.tif'))

    sc = [t for t in truth if t['scorable']]
    mh = float(np.mean([t['her2'] for t in sc])); mc = float(np.mean([t['cep17'] for t in sc]))
    allh = float(np.mean([t['her2'] for t in truth])); allc = float(np.mean([t['cep17'] for t in truth]))
    summary = dict(case=name, seed=p['seed'], mpp=MPP, width=W, height=H, bit_depth=12 if bit12 else 16,
                   intended_group=p['group'], n_nuclei=len(truth), n_scorable=len(sc),
                   mean_her2_scorable=round(mh, 3), mean_cep17_scorable=round(mc, 3),
                   ratio_scorable=round(mh / mc, 3), group_scorable=ish_group(mh / mc, mh),
                   mean_her2_all=round(allh, 3), mean_cep17_all=round(allc, 3),
                   n_speckles=len(speck), n_granules=len(gran), saturated_fraction=sat,
                   params={k: (v if not isinstance(v, dict) else {str(a): b for a, b in v.items()}) for k, v in p.items()})
    with open(os.path.join(outdir, 'truth.json'), 'w') as f:
        json.dump(dict(summary=summary, nuclei=truth, granules=gran, speckles=speck), f, indent=1)
    return summary


if __name__ == '__main__':
    # render_fish.py [--out DIR] [CASE ...]: every case, or the named ones, one folder each.
    args = sys.argv[1:]
    outdir = 'out/crosscheck/fish'
    if len(args) >= 2 and args[0] == '--out':
        outdir, args = args[1], args[2:]
    for nm in args or list(CASES):
        d = os.path.join(outdir, nm)
        os.makedirs(d, exist_ok=True)
        render(nm, CASES[nm], d)
