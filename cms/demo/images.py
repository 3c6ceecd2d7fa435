"""Deterministic, text-free flat illustrations for demo OCOP products (Pillow only).

Scenes are drawn at 2x and downsampled with LANCZOS for soft anti-aliased edges. The same
(kind, seed) always gives the same PNG; the seed shifts palette, props and layout.
"""

from __future__ import annotations

import colorsys
import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter, ImageOps

KINDS = ("tea", "fruit", "noodles", "honey", "mushroom", "rice", "other", "landscape")
PI = math.pi
# (top, bottom) pairs of the soft backdrop gradients: cream, mint, blush, sky, butter, linen
_HEX = "fff8ea-f6e2c4 f2f8ec-d6eacc fef3eb-f5d6c6 f0f6fa-d4e5ee fdf9e4-f0e4b6 f7f4ed-e4dbca"
BACKGROUNDS = [tuple(tuple(bytes.fromhex(c)) for c in p.split("-")) for p in _HEX.split()]
WOODS = [(214, 168, 118), (196, 144, 96), (226, 196, 152), (182, 128, 84)]
INK, WHITE, SHADOW = (52, 40, 30), (255, 255, 255), (90, 60, 30)


def _mix(a, b, t):
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))


def _lit(c, f):
    """Lighten (f > 0) or darken (f < 0) a colour."""
    return _mix(c, WHITE, f) if f >= 0 else _mix(c, (0, 0, 0), -f)


def _jit(rng, c, hue=0.02, sat=0.06, val=0.05):
    h, s, v = colorsys.rgb_to_hsv(*(x / 255 for x in c))
    h, s = (h + rng.uniform(-hue, hue)) % 1, min(1, max(0, s + rng.uniform(-sat, sat)))
    v = min(1, max(0, v + rng.uniform(-val, val)))
    return tuple(round(x * 255) for x in colorsys.hsv_to_rgb(h, s, v))


def _gradient(size, top, bottom, horiz=False):
    n = max(2, size[0] if horiz else size[1])
    strip = Image.new("RGB", (n, 1) if horiz else (1, n))
    strip.putdata([_mix(top, bottom, i / (n - 1)) for i in range(n)])
    return strip.resize(size, Image.Resampling.NEAREST)


def _o(x, y, rx, ry):
    """Bounding box of an ellipse given its centre and radii."""
    return (x - rx, y - ry, x + rx, y + ry)


def _ell(cx, cy, rx, ry, ang=0.0, t0=0.0, t1=2 * PI, n=48):
    """Points of a (rotated, possibly partial) ellipse."""
    ca, sa, ts = math.cos(ang), math.sin(ang), [t0 + (t1 - t0) * i / n for i in range(n + 1)]
    xy = [(rx * math.cos(t), ry * math.sin(t)) for t in ts]
    return [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in xy]


def _fill(img, shape, c0, c1=None, horiz=False, deco=None, radius=0):
    """Gradient-fill a polygon or a rounded box (4 numbers); ``deco(draw, ox, oy)`` is clipped."""
    box = shape if isinstance(shape[0], int | float) else None
    pts = [box[:2], box[2:]] if box else shape
    x0, y0 = math.floor(min(p[0] for p in pts)), math.floor(min(p[1] for p in pts))
    w, h = math.ceil(max(p[0] for p in pts)) - x0 + 2, math.ceil(max(p[1] for p in pts)) - y0 + 2
    mask = Image.new("L", (w, h), 0)
    if box:
        local = (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)
        ImageDraw.Draw(mask).rounded_rectangle(local, radius, fill=255)
    else:
        ImageDraw.Draw(mask).polygon([(x - x0, y - y0) for x, y in pts], fill=255)
    layer = _gradient((w, h), c0, c1 or c0, horiz)
    if deco:
        deco(ImageDraw.Draw(layer, "RGBA"), x0, y0)
    img.paste(layer, (x0, y0), mask)


def _soft(img, box, color=SHADOW, alpha=80, blur=0.25):
    """Blurred ellipse (shadows, glows) rendered cheaply at low resolution."""
    x0, y0, x1, y1 = box
    w, h = max(2.0, x1 - x0), max(2.0, y1 - y0)
    px, py, k = w * blur, h * blur, 48 / (w * (1 + 2 * blur))
    m = Image.new("L", (48, max(4, round((h + 2 * py) * k))), 0)
    ImageDraw.Draw(m).ellipse((px * k, py * k, (px + w) * k, (py + h) * k), fill=alpha)
    m = m.filter(ImageFilter.GaussianBlur(max(1.0, min(px, py) * k * 0.6)))
    m = m.resize((round(w + 2 * px), round(h + 2 * py)), Image.Resampling.BILINEAR)
    img.paste(color, (round(x0 - px), round(y0 - py)), m)


def _leaf(d, x, y, length, width, ang, color, vein=True):
    """Two-tone leaf growing from (x, y) in direction ``ang``."""
    ca, sa, top, bot = math.cos(ang), math.sin(ang), [], []
    for i in range(19):
        t, w = i / 18, width / 2 * math.sin(PI * (i / 18) ** 0.8)
        ax, ay = x + ca * t * length, y + sa * t * length
        top.append((ax - sa * w, ay + ca * w))
        bot.append((ax + sa * w, ay - ca * w))
    d.polygon(top + bot[::-1], fill=color)
    d.polygon([*top, (x + ca * length, y + sa * length)], fill=_lit(color, -0.14))
    if vein:
        tip = (x + ca * length * 0.9, y + sa * length * 0.9)
        d.line([(x, y), tip], fill=_lit(color, 0.25), width=max(1, round(width * 0.06)))


