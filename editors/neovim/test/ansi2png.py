#!/usr/bin/env python3
"""Renders a terminal capture with colours (`tmux capture-pane -p -e`) to a
PNG, for the README's screenshots: `ansi2png.py in.ansi out.png`.

Pillow and a monospace TrueType font (DejaVu Sans Mono) are all it needs;
the tests keep the .ansi files in artifacts/, this turns them into images.
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FG, BG = (0xE0, 0xE2, 0xEA), (0x14, 0x16, 0x1B)  # Neovim's default dark theme
BASE16 = [
    (0x07, 0x08, 0x0A), (0xFF, 0xC0, 0xB9), (0xB3, 0xF6, 0xC0), (0xFC, 0xE0, 0x94),
    (0xA6, 0xDB, 0xFF), (0xFF, 0xCA, 0xFF), (0x8C, 0xF8, 0xF7), (0xEE, 0xF1, 0xF8),
    (0x4F, 0x52, 0x58), (0xFF, 0xC0, 0xB9), (0xB3, 0xF6, 0xC0), (0xFC, 0xE0, 0x94),
    (0xA6, 0xDB, 0xFF), (0xFF, 0xCA, 0xFF), (0x8C, 0xF8, 0xF7), (0xEE, 0xF1, 0xF8),
]
FONTS = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono{}.ttf"


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
    v = 8 + (n - 232) * 10
    return v, v, v


def parse(text):
    """Yields rows of (char, fg, bg, bold, italic, underline) cells."""
    state = dict(fg=None, bg=None, bold=False, italic=False, ul=False, rev=False)
    rows = []
    for line in text.split("\n"):
        row = []
        for part in re.split(r"(\x1b\[[0-9;:]*m)", line):
            m = re.fullmatch(r"\x1b\[([0-9;:]*)m", part)
            if m:
                codes = [int(c) if c else 0 for c in re.split("[;:]", m.group(1))] or [0]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        state.update(fg=None, bg=None, bold=False, italic=False, ul=False, rev=False)
                    elif c == 1:
                        state["bold"] = True
                    elif c == 3:
                        state["italic"] = True
                    elif c == 4:
                        state["ul"] = True
                    elif c == 7:
                        state["rev"] = True
                    elif c == 22:
                        state["bold"] = False
                    elif c == 23:
                        state["italic"] = False
                    elif c == 24:
                        state["ul"] = False
                    elif c == 27:
                        state["rev"] = False
                    elif c in (38, 48) and i + 1 < len(codes):
                        key = "fg" if c == 38 else "bg"
                        if codes[i + 1] == 5 and i + 2 < len(codes):
                            state[key] = xterm256(codes[i + 2])
                            i += 2
                        elif codes[i + 1] == 2 and i + 4 < len(codes):
                            state[key] = tuple(codes[i + 2:i + 5])
                            i += 4
                    elif c == 39:
                        state["fg"] = None
                    elif c == 49:
                        state["bg"] = None
                    elif 30 <= c <= 37:
                        state["fg"] = BASE16[c - 30]
                    elif 90 <= c <= 97:
                        state["fg"] = BASE16[c - 90 + 8]
                    elif 40 <= c <= 47:
                        state["bg"] = BASE16[c - 40]
                    i += 1
                continue
            for ch in part:
                fg, bg = state["fg"] or FG, state["bg"] or BG
                if state["rev"]:
                    fg, bg = bg, fg
                row.append((ch, fg, bg, state["bold"], state["italic"], state["ul"]))
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def render(text, out, size=15):
    fonts = {
        (b, i): ImageFont.truetype(FONTS.format({(0, 0): "", (1, 0): "-Bold", (0, 1): "-Oblique", (1, 1): "-BoldOblique"}[(b, i)]), size)
        for b in (0, 1) for i in (0, 1)
    }
    cw = round(fonts[(0, 0)].getlength("M"))
    ch = round(size * 1.35)
    rows = parse(text)
    cols = max((len(r) for r in rows), default=1)
    img = Image.new("RGB", (cols * cw + 16, len(rows) * ch + 16), BG)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(rows):
        for x, (c, fg, bg, bold, italic, ul) in enumerate(row):
            px, py = 8 + x * cw, 8 + y * ch
            if bg != BG:
                draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=bg)
            if c.strip():
                draw.text((px, py + 2), c, font=fonts[(int(bold), int(italic))], fill=fg)
            if ul:
                draw.line([px, py + ch - 3, px + cw - 1, py + ch - 3], fill=fg)
    img.save(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: ansi2png.py CAPTURE.ansi OUT.png")
    with open(sys.argv[1], encoding="utf-8") as f:
        render(f.read(), sys.argv[2])
