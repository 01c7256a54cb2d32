"""Build the bundled font subset ``assets/fonts/NotoSansCJK-Machi.woff2``.

Flutter web paints on a canvas and ignores the system's fonts, so the app ships its own
font.  The subset is cut from Noto Sans CJK (face 0, the JP face; SIL OFL 1.1) with
fontTools' ``pyftsubset`` and keeps:

* JIS X 0208 levels 1 and 2 (Japanese), KS X 1001 (Korean) and GB 2312 (Simplified
  Chinese): every character their two-byte codes decode to;
* Latin (Basic, Latin-1, Extended-A/B, Extended Additional for Vietnamese), combining
  marks, general punctuation, arrows, kana and full-width forms;
* every character used by the catalogs in ``locales/`` and the bundled city data, so no
  message of the app can fall outside the font.

Run (needs ``apt-get install fonts-noto-cjk`` and ``pip install fonttools brotli``)::

    .venv/bin/python -m app.tools.build_font
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
OUTPUT = REPO / "assets" / "fonts" / "NotoSansCJK-Machi.woff2"

RANGES = [
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x300, 0x36F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x2190, 0x21FF),
    (0x2460, 0x24FF),
    (0x25A0, 0x25FF),
    (0x3000, 0x30FF),
    (0x31F0, 0x31FF),
    (0xFF00, 0xFFEF),
]


def two_byte_charset(codec: str, lead: range, trail: range) -> set[str]:
    out: set[str] = set()
    for a in lead:
        for b in trail:
            try:
                out.update(bytes([a, b]).decode(codec))
            except UnicodeDecodeError:
                pass
    return out


def charset() -> set[str]:
    chars: set[str] = set()
    for lo, hi in RANGES:
        chars.update(chr(c) for c in range(lo, hi + 1))
    chars |= two_byte_charset("shift_jis", range(0x81, 0xF0), range(0x40, 0xFD))
    chars |= two_byte_charset("euc_kr", range(0xA1, 0xFF), range(0xA1, 0xFF))
    chars |= two_byte_charset("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))
    for pattern in ("locales/**/*.po", "assets/cities/**/*.json"):
        for path in REPO.glob(pattern):
            chars.update(path.read_text("utf-8"))
    return {c for c in chars if c.isprintable() or c == " "}


def main() -> int:
    if not SOURCE.is_file():
        print(f"error: {SOURCE} not found; apt-get install fonts-noto-cjk", file=sys.stderr)
        return 2
    chars = charset()
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as fh:
        fh.write("".join(sorted(chars)))
        text_file = fh.name
    cmd = [
        sys.executable,
        "-m",
        "fontTools.subset",
        str(SOURCE),
        "--font-number=0",
        f"--text-file={text_file}",
        "--layout-features=*",
        "--flavor=woff2",
        f"--output-file={OUTPUT}",
    ]
    subprocess.run(cmd, check=True)
    Path(text_file).unlink()
    print(f"{OUTPUT} ({OUTPUT.stat().st_size / 1e6:.1f} MB, {len(chars)} characters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
