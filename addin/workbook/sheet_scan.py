"""工作表流式扫描 (worksheet part scan) — the tag patterns `addin.workbook.safe_open` runs over a worksheet's XML
while it streams it: rows and their indices, cell columns, hidden rows and columns that hold values, formulas that
link outside the workbook, and cells holding Excel error values.

Each pattern comes in two spellings (:class:`_Tags`): without a namespace prefix, which the regex engine finds fast
by its literal start, and with any prefix; the plain one is used only where no prefixed tag can be, so both find
the same. A pattern runs only when its tell-tale bytes are present.
"""

from __future__ import annotations

import re

from addin.workbook.a1 import column_index


class _Tags:
    """A pattern over worksheet tags in two spellings: without a namespace prefix (``<row``), which the regex
    engine finds fast by its literal start, and with any prefix (``<x:row``). :meth:`pick` gives the plain one
    only when no prefixed spelling of the tags can be in the searched bytes, so both find exactly the same."""

    def __init__(self, template: str, *tags: str) -> None:
        self.plain = re.compile(template.replace("<~", "<").encode("ascii"))
        self.any = re.compile(template.replace("<~", r"<(?:\w+:)?").encode("ascii"))
        self.markers = tuple(f":{t}".encode("ascii") for t in tags)

    def pick(self, buffer: bytes, end: int) -> re.Pattern[bytes]:
        if buffer.find(b":", 0, end) < 0:
            return self.plain
        return self.any if any(buffer.find(m, 0, end) >= 0 for m in self.markers) else self.plain


ROW_TAG = _Tags(r"<~row[\s/>]", "row")
_ROW_INDEX = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
ROW_INDICES = _Tags(r'<~row\b[^>]*?\sr="(\d+)"', "row")
CELL_COLUMN = _Tags(r'<~c\b[^>]*?\sr="([A-Za-z]{1,3})\d+"', "c")
_HIDDEN_ROW = _Tags(r'<~row\b[^>]*?\bhidden="(?:1|true)"[^>]*?(/?)>', "row")
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is|f)\b")
_HIDDEN_COL = _Tags(r'<~col\b[^>]*?\bhidden="(?:1|true)"[^>]*?>', "col")
_COL_SPAN = re.compile(rb'\bmin="(\d+)"[^>]*?\bmax="(\d+)"|\bmax="(\d+)"[^>]*?\bmin="(\d+)"')
_FILLED_CELL = _Tags(r'<~c\b[^>]*?\br="([A-Za-z]{1,3})(\d+)"[^>]*?>\s*<~(?:v|is|f)\b', "c", "v", "is", "f")
_FORMULA_TAG = _Tags(r"<~f\b", "f")
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Za-z]{1,3}\d+)"[^>]*?>\s*<(?:\w+:)?f\b[^>]*>([^<]*)<')
_ERROR_TYPE = re.compile(rb"""\bt\s*=\s*["']e["']""")     # a cell holding an Excel error value (#N/A …)
_ERROR_HINT = re.compile(rb"""t\s*=\s*["']e["']""")     # the same without the word boundary: found fast
_EXTERNAL_FORMULA = re.compile(rb"\[\d+\]|\[[^\]]*\.xl[^\]]*\]|\w\|'?|https?:|file:")
MAX_LISTED = 20               # hidden rows / external formulas recorded per sheet


class Marks:
    """隐藏与外部链接: hidden rows and columns that hold values and formulas linking outside the workbook,
    collected while a worksheet part is streamed (at most MAX_LISTED of each)."""

    def __init__(self) -> None:
        self.hidden_columns: set[int] = set()
        self.rows: list[int] = []
        self.cells: list[str] = []
        self.external: list[str] = []
        self.errors = False

    def scan(self, buffer: bytes, end: int) -> None:
        """Marks in ``buffer[:end]`` (error cells in all of ``buffer``: the carried tail is searched again next time,
        so a mark across ``end`` is still seen). Each pattern runs only when its tell-tale bytes are present."""
        if not self.errors and _ERROR_HINT.search(buffer):
            self.errors = _ERROR_TYPE.search(buffer) is not None
        if buffer.find(b"hidden=", 0, end) >= 0:
            self._hidden(buffer, end)
        if self.hidden_columns and len(self.cells) < MAX_LISTED:
            for m in _FILLED_CELL.pick(buffer, end).finditer(buffer, 0, end):
                letters = m.group(1).decode("ascii").upper()
                if column_index(letters) in self.hidden_columns:
                    self.cells.append(f"{letters}{int(m.group(2))}")
                    if len(self.cells) >= MAX_LISTED:
                        break
        if len(self.external) < MAX_LISTED and _FORMULA_TAG.pick(buffer, end).search(buffer, 0, end):
            for m in _FORMULA_CELL.finditer(buffer, 0, end):
                if _EXTERNAL_FORMULA.search(m.group(2)):
                    self.external.append(m.group(1).decode("ascii").upper())
                    if len(self.external) >= MAX_LISTED:
                        break

    def _hidden(self, buffer: bytes, end: int) -> None:
        for m in _HIDDEN_COL.pick(buffer, end).finditer(buffer, 0, end):
            span = _COL_SPAN.search(m.group(0))
            if span:
                low, high = (int(span.group(1)), int(span.group(2))) if span.group(1) \
                    else (int(span.group(4)), int(span.group(3)))
                self.hidden_columns.update(range(low, min(high, 16_384) + 1))
        for m in _HIDDEN_ROW.pick(buffer, end).finditer(buffer, 0, end):
            if m.group(1) or len(self.rows) >= MAX_LISTED:
                continue
            close = _ROW_END.search(buffer, m.end())
            index = _ROW_INDEX.match(buffer, m.start())
            if close and index and _VALUE.search(buffer, m.end(), close.start()):
                self.rows.append(int(index.group(1)))