def _flower(d, x, y, r, petal, centre=(246, 196, 70)):
    for k in range(5):
        px, py = x + math.cos(k * 1.257) * r * 0.55, y + math.sin(k * 1.257) * r * 0.55
        d.ellipse(_o(px, py, r / 2, r / 2), fill=petal)
    d.ellipse(_o(x, y, r * 0.3, r * 0.3), fill=centre)


class _Box:
    """Maps unit coordinates (0..1) of a square subject area onto canvas pixels."""

    def __init__(self, x, y, s):
        self.x, self.y, self.s = x, y, s

    def p(self, u, v):
        return (self.x + u * self.s, self.y + v * self.s)

    def r(self, u):
        return u * self.s

    def box(self, u0, v0, u1, v1):
        return (*self.p(u0, v0), *self.p(u1, v1))

    def o(self, u, v, ru, rv):
        return self.box(u - ru, v - rv, u + ru, v + rv)

    def at(self, ox, oy):
        return _Box(self.x - ox, self.y - oy, self.s)


def _band(d, b, cx, rim, rx, ry, v, color, width):
    """Curved line around a bowl body; ``rim`` = (rim y, depth), ``v`` = relative depth."""
    half = rx * math.sqrt(max(0.0, 1 - v * v))
    pts = _ell(*b.p(cx, rim[0] + rim[1] * v), b.r(half), b.r(ry * (1 - v)), 0, 0, PI, 30)
    d.line(pts, fill=color, width=max(2, round(b.r(width))))


def _vessel(img, b, cx, rim, rx, dep, col, deco=None):
    """Shaded lower half-ellipse body of a cup, bowl or basket."""
    pts = _ell(*b.p(cx, rim), b.r(rx), b.r(dep), 0, 0, PI)
    _fill(img, pts, _lit(col, 0.3), _lit(col, -0.2), True, deco)


def _basket(img, d, b, cx, rx, color, contents):
    rim, ry, dep, dark, light = 0.6, rx * 0.24, rx * 0.75, _lit(color, -0.3), _lit(color, 0.15)
    _soft(img, b.o(cx, rim + dep, rx * 1.1, 0.06))
    d.ellipse(b.o(cx, rim, rx, ry), fill=_lit(color, -0.45))
    contents()

    def weave(dl, ox, oy):
        lb = b.at(ox, oy)
        for i in range(6):
            v = (i + 0.5) / 6
            half, yy = rx * math.sqrt(1 - v * v), rim + dep * v
            for j in range(22):
                t = (j + 0.5 * (i % 2)) / 22 * PI
                x, y = lb.p(cx + half * math.cos(t), yy + ry * (1 - v) * math.sin(t))
                sw = lb.r(0.018) * (0.4 + 0.6 * math.sin(t))
                dl.ellipse(_o(x, y, sw, lb.r(dep) / 17), fill=(*light, 150))
            _band(dl, lb, cx, (rim, dep), rx, ry, v, (*dark, 140), 0.002)

    _vessel(img, b, cx, rim, rx, dep, color, weave)
    front = _ell(*b.p(cx, rim), b.r(rx), b.r(ry), 0, 0, PI, 40)
    d.line(front, fill=dark, width=round(b.r(0.034)), joint="curve")
    d.line(front, fill=_lit(color, 0.25), width=round(b.r(0.018)), joint="curve")


# --------------------------------------------------------------------------- subjects


def _cup(img, d, b, cx, rim, k, cup, accent, tea):
    rx, ry, dep = 0.21 * k, 0.055 * k, 0.24 * k
    foot = rim + dep
    _soft(img, b.o(cx, foot + 0.05 * k, 0.34 * k, 0.07 * k))
    for dy, rr, rv, f in ((0.02, 0.32, 0.07, -0.12), (0.005, 0.31, 0.065, 0), (0, 0.2, 0.04, -0.1)):
        d.ellipse(b.o(cx, foot + dy * k, rr * k, rv * k), fill=_lit(cup, f))

    def deco(dl, ox, oy):
        for v, wd in ((0.25, 0.022), (0.38, 0.008)):
            _band(dl, b.at(ox, oy), cx, (rim, dep), rx, ry, v, (*accent, 220), wd * k)

    _vessel(img, b, cx, rim, rx, dep, cup, deco)
    d.ellipse(b.o(cx, rim, rx, ry), fill=_lit(cup, 0.35))
    d.ellipse(b.o(cx, rim, rx * 0.9, ry * 0.8), fill=tea)
    d.ellipse(b.o(cx - rx / 4, rim - ry * 0.15, rx / 4, ry / 4), fill=(*_lit(tea, 0.45), 150))
    for j in range(3):  # steam
        x = cx + (j - 1) * rx / 3
        pts = [b.p(x + k * math.sin(t / 2 + j) / 50, rim - (0.05 + t / 45) * k) for t in range(12)]
        d.line(pts, fill=(255, 255, 255, 150), width=round(b.r(0.014 * k)), joint="curve")


