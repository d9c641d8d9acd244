"""草案模板 — the draft's template: fonts, fills, number formats and page setup (draft_style.toml).

`addin.draft.style.load_style()` reads the TOML file packaged here; the draft writer takes every
font, colour, number format, column width limit and print setting from it, so the look of the
document can change without touching code.
"""

STYLE_FILE = "draft_style.toml"
