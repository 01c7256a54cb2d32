"""Shared accessibility checks for the browser tests (see docs/accessibility.md).

Flutter web draws on a canvas; what a screen reader (and axe-core) sees is the semantics tree
that Flutter mirrors into the DOM (``flt-semantics-host``) once accessibility is enabled, which
``App.open`` does.  These helpers read that tree:

* ``document_lang(page)``: the page's ``<html lang>`` (Flutter sets it from the app's locale);
* ``focused(page)`` / ``assert_focus_on(page, role, name)`` / ``assert_focus_not_lost(page)``:
  where the keyboard focus is (``document.activeElement``), never the page root;
* ``tab_to(page, role, name)``: press Tab until that control has the focus, as a keyboard user;
* ``record_announcements(page)`` then ``expect_announced(page, text)`` / ``announced(page)``: what
  Flutter handed to the screen reader's live regions (it empties them again after a moment);
* ``headings(page, level)``: the texts of the ``<hN>`` headings;
* ``run_axe(page, name)``: axe-core (npm, ``make test-e2e`` installs it) on the current screen,
  the violations returned and saved to test-results/axe/<name>.json;
* ``contrast(a, b)``: the WCAG contrast ratio of two sRGB colours; ``focus_ring_contrast``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_RESULTS = REPO / "test-results" / "axe"
# axe-core rules whose findings on the Flutter web page are artefacts of the canvas rendering, not
# barriers for a screen-reader user (why, for each: docs/accessibility.md, "axe-core")
CANVAS_ARTEFACTS: dict[str, str] = {}
# Findings imposed by Flutter's web engine that the app cannot change (evidence in the docs)
ENGINE_IMPOSED = {
    # Flutter (full-page embedding) removes any <meta name=viewport> and inserts its own
    # "…, maximum-scale=1.0, user-scalable=no" tagged flt-viewport; Machi's answer: the text size
    # is chosen in the set-up and in Settings (the app bar's Settings button on every tab)
    "meta-viewport": 'meta[flt-viewport=""]',
}

_FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e) return {tag: null, role: null, name: null};
  const name = e.getAttribute('aria-label') || (e.textContent || '').trim();
  return {tag: e.tagName.toLowerCase(), role: e.getAttribute('role'), name: name,
          checked: e.getAttribute('aria-checked'), id: e.id};
}"""

# The page root and Flutter's own host elements: focus there means the user's place was lost.
ROOT_TAGS = {None, "body", "html", "flutter-view", "flt-glass-pane", "flt-semantics-host"}


def document_lang(page: Page) -> str:
    return page.evaluate("document.documentElement.lang")


def expect_document_lang(page: Page, tag: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", tag)


def focused(page: Page) -> dict:
    return page.evaluate(_FOCUSED_JS)


def assert_focus_not_lost(page: Page) -> dict:
    f = focused(page)
    assert f["tag"] not in ROOT_TAGS and (f["role"] or f["tag"] in ("input", "textarea")), f
    return f


def assert_focus_on(page: Page, role: str, name: str, timeout: float = 5000) -> None:
    """The keyboard focus reaches the control (waits: Flutter moves the DOM focus after a frame)."""
    page.wait_for_function(
        "([role, name]) => { const e = document.activeElement; if (!e) return false;"
        " const r = e.getAttribute('role') || (e.tagName === 'INPUT' ? 'textbox' : null);"
        " const n = e.getAttribute('aria-label') || (e.textContent || '').trim();"
        " return r === role && n === name; }",
        arg=[role, name],
        timeout=timeout,
    )


def tab_to(page: Page, role: str, name: str, max_presses: int = 80, key: str = "Tab") -> int:
    """Press Tab (or ``key``) until ``role``/``name`` has the focus; returns the number of presses.
    Fails if the focus falls to the page root on the way or the control is never reached."""
    seen = []
    for n in range(1, max_presses + 1):
        page.keyboard.press(key)
        try:
            assert_focus_on(page, role, name, timeout=400)
            return n
        except Exception:  # noqa: BLE001 - not there yet: press again
            seen.append(focused(page))
    raise AssertionError(f"{role} {name!r} not reached with {key}; focus went through {seen}")


_RECORD_JS = """() => {
  if (window.__announced) return;
  window.__announced = [];
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (el && /^FLT-ANNOUNCEMENT-(POLITE|ASSERTIVE)$/.test(el.tagName) && el.textContent.trim())
        window.__announced.push(el.textContent.trim());
    }
  }).observe(document.documentElement, {subtree: true, childList: true, characterData: true});
}"""


def record_announcements(page: Page) -> None:
    """Start recording what Flutter hands to its live regions (it empties them again after a moment)."""
    page.evaluate(_RECORD_JS)


def announced(page: Page) -> list[str]:
    """Everything announced since ``record_announcements`` (SemanticsService and live regions)."""
    return page.evaluate("window.__announced || []")


def expect_announced(page: Page, text: str, timeout: float = 5000) -> None:
    page.wait_for_function("(t) => (window.__announced || []).includes(t)", arg=text, timeout=timeout)


def headings(page: Page, level: int) -> list[str]:
    return [t.strip() for t in page.locator(f"flt-semantics-host h{level}").all_text_contents()]


def run_axe(
    page: Page, name: str, tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
) -> list[dict]:
    """axe-core on the current screen (WCAG 2.2 A/AA rules); violations as
    ``{id, impact, help, targets}``, also written to test-results/axe/<name>.json."""
    assert AXE.is_file(), f"{AXE} missing: run `npm ci` (make test-e2e does)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(tags),
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]],
            "html": [n["html"][:200] for n in v["nodes"]],
        }
        for v in result["violations"]
    ]
    AXE_RESULTS.mkdir(parents=True, exist_ok=True)
    (AXE_RESULTS / f"{name}.json").write_text(json.dumps(violations, ensure_ascii=False, indent=1), "utf-8")
    return violations


def _luminance(rgb: tuple[int, int, int]) -> float:
    def ch(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (ch(x) for x in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def pixels(png: bytes):
    """RGB pixels of a PNG screenshot (Pillow comes with the dev extra's dependencies)."""
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGB")


def focus_ring_contrast(before: bytes, after: bytes) -> float:
    """The strongest contrast between a pixel's colour without and with the focus indicator
    (WCAG 2.2 2.4.13 asks for 3:1 between the focused and unfocused states)."""
    a, b = pixels(before), pixels(after)
    assert a.size == b.size
    best = 1.0
    pa, pb = a.load(), b.load()
    for y in range(a.size[1]):
        for x in range(a.size[0]):
            if pa[x, y] != pb[x, y]:
                best = max(best, contrast(pa[x, y], pb[x, y]))
    return best


_OUTSIDE_JS = """(width) => {
  const out = [];
  for (const e of document.querySelectorAll('flt-semantics-host *')) {
    const text = (e.getAttribute('aria-label') || (e.children.length ? '' : e.textContent) || '').trim();
    if (!text) continue;
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && (r.left < -1 || r.right > width + 1))
      out.push({text: text.slice(0, 60), left: Math.round(r.left), right: Math.round(r.right)});
  }
  return out;
}"""


def outside_width(page: Page, width: int) -> list[dict]:
    """Named or text nodes of the accessibility tree that stick out of a ``width``-px screen
    (cut-off text, as in the 320-px / 200 % check)."""
    return page.evaluate(_OUTSIDE_JS, width)