def _tea(img, d, rng, b):
    cup = _jit(rng, rng.choice([(250, 248, 240), (200, 224, 206), (236, 214, 172)]))
    accent = rng.choice([(62, 104, 168), (74, 128, 96), (176, 84, 60)])
    tea, cx = _jit(rng, (196, 196, 86), 0.03, 0.1, 0.05), 0.58 + rng.uniform(-0.03, 0.03)
    if rng.random() < 0.5:  # a second, smaller cup behind
        _cup(img, d, b, cx + 0.18, 0.42, 0.62, cup, accent, tea)
        cx -= 0.06
    _cup(img, d, b, cx, 0.5, 1.0, cup, accent, tea)
    dark, light = _jit(rng, (56, 120, 56)), _jit(rng, (112, 170, 72))
    sx, sy, ex, ey = 0.16, 0.93, 0.25 + rng.uniform(-0.02, 0.03), 0.42
    d.line([b.p(sx, sy), b.p(ex, ey)], fill=(110, 86, 50), width=round(b.r(0.012)))
    base = math.atan2(ey - sy, ex - sx)
    for i in range(5):  # sprig: alternating leaves and a silvery bud
        t = 0.18 + i * 0.16
        x, y, ang = *b.p(sx + (ex - sx) * t, sy + (ey - sy) * t), base + (0.9 if i % 2 else -0.9)
        _leaf(d, x, y, b.r(0.2 - i * 0.02), b.r(0.085 - i * 0.008), ang, dark if i < 3 else light)
    _leaf(d, *b.p(ex, ey), b.r(0.1), b.r(0.032), base, (176, 208, 128))
    for _ in range(rng.randint(2, 4)):  # loose leaves on the table
        x, y = b.p(rng.uniform(0.3, 0.92), rng.uniform(0.88, 0.95))
        _leaf(d, x, y, b.r(0.09), b.r(0.04), rng.uniform(-PI, PI), light)


def _custard_apple(d, x, y, r, green, cut=False):
    pale = _mix(green, (236, 238, 196), 0.6)
    if cut:  # halved fruit: creamy segments and glossy black seeds
        d.ellipse(_o(x, y, r, r * 0.62), fill=_lit(green, -0.1))
        d.ellipse(_o(x, y, r * 0.9, r * 0.54), fill=(250, 244, 226))
        for a in [k * PI / 5 + 0.3 for k in range(10)]:
            end = (x + math.cos(a + 0.3) * r * 0.9, y + math.sin(a + 0.3) * r * 0.54)
            d.line([(x, y), end], fill=(232, 222, 196), width=3)
            seed = _ell(x + math.cos(a) * r * 0.5, y + math.sin(a) * r * 0.3, r * 0.11, r * 0.06, a)
            d.polygon(seed, fill=(44, 32, 28))
        return
    d.ellipse(_o(x, y, r, r * 0.96), fill=pale)
    grid = [((j + 0.5 * (i % 2)) * 0.32, i * 0.28) for i in range(-4, 5) for j in range(-4, 5)]
    bumps = [(u, v, math.sqrt(max(0, 1 - u * u - v * v))) for u, v in grid if u * u + v * v < 1]
    for u, v, z in sorted(bumps, key=lambda q: q[2]):  # knobbly segments, lit from top-left
        light = 0.5 + 0.5 * (-0.45 * u - 0.55 * v + 0.5 * z)
        col, br = _mix(_lit(green, -0.3), _lit(green, 0.2), light), r * 0.17
        px, py = x + u * r * 0.86, y + v * r * 0.84
        seg = _ell(px, py, br * (0.4 + 0.6 * z), br, math.atan2(v, u), n=18)
        d.polygon(seg, fill=col, outline=pale, width=max(2, round(r * 0.02)))
        shine = _o(px - br * z / 4, py - br * z * 0.3, br * 0.22, br * 0.18)
        d.ellipse(shine, fill=(*_lit(col, 0.35), 140))
    stem = [(x, y - r * 0.85), (x + r * 0.06, y - r * 1.08)]
    d.line(stem, fill=(96, 70, 40), width=round(r * 0.07))


def _fruit(img, d, rng, b):
    green = _jit(rng, (132, 172, 84), 0.03, 0.08, 0.05)
    cx, leaf = 0.5 + rng.uniform(-0.03, 0.03), _jit(rng, (70, 130, 60))
    spots = [(-0.17, 0.46, 0.15), (0.17, 0.45, 0.15), (0.0, 0.52, 0.17)]
    if rng.random() < 0.5:
        spots.insert(0, (0.02, 0.38, 0.14))

    def contents():
        for a in (-2.6, -0.5):
            _leaf(d, *b.p(cx + 0.18 * math.cos(a), 0.56), b.r(0.24), b.r(0.1), a, leaf)
        for u, v, r in spots:
            _custard_apple(d, *b.p(cx + u, v), b.r(r), _jit(rng, green, 0.01, 0.03, 0.04))

    _basket(img, d, b, cx, 0.38, _jit(rng, (204, 160, 96)), contents)
    fx, cut = cx + rng.choice([-0.34, 0.34]), rng.random() < 0.6
    _soft(img, b.o(fx, 0.905, 0.13, 0.045), alpha=90)
    _custard_apple(d, *b.p(fx, 0.86 if cut else 0.84), b.r(0.12 if cut else 0.1), green, cut)


def _bundle(img, d, rng, b, cx, cy, ang, strand, tie):
    """A tied skein of dry, translucent dong-vermicelli, rotated by ``ang``."""
    ln, th, (ox, oy), ca, sa = 0.6, 0.08, b.p(cx, cy), math.cos(ang), math.sin(ang)
    _soft(img, b.o(cx, cy + 0.045, ln / 2, 0.045))

    def pt(t, off):  # t along the bundle (0..1), off across it (-1..1)
        pinch = sum(0.3 * math.exp(-(((t - c) / 0.05) ** 2)) for c in (0.28, 0.72))
        x, y = b.r(ln * (t - 0.5)), off * b.r(th) * (1 - pinch) * math.sin(PI * t) ** 0.3
        return (ox + x * ca - y * sa, oy + x * sa + y * ca)

    ts = [i / 40 for i in range(41)]
    outline = [pt(t, -1) for t in ts] + [pt(t, 1) for t in ts[::-1]]
    d.polygon(outline, fill=(*_lit(strand, 0.4), 220))
    for _ in range(60):
        off, ph, f = rng.uniform(-0.95, 0.95), rng.uniform(0, 6), rng.uniform(-0.15, 0.3)
        pts = [pt(t, off + 0.05 * math.sin(t * 36 + ph)) for t in ts]
        d.line(pts, fill=(*_lit(strand, f), 140), width=max(2, round(b.r(0.003))))
    for c in (0.28, 0.72):
        d.line([pt(c, -0.8), pt(c, 0.8)], fill=tie, width=round(b.r(0.022)))


def _noodles(img, d, rng, b):
    glaze = rng.choice([(246, 246, 240), (236, 222, 196), (214, 228, 232)])
    blue = rng.choice([(48, 86, 160), (60, 120, 110), (150, 70, 50)])
    bx, rim, rx, ry, dep, tilt = 0.6, 0.48, 0.3, 0.085, 0.25, rng.uniform(0.12, 0.25)
    _soft(img, b.o(bx, rim + dep + 0.015, 0.33, 0.055))
    for y0 in (0.2, 0.24):  # chopsticks behind the bowl
        d.line([b.p(0.42, y0), b.p(0.98, y0 + tilt)], fill=(168, 116, 70), width=round(b.r(0.018)))
    d.ellipse(b.o(bx, rim, rx, ry), fill=_lit(glaze, -0.05))
    d.ellipse(b.o(bx, rim, rx * 0.9, ry * 0.8), fill=_jit(rng, (236, 200, 130)))
    for _ in range(34):  # glassy noodles curling in the broth
        a, rr = rng.uniform(0, 2 * PI), rng.uniform(0.0, 0.7)
        u, v = bx + math.cos(a) * rr * rx * 0.8, rim + math.sin(a) * rr * ry * 0.75
        pts = _ell(*b.p(u, v), b.r(0.06), b.r(0.018), rng.uniform(-0.3, 0.3), 0, PI * 1.4, 14)
        d.line(pts, fill=(250, 242, 222, 170), width=round(b.r(0.007)))
    for _ in range(9):  # herbs, scallion rings, chilli
        u, v, k = bx + rng.uniform(-0.6, 0.6) * rx, rim + rng.uniform(-0.5, 0.5) * ry, rng.random()
        if k < 0.5:
            _leaf(d, *b.p(u, v), b.r(0.05), b.r(0.024), rng.uniform(-PI, PI), (70, 150, 70))
        else:
            ring = (80, 160, 70) if k < 0.8 else (214, 60, 40)
            d.ellipse(b.o(u, v, 0.012, 0.008), outline=ring, width=round(b.r(0.006)))
    flowers = rng.random() < 0.6
    bands = ((0.15, 0.012), (0.8, 0.01)) if flowers else ((0.15, 0.012), (0.3, 0.006), (0.8, 0.01))

    def pattern(dl, ox, oy):
        lb = b.at(ox, oy)
        for v, w in bands:
            _band(dl, lb, bx, (rim, dep), rx, ry, v, (*blue, 220), w)
        for k in range(7 if flowers else 0):
            t = (k + 0.5) / 7 * PI
            x, y = lb.p(bx + rx * 0.8 * math.cos(t), rim + dep * 0.45 + ry * 0.5 * math.sin(t))
            _flower(dl, x, y, b.r(0.03) * (0.5 + 0.5 * math.sin(t)), (*blue, 190), (*blue, 255))

    _vessel(img, b, bx, rim, rx, dep, glaze, pattern)
    d.ellipse(b.o(bx, rim + dep - 0.005, 0.09, 0.025), fill=_lit(glaze, -0.25))
    strand = _jit(rng, (204, 190, 166), 0.02, 0.05, 0.05)
    tie = rng.choice([(196, 58, 46), (118, 150, 62), (150, 104, 58)])
    if rng.random() < 0.4:
        _bundle(img, d, rng, b, 0.3, 0.76, -0.3, strand, tie)
    _bundle(img, d, rng, b, 0.38, 0.84, rng.uniform(-0.16, 0.02), strand, tie)


def _jar(img, d, b, cx, top, k, amber, cloth):
    w, hgt, bot = 0.2 * k, 0.52 * k, top + 0.52 * k
    _soft(img, b.box(cx - w - 0.06, bot - 0.05, cx + w + 0.06, bot + 0.06), alpha=90)
    d.rounded_rectangle(b.box(cx - w, top, cx + w, bot), b.r(0.07 * k), fill=_lit(amber, 0.55))
    inner = b.box(cx - w * 0.93, top + 0.07 * k, cx + w * 0.93, bot - 0.01)
    _fill(img, inner, _lit(amber, 0.15), _lit(amber, -0.3), radius=b.r(0.06 * k))
    glint = b.box(cx - w * 0.75, top + 0.09 * k, cx - w * 0.55, bot - 0.06 * k)
    d.rounded_rectangle(glint, b.r(0.02 * k), fill=(255, 255, 255, 90))
    d.ellipse(b.o(cx, top + hgt * 0.575, w / 2, hgt * 0.155), fill=(246, 230, 196))  # blank label
    d.regular_polygon((*b.p(cx, top + hgt * 0.575), b.r(0.04 * k)), 6, 30, fill=amber)
    neck = b.box(cx - w * 0.85, top - 0.06 * k, cx + w * 0.85, top + 0.02 * k)
    d.rounded_rectangle(neck, 8, fill=_lit(amber, 0.55))
    lid = [b.p(cx - w, top - 0.06 * k), b.p(cx - w * 0.8, top - 0.14 * k)]
    lid += [b.p(cx + w * 0.8, top - 0.14 * k), b.p(cx + w, top - 0.06 * k)]
    lid += [b.p(cx + w * (1.1 - j * 0.275), top + (0.02 * (j % 2)) * k) for j in range(9)]

    def checks(dl, ox, oy):  # gingham cloth cover
        for j in range(40):
            x, wd = b.r(j * 0.04 * k), round(b.r(0.018 * k))
            dl.line([(x, 0), (x, 2000)], fill=(255, 255, 255, 110), width=wd)
            dl.line([(0, x), (2000, x)], fill=(255, 255, 255, 110), width=wd)

    _fill(img, lid, cloth, deco=checks)
    twine = [b.p(cx - w * 0.9, top - 0.045 * k), b.p(cx + w * 0.9, top - 0.045 * k)]
    d.line(twine, fill=(150, 110, 60), width=round(b.r(0.014 * k)))


def _honey(img, d, rng, b):
    amber = _jit(rng, (236, 160, 34), 0.02, 0.06, 0.04)
    cloth = rng.choice([(206, 64, 56), (64, 120, 80), (70, 100, 170)])
    comb, hr, side = _jit(rng, (240, 188, 70)), 0.055, rng.choice([-1, 1])
    for i in range(4):  # honeycomb slab behind
        for j in range(5 - (i % 2)):
            x, y = 0.5 + side * (0.1 + j * hr * 1.74 + (i % 2) * hr * 0.87), 0.5 + i * hr * 1.5
            d.regular_polygon((*b.p(x, y), b.r(hr)), 6, 30, fill=_lit(comb, -0.18))
            cell = _lit(comb, 0.05 * (i + j % 3))
            d.regular_polygon((*b.p(x, y), b.r(hr * 0.8)), 6, 30, fill=cell)
            if (i + j) % 3 == 0:
                d.ellipse(b.o(x - 0.01, y - 0.015, 0.01, 0.01), fill=(255, 240, 200, 170))
    cx = 0.5 - side * (0.06 + rng.uniform(0, 0.04))
    if rng.random() < 0.45:
        _jar(img, d, b, cx - side * 0.2, 0.52, 0.65, _lit(amber, -0.1), cloth)
    _jar(img, d, b, cx, 0.36, 1.0, amber, cloth)
    for _ in range(rng.randint(3, 6)):  # blossoms
        x, y = b.p(rng.uniform(0.08, 0.92), rng.uniform(0.87, 0.95))
        _flower(d, x, y, b.r(0.04), rng.choice([WHITE, (252, 214, 226)]))
    bx, by, r = 0.5 + side * rng.uniform(0.24, 0.34), rng.uniform(0.16, 0.26), 0.055
    for t in range(1, 7):  # bee and its dotted flight path
        x, y = b.p(bx - side * (0.06 + t * 0.045), by + 0.04 * math.sin(t * 1.3) + t * 0.012)
        d.ellipse(_o(x, y, 4, 4), fill=(140, 110, 70, 150))
    for s in (-1, 1):
        wing = _ell(*b.p(bx + 0.012 * s, by - 0.05), b.r(0.03), b.r(0.05), s * 0.5)
        d.polygon(wing, fill=(255, 255, 255, 210), outline=(180, 196, 210), width=3)
    d.ellipse(b.o(bx, by, r, r * 0.72), fill=(250, 196, 40))
    for k in (-0.35, 0.15):
        hh, x = r * 0.72 * math.sqrt(1 - k * k), bx + k * r
        d.rounded_rectangle(b.o(x, by, r * 0.11, hh), 6, fill=INK)
    d.ellipse(b.o(bx + side * r * 1.1, by - r * 0.05, r * 0.36, r * 0.4), fill=INK)


def _shiitake(d, x, y, r, cap, rng):
    stem = (236, 222, 196)
    foot = [(x - r * 0.2, y), (x + r * 0.2, y), (x + r * 0.26, y + r * 0.8)]
    d.polygon([*foot, (x - r * 0.26, y + r * 0.8)], fill=stem)
    d.ellipse(_o(x, y + r * 0.8, r * 0.26, r * 0.1), fill=_lit(stem, -0.08))
    d.ellipse(_o(x, y + r * 0.08, r * 0.96, r * 0.18), fill=(232, 212, 178))  # gills
    dome = _ell(x, y + r * 0.05, r, r * 0.72, 0, PI, 2 * PI) + _ell(x, y + r / 20, r, r * 0.14)[:25]
    d.polygon(dome, fill=cap)
    d.polygon(_ell(x - r * 0.2, y - r * 0.3, r * 0.55, r * 0.3, -0.2), fill=(*_lit(cap, 0.15), 150))
    for _ in range(14):  # pale flecks typical of shiitake caps
        a, rr, s = rng.uniform(1.05, 1.95) * PI, rng.uniform(0.55, 0.92), rng.uniform(0.03, 0.07)
        fleck = _o(x + math.cos(a) * r * rr, y + math.sin(a) * r * 0.7 * rr, s * r, s * r * 0.6)
        d.ellipse(fleck, fill=(238, 222, 196, 200))


def _mushroom(img, d, rng, b):
    wood, cap = rng.choice(WOODS), _jit(rng, (124, 76, 44), 0.02, 0.08, 0.06)
    _soft(img, b.box(0.04, 0.74, 0.96, 0.98))
    if rng.random() < 0.5:  # log slice with growth rings
        d.ellipse(b.box(0.06, 0.62, 0.94, 0.94), fill=_lit(wood, -0.45))
        d.ellipse(b.box(0.06, 0.56, 0.94, 0.88), fill=_lit(wood, 0.1))
        for k in range(1, 7):
            ring = b.o(0.5, 0.72, 0.06 * k, 0.0214 * k)
            d.ellipse(ring, outline=_lit(wood, -0.15), width=round(b.r(0.005)))
    else:  # chopping board with plank lines
        d.rounded_rectangle(b.box(0.04, 0.64, 0.96, 0.93), b.r(0.03), fill=_lit(wood, -0.35))
        d.rounded_rectangle(b.box(0.04, 0.6, 0.96, 0.89), b.r(0.03), fill=wood)
        for y in (0.658, 0.716, 0.774, 0.832):
            d.line([b.p(0.06, y), b.p(0.94, y)], fill=_lit(wood, -0.12), width=round(b.r(0.004)))
    layout = [(0.3, 0.5, 0.19), (0.64, 0.44, 0.23), (0.47, 0.62, 0.15)]
    layout += [(0.8, 0.6, 0.12), (0.2, 0.66, 0.11)][: rng.randint(0, 2)]
    for x, y, r in sorted(layout, key=lambda s: s[1]):
        _shiitake(d, *b.p(x + rng.uniform(-0.03, 0.03), y), b.r(r), _jit(rng, cap, 0.01), rng)
    _leaf(d, *b.p(0.1, 0.7), b.r(0.16), b.r(0.06), -0.4, _jit(rng, (90, 140, 70)))


def _stalk(d, b, x, y, lean, gold, leaf):
    """Ripe rice stalk arching over into a drooping panicle (quadratic Bezier)."""
    cx, cy, tx, ty = x + lean * 0.5, y - 0.62, x + lean, y - 0.22
    ws = [((1 - t) ** 2, 2 * (1 - t) * t, t * t) for t in [i / 24 for i in range(25)]]
    pts = [b.p(p * x + q * cx + r * tx, p * y + q * cy + r * ty) for p, q, r in ws]
    d.line(pts, fill=_lit(gold, -0.3), width=round(b.r(0.007)), joint="curve")
    _leaf(d, *pts[3], b.r(0.24), b.r(0.024), -PI / 2 - lean * 2, leaf, vein=False)
    for i in range(12, 25):
        (px, py), (qx, qy) = pts[i - 1], pts[i]
        for s in (-1, 1):
            a = math.atan2(qy - py, qx - px) + s * (1.0 - i * 0.02)
            gx, gy = qx + math.cos(a) * b.r(0.014), qy + math.sin(a) * b.r(0.014)
            d.line([(qx, qy), (gx, gy)], fill=_lit(gold, -0.3), width=2)
            grain = _ell(gx, gy, b.r(0.014), b.r(0.007), a - s * 0.5, n=12)
            d.polygon(grain, fill=_lit(gold, 0.08 * s), outline=_lit(gold, -0.2))


def _rice(img, d, rng, b):
    burlap = _jit(rng, rng.choice([(214, 180, 130), (232, 222, 200)]), 0.02, 0.06, 0.04)
    gold, leaf = _jit(rng, (230, 184, 76)), _jit(rng, (140, 164, 72))
    for k in range(rng.randint(2, 4)):  # rice stalks behind the sack
        _stalk(d, b, 0.66 + k * 0.05, 0.72, 0.22 - k * 0.03, gold, leaf)
    cx = 0.44 + rng.uniform(-0.03, 0.03)
    _soft(img, b.o(cx, 0.885, 0.3, 0.055), alpha=90)
    side = [b.p(cx - 0.2 - 0.06 * math.sin(PI * i / 12), 0.42 + 0.44 * i / 12) for i in range(13)]
    mirror = [(2 * b.p(cx, 0)[0] - x, y) for x, y in side[::-1]]
    sack = side + _ell(*b.p(cx, 0.86), b.r(0.2), b.r(0.03), 0, PI, 0, 12) + mirror

    def hatch(dl, ox, oy):  # woven burlap texture
        for x in [b.r(k * 0.012) for k in range(60)]:
            dl.line([(x, 0), (x, 3000)], fill=(*_lit(burlap, -0.2), 60), width=2)
            dl.line([(0, x), (3000, x)], fill=(*_lit(burlap, 0.2), 60), width=2)

    _fill(img, sack, _lit(burlap, 0.12), _lit(burlap, -0.15), horiz=True, deco=hatch)
    emblem = rng.choice([(180, 60, 50), (60, 120, 70)])
    d.ellipse(b.o(cx, 0.64, 0.09, 0.09), outline=emblem, width=round(b.r(0.012)))
    for a in (-0.7, 0, 0.7):  # sprouting grains in the emblem
        at = b.p(cx + 0.04 * math.sin(a), 0.67 - 0.04 * math.cos(a))
        d.polygon(_ell(*at, b.r(0.035), b.r(0.014), a - PI / 2), fill=emblem)
    white = (252, 249, 240)
    d.polygon(_ell(*b.p(cx, 0.42), b.r(0.23), b.r(0.14), 0, PI, 2 * PI), fill=white)
    for _ in range(90):
        u = rng.uniform(-0.9, 0.9)
        x, y = b.p(cx + u * 0.21, 0.42 - rng.uniform(0, 0.12) * math.sqrt(1 - u * u))
        grain = _ell(x, y, b.r(0.012), b.r(0.005), rng.uniform(0, PI), n=10)
        d.polygon(grain, fill=(236, 230, 214), outline=(222, 214, 196))
    d.polygon(_ell(*b.p(cx, 0.43), b.r(0.25), b.r(0.05), 0, 0, PI), fill=_lit(burlap, -0.08))
    cuff = _ell(*b.p(cx, 0.43), b.r(0.25), b.r(0.05), 0, PI, 2 * PI, 24)
    d.line(cuff, fill=_lit(burlap, 0.1), width=round(b.r(0.02)))
    for _ in range(26):  # grains spilled on the table
        x, y = b.p(rng.uniform(0.12, 0.9), rng.uniform(0.88, 0.96))
        grain = _ell(x, y, b.r(0.011), b.r(0.005), rng.uniform(0, PI), n=10)
        d.polygon(grain, fill=white, outline=(214, 206, 186))


def _other(img, d, rng, b):
    cx, green = 0.5 + rng.uniform(-0.03, 0.03), _jit(rng, (88, 156, 70))
    tomatoes = [(-0.1, 0.53), (0.08, 0.55), (-0.02, 0.6)][: rng.randint(2, 3)]

    def contents():
        for a in (-2.5, -2.0, -1.2, -0.7):  # leafy greens
            _leaf(d, *b.p(cx + 0.1 * math.cos(a), 0.58), b.r(0.3), b.r(0.14), a, green)
        for k in range(3):  # carrots
            (x0, y0), a, r = b.p(cx - 0.24 + k * 0.07, 0.58), -2.0 + k * 0.25, b.r(0.035)
            tip = (x0 - math.cos(a) * r * 7.5, y0 - math.sin(a) * r * 7.5)
            nx, ny = math.sin(a) * r, -math.cos(a) * r
            d.polygon([(x0 + nx, y0 + ny), (x0 - nx, y0 - ny), tip], fill=(236, 124, 40))
            for s in (-0.3, 0, 0.3):
                _leaf(d, x0, y0, b.r(0.09), b.r(0.03), a + s, (90, 160, 60), vein=False)
        d.polygon(_ell(*b.p(cx + 0.2, 0.5), b.r(0.16), b.r(0.07), -0.5), fill=(110, 64, 130))
        shine = _ell(*b.p(cx + 0.15, 0.44), b.r(0.08), b.r(0.03), -0.5)
        d.polygon(shine, fill=(150, 104, 170, 150))
        for u, v in tomatoes:
            x, y, r = *b.p(cx + u, v), b.r(0.085)
            d.ellipse(_o(x, y, r, r * 0.9), fill=_jit(rng, (218, 58, 44)))
            d.ellipse(_o(x - r * 0.35, y - r * 0.45, r * 0.2, r * 0.15), fill=(255, 255, 255, 90))
            for k in range(5):
                _leaf(d, x, y - r * 0.8, r * 0.4, r * 0.14, k * 1.257, (70, 130, 50), vein=False)

    _basket(img, d, b, cx, 0.38, _jit(rng, (200, 150, 90)), contents)


SUBJECTS = {"tea": _tea, "fruit": _fruit, "noodles": _noodles, "honey": _honey}
SUBJECTS.update(mushroom=_mushroom, rice=_rice, other=_other)


# --------------------------------------------------------------------------- scenery


def _landscape(img, d, rng, w, h):
    golden = rng.random() < 0.35
    sky = ((250, 210, 166), (255, 244, 226)) if golden else ((146, 198, 234), (236, 245, 244))
    img.paste(_gradient((w, h), _jit(rng, sky[0]), sky[1]), (0, 0))
    sx, sy, sr = rng.uniform(0.15, 0.85) * w, rng.uniform(0.12, 0.26) * h, min(w, h) * 0.06
    _soft(img, _o(sx, sy, 3 * sr, 3 * sr), (255, 250, 220), 160, 0.3)
    d.ellipse(_o(sx, sy, sr, sr), fill=(255, 244, 200))
    for _ in range(rng.randint(2, 4)):  # clouds
        x, y, s = rng.uniform(0, w), rng.uniform(0.08, 0.3) * h, min(w, h) * rng.uniform(0.05, 0.09)
        for dx, dy, f in ((-1.2, 0.2, 0.7), (0, -0.2, 1), (1.1, 0.1, 0.8), (0.4, 0.3, 0.8)):
            d.ellipse(_o(x + dx * s, y + dy * s, f * s, f * s), fill=(255, 255, 255, 200))
    far, near = ((166, 160, 176), (92, 124, 76)) if golden else ((132, 170, 196), (62, 118, 72))
    for i in range(4):  # mountain ridges, hazier with distance and misty at their feet
        base, amp, ph = h * (0.44 + 0.07 * i), h * (0.22 - 0.035 * i), rng.uniform(0, 9)
        ridge = []
        for k in range(97):
            t = k / 96 * 2 * PI * w / h / 2.5
            f = 0.55 * (1 - abs(math.sin(t * 1.1 + ph))) ** 1.6 + 0.3 * math.sin(t * 0.45 + 2 * ph)
            ridge.append((w * k / 96, base - amp * (0.35 + f + 0.05 * math.sin(t * 7 + ph))))
        col, foot = _mix(_mix(far, near, i / 3), sky[1], 0.35 * (1 - i / 3)), base + h * 0.12
        _fill(img, [(0, foot), *ridge, (w, foot)], col, _mix(col, sky[1], 0.55))
    greens = [(128, 178, 72), (150, 194, 84), (112, 162, 66)]
    if golden or rng.random() < 0.25:
        greens = [(222, 186, 86), (206, 170, 70), (232, 202, 112)]
    y, k, ph, ph2 = h * 0.68, 0, rng.uniform(0, 6), rng.uniform(0, 6)

    def contour(yy, j):  # a terrace edge following the hillside
        amp = h * (0.03 + 0.006 * j)
        wave = [
            math.sin(i / 16 + ph + j / 3) + math.sin(i / 7 + ph2 - j / 5) / 2 for i in range(65)
        ]
        return [(w * i / 64, yy + amp * s) for i, s in enumerate(wave)]

    while y < h * 1.05:  # rice terraces, thicker towards the viewer
        dh, col = h * (0.03 + 0.018 * k), _jit(rng, greens[k % 3], 0.01, 0.03, 0.03)
        top = contour(y, k)
        d.polygon(top + contour(y + dh, k + 1)[::-1], fill=col)
        d.line(top, fill=(*_lit(col, 0.45), 220), width=max(3, round(dh * 0.07)), joint="curve")
        y, k = y + dh, k + 1
    for _ in range(rng.randint(2, 5)):  # a few round trees on the ridge
        x, ty, r = rng.uniform(0.05, 0.95) * w, h * rng.uniform(0.62, 0.67), min(w, h) * 0.028
        d.rectangle((x - r * 0.12, ty, x + r * 0.12, ty + r * 1.4), fill=(100, 76, 50))
        d.ellipse((x - r, ty - r * 1.2, x + r, ty + r * 0.5), fill=(60, 118, 60))


def _backdrop(img, d, rng, kind, w, h):
    top, bottom = BACKGROUNDS[rng.randrange(len(BACKGROUNDS))]
    img.paste(_gradient((w, h), _jit(rng, top, 0.01, 0.02, 0.01), bottom), (0, 0))
    gx, gy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.3, 0.45)
    _soft(img, _o(gx, gy, w * 0.4, h * 0.4), WHITE, 150, 0.3)
    horizon = h * rng.uniform(0.7, 0.76)
    if kind in ("tea", "rice"):  # pale terraced hills behind the table
        hill = _mix((120, 170, 90), top, 0.55)
        for i in range(3):
            ph, base = rng.uniform(0, 6), horizon - h * (0.12 - i * 0.04)
            pts = [(w * k / 40, base - h * 0.06 * math.sin(k / 6.37 + ph)) for k in range(41)]
            d.polygon([(0, h), *pts, (w, h)], fill=_mix(hill, top, 0.3 - i * 0.1))
            for dy in (0, h * 0.012, h * 0.024, h * 0.036):
                d.line([(x, y + dy) for x, y in pts], fill=(*_lit(hill, 0.3), 120), width=3)
    style = rng.choice(["table", "table", "cloth", "plain"])
    if style == "plain":
        return
    surf, n = (rng.choice(WOODS), 6) if style == "table" else (_jit(rng, (236, 226, 206)), 12)
    table = _gradient((w, round(h - horizon)), _lit(surf, 0.1), _lit(surf, -0.12))
    img.paste(table, (0, round(horizon)))
    d.line([(0, horizon), (w, horizon)], fill=_lit(surf, 0.3), width=4)
    for k in range(1, n):
        yy = horizon + (h - horizon) * k / n
        d.line([(0, yy), (w, yy)], fill=(*_lit(surf, -0.2), 70 if n == 6 else 40), width=3)


def _render(kind, seed, size, banner):
    kind = kind.strip().lower() if isinstance(kind, str) else ""
    kind = kind if kind in KINDS else "other"
    rng = random.Random(f"{'banner' if banner else 'product'}:{kind}:{seed}")
    img = Image.new("RGB", (size[0] * 2, size[1] * 2))
    d, (w, h) = ImageDraw.Draw(img, "RGBA"), img.size
    if banner or kind == "landscape":
        _landscape(img, d, rng, w, h)
        if kind != "landscape":  # product on the right, leaving calm space for a headline
            s = min(h * 0.95, w * 0.45)
            b = _Box(w * 0.72 - s / 2, h - s * 0.98, s)
            _soft(img, b.box(-0.1, 0.1, 1.1, 1.15), (255, 250, 238), 120)
            SUBJECTS[kind](img, d, rng, b)
    else:
        _backdrop(img, d, rng, kind, w, h)
        s = min(w, h) * rng.uniform(0.86, 0.96)
        x0 = (w - s) / 2 + rng.uniform(-0.02, 0.02) * s
        SUBJECTS[kind](img, d, rng, _Box(x0, (h - s) / 2, s))
        if rng.random() < 0.5:
            img = ImageOps.mirror(img)
    buf = io.BytesIO()
    img.resize(size, Image.Resampling.LANCZOS).save(buf, "PNG")
    return buf.getvalue()


def render_product_image(kind: str, seed: str, *, size: tuple[int, int] = (800, 800)) -> bytes:
    """Return PNG bytes of an appetising flat illustration for a product of this kind."""
    return _render(kind, seed, size, banner=False)


def render_banner(kind: str, seed: str, *, size: tuple[int, int] = (1600, 600)) -> bytes:
    """Wide hero/banner image (for cooperative pages, category pages, stories)."""
    return _render(kind, seed, size, banner=True)
