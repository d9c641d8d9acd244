"""安全打开工作簿 — bounded, safe opening of a user's .xlsx/.xlsm before openpyxl parses it.

A workbook is a zip of XML parts. Before any XML is parsed this module checks, from the zip
directory and by streaming the sheet parts (never extracting them):

- the file exists, is not empty, is a zip (not an old .xls or a password-protected workbook) and
  its zip directory can be read;
- the number of parts, each part's and the total uncompressed size, and each large part's
  compression ratio stay under :class:`Limits` (a zip bomb is refused from its directory);
- every worksheet's declared dimension (``<dimension ref="A1:M98"/>``) and its actual rows stay
  under the row, column and cell limits — a sheet of 1,000,000 rows is refused after reading its
  first 200,001 rows, so time and memory stay bounded.

Python's zipfile stops every part at its declared size, so a directory that understates a part
cannot make the scan read more than the limits allow; the part then fails its CRC check and is
reported as damaged. XML is parsed only through defusedxml (:func:`require_defusedxml`), which
openpyxl also uses when it is installed. Problems raise :class:`WorkbookFileError`, a
:class:`~models.errors.BudgetInputError` whose ``reason`` says whether the file is unreadable or
beyond a limit.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET

from addin.workbook.a1 import column_index
from addin.workbook.sheet_scan import CELL_COLUMN, ROW_INDICES, ROW_TAG, Marks
from models.errors import BudgetInputError

UNREADABLE = "unreadable"   # 无法读取: not a workbook, damaged, missing
LIMIT = "limit"             # 超出安全限制: too large, zip bomb, too many rows

_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # old .xls and password-protected workbooks
_ZIP_SIGNATURE = b"PK\x03\x04"
_MB = 1024 * 1024
_CHUNK = _MB
_CARRY = 4096             # bytes kept between chunks so that a tag split across two chunks is seen once
_DIMENSION_WINDOW = 256 * 1024

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_PROLOG_BYTES = 16 * 1024     # a DOCTYPE can only stand before the root element


class WorkbookFileError(BudgetInputError):
    """工作簿文件错误 — the file cannot be opened safely.

    ``reason`` is :data:`UNREADABLE` (not a workbook, damaged, missing) or :data:`LIMIT` (beyond a
    size, ratio, row or column limit); ``sheet`` names the worksheet when one is at fault.
    """

    def __init__(self, message: str, *, reason: str, sheet: str | None = None, value: Any = None) -> None:
        self.reason = reason
        self.sheet = sheet
        super().__init__(message, field="文件", value=value, table=sheet)


@dataclass(frozen=True)
class Limits:
    """安全限制 (limits) for one workbook; the defaults leave room for ~200,000 history rows."""

    max_file_bytes: int = 50 * _MB            # the .xlsx/.xlsm file itself
    max_parts: int = 10_000                   # zip entries
    max_part_bytes: int = 300 * _MB           # one part, uncompressed
    max_total_bytes: int = 400 * _MB          # all parts, uncompressed
    max_ratio: float = 200.0                  # uncompressed ÷ compressed, for parts above ratio_floor_bytes
    ratio_floor_bytes: int = 1 * _MB
    max_rows: int = 200_000                   # per worksheet
    max_columns: int = 1_000                  # per worksheet
    max_cells: int = 20_000_000               # rows × columns per worksheet (read-only mode pads rows)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SheetSize:
    """一个工作表的大小: declared dimension (if any) and what its rows actually reach."""

    name: str
    part: str
    declared_rows: int | None
    declared_columns: int | None
    rows: int                 # largest row index seen (or number of rows, if larger)
    columns: int | None       # largest column seen; only counted when no dimension is declared
    hidden_rows: tuple[int, ...] = ()       # hidden rows that hold a value (1-based, at most MAX_LISTED)
    hidden_cells: tuple[str, ...] = ()      # filled cells in hidden columns ('C5', at most MAX_LISTED)
    external_formulas: tuple[str, ...] = ()  # cells whose formula links outside the workbook
    error_cells: bool = True                 # whether any cell may hold an Excel error value (t="e")


@dataclass(frozen=True)
class WorkbookInfo:
    """检查结果: what :func:`inspect_workbook` found in a workbook that passed every limit."""

    path: Path
    sheets: tuple[str, ...]                  # worksheet names in workbook order
    sizes: dict[str, SheetSize] = field(default_factory=dict)
    has_vba: bool = False
    uncompressed_bytes: int = 0
    hidden_sheets: tuple[str, ...] = ()      # worksheets whose state is hidden or veryHidden
    external_links: int = 0                  # external link parts (links to other workbooks, DDE)


_ENTITY_PROBE = b'<!DOCTYPE r [<!ENTITY e "expanded">]><r>&e;</r>'


@functools.cache
def _fromstring_expands_entities() -> bool:
    """Whether openpyxl's ``fromstring`` expands a declared entity (a probe, run once per process)."""
    from openpyxl.xml import functions

    try:
        root = functions.fromstring(_ENTITY_PROBE)
    except Exception:        # defusedxml refuses entity declarations outright
        return False
    return "expanded" in "".join(root.itertext())


def require_defusedxml() -> None:
    """Assert that openpyxl parses XML safely: through defusedxml, or through lxml with entities off.

    openpyxl uses lxml for ``fromstring`` whenever lxml is installed (python-docx brings it) with a parser that
    does not resolve entities; its ``iterparse`` (the sheet reader) comes from defusedxml.
    """
    import openpyxl
    from openpyxl.xml import functions

    if openpyxl.DEFUSEDXML is not True or _fromstring_expands_entities() \
            or not functions.iterparse.__module__.startswith("defusedxml"):
        raise RuntimeError("openpyxl 未使用 defusedxml 解析 XML：请安装 defusedxml，且不要设置环境变量 "
                           "OPENPYXL_DEFUSEDXML=False")


def _unreadable(message: str, value: Any = None) -> WorkbookFileError:
    return WorkbookFileError(message, reason=UNREADABLE, value=value)


def _too_big(message: str, value: Any = None, sheet: str | None = None) -> WorkbookFileError:
    return WorkbookFileError(message, reason=LIMIT, value=value, sheet=sheet)


def _mb(n: int) -> str:
    return f"{n / _MB:,.1f} MB"


def _check_file(path: Path, limits: Limits) -> None:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise _unreadable("只能读取 .xlsx 或 .xlsm 工作簿，请在 Excel 中另存为这两种格式之一", path.name)
    if not path.is_file():
        raise _unreadable("找不到该文件，请检查路径和文件名", str(path))
    size = path.stat().st_size
    if size == 0:
        raise _unreadable("文件是空的（0 字节），可能保存时中断，请重新保存或重新下载", path.name)
    if size > limits.max_file_bytes:
        raise _too_big(f"文件有 {_mb(size)}，超过上限 {_mb(limits.max_file_bytes)}；预算工作簿通常不到 5 MB，"
                       "请删除无关的工作表、图片后另存", path.name)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE2_SIGNATURE:
        raise _unreadable("这是旧版 .xls 文件或设有打开密码的工作簿，请取消打开密码并另存为 .xlsx 或 .xlsm",
                          path.name)
    if not head.startswith(_ZIP_SIGNATURE):
        raise _unreadable("不是 Excel 工作簿（.xlsx/.xlsm 文件应为 zip 压缩包），请在 Excel 中另存为 .xlsx 或 .xlsm",
                          path.name)


def _check_directory(zf: zipfile.ZipFile, limits: Limits) -> int:
    """Sizes and ratios from the zip directory; returns the total uncompressed size."""
    infos = zf.infolist()
    if len(infos) > limits.max_parts:
        raise _too_big(f"工作簿含 {len(infos):,} 个部件，超过上限 {limits.max_parts:,}，请另存为新的工作簿",
                       len(infos))
    total = 0
    for info in infos:
        if info.file_size > limits.max_part_bytes:
            raise _too_big(f"工作簿中的一个部件解压后有 {_mb(info.file_size)}，超过上限 "
                           f"{_mb(limits.max_part_bytes)}", info.filename)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise _too_big(f"工作簿中的一个部件压缩比为 {ratio:,.0f}:1（上限 {limits.max_ratio:,.0f}:1），"
                           "疑似压缩炸弹，已拒绝打开", info.filename)
        total += info.file_size
        if total > limits.max_total_bytes:
            raise _too_big(f"工作簿解压后超过 {_mb(limits.max_total_bytes)}，超过上限，请删除无关内容后另存",
                           info.filename)
    return total


def _read_xml(zf: zipfile.ZipFile, name: str) -> Any:
    """Parse one (size-checked) part with defusedxml."""
    try:
        data = zf.read(name)
    except KeyError:
        raise _unreadable("不是完整的 Excel 工作簿（缺少必需的部件），请在 Excel 中另存后重试", name) from None
    try:
        return SafeET.fromstring(data)
    except Exception:   # defusedxml refusals (entities, DTDs) and malformed XML alike
        raise _unreadable("工作簿的内容无法安全解析，文件可能已损坏，请在 Excel 中另存后重试",
                          name) from None


def _relationships(zf: zipfile.ZipFile, rels_name: str, base: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, resolved part name) from a .rels part."""
    if rels_name not in zf.NameToInfo:
        return {}
    root = _read_xml(zf, rels_name)
    out: dict[str, tuple[str, str]] = {}
    for rel in root.iter(f"{_NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), part)
    return out


def _workbook_part(zf: zipfile.ZipFile) -> str:
    for rel_type, part in _relationships(zf, "_rels/.rels", "").values():
        if rel_type.endswith("/officeDocument"):
            return part
    return "xl/workbook.xml"


def _hidden_sheets(zf: zipfile.ZipFile, workbook_part: str) -> tuple[str, ...]:
    root = _read_xml(zf, workbook_part)
    return tuple(sheet.get("name", "") for sheet in root.iter(f"{_NS_MAIN}sheet")
                 if sheet.get("state") in ("hidden", "veryHidden"))


def _check_declarations(zf: zipfile.ZipFile) -> None:
    """Refuse any XML part that declares a DTD or entities (billion laughs, XXE) before a parser sees it."""
    for info in zf.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")) or info.file_size == 0:
            continue
        with zf.open(info) as src:
            head = src.read(_PROLOG_BYTES)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            head = head.decode("utf-16", "replace").encode("utf-8", "replace")
        if _DECLARATION.search(head.replace(b"\x00", b"")):
            raise _unreadable("工作簿的内容含有文档类型或实体声明（可被用来攻击读取程序），已拒绝打开；"
                              "请在 Excel 中另存为新的 .xlsx 后重试", info.filename)


def _sheets(zf: zipfile.ZipFile, workbook_part: str) -> list[tuple[str, str | None]]:
    """(sheet name, worksheet part or None for chart sheets) in workbook order."""
    root = _read_xml(zf, workbook_part)
    folder = posixpath.dirname(workbook_part)
    rels_name = posixpath.join(folder, "_rels", posixpath.basename(workbook_part) + ".rels")
    rels = _relationships(zf, rels_name, folder)
    out: list[tuple[str, str | None]] = []
    for sheet in root.iter(f"{_NS_MAIN}sheet"):
        rel_type, part = rels.get(sheet.get(f"{_NS_REL}id", ""), ("", None))
        out.append((sheet.get("name", ""), part if rel_type.endswith("/worksheet") else None))
    return out


def _declared(ref: str) -> tuple[int, int] | None:
    """(columns, rows) reached by a dimension ref such as 'A1:M98' (None if unreadable)."""
    last = ref.split(":")[-1].strip()
    m = _CELL_REF.match(last)
    if not m:
        return None
    return column_index(m.group(1).upper()), int(m.group(2))


def _scan_sheet(zf: zipfile.ZipFile, name: str, part: str, limits: Limits) -> SheetSize:
    """Stream one worksheet part: its dimension, then its rows, stopping as soon as a limit is passed."""
    declared: tuple[int, int] | None = None
    head_done = False
    rows_seen = 0
    max_row = 0
    max_col = 0
    buffer = b""
    found = Marks()
    with zf.open(part) as src:
        while True:
            chunk = src.read(_CHUNK)
            last = not chunk
            buffer += chunk
            if not head_done and (len(buffer) >= _DIMENSION_WINDOW or last or _SHEET_DATA.search(buffer)):
                head_done = True
                data_at = _SHEET_DATA.search(buffer)
                m = _DIMENSION.search(buffer, 0, data_at.start() if data_at else len(buffer))
                declared = _declared(m.group(1).decode("ascii", "replace")) if m else None
                if declared is not None:
                    _check_extent(name, declared[1], declared[0], limits, "声明的范围")
            if not head_done:
                continue
            end = len(buffer) if last else max(0, len(buffer) - _CARRY)
            found.scan(buffer, end)
            rows_seen += len(ROW_TAG.pick(buffer, end).findall(buffer, 0, end))
            max_row = max(max_row, *map(int, ROW_INDICES.pick(buffer, end).findall(buffer, 0, end)), 0)
            if declared is None:
                letters = max((c.upper() for c in CELL_COLUMN.pick(buffer, end).findall(buffer, 0, end)),
                              key=lambda c: (len(c), c), default=b"")
                if letters:
                    max_col = max(max_col, column_index(letters.decode("ascii")))
            _check_extent(name, max(rows_seen, max_row), max_col or 1, limits, "实际数据")
            if last:
                break
            buffer = buffer[end:]
    rows = max(rows_seen, max_row)
    return SheetSize(name, part, declared[1] if declared else None, declared[0] if declared else None,
                     rows, None if declared else max_col, tuple(found.rows), tuple(found.cells),
                     tuple(found.external), found.errors)


def _check_extent(sheet: str, rows: int, columns: int, limits: Limits, what: str) -> None:
    if rows > limits.max_rows:
        raise _too_big(f"工作表“{sheet}”的{what}超过 {limits.max_rows:,} 行（上限），请删除多余的行"
                       "（选中空行后“删除”，不要只清除内容）后另存", rows, sheet)
    if columns > limits.max_columns:
        raise _too_big(f"工作表“{sheet}”的{what}超过 {limits.max_columns:,} 列（上限），请删除多余的列后另存",
                       columns, sheet)
    if rows * columns > limits.max_cells:
        raise _too_big(f"工作表“{sheet}”的{what}为 {rows:,} 行 × {columns:,} 列，超过 {limits.max_cells:,} "
                       "个单元格的上限，请删除多余的行和列后另存", rows * columns, sheet)


def inspect_workbook(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> WorkbookInfo:
    """检查工作簿文件: every check above, before openpyxl sees the file; raises WorkbookFileError."""
    require_defusedxml()
    path = Path(path)
    _check_file(path, limits)
    try:
        with zipfile.ZipFile(path) as zf:
            total = _check_directory(zf, limits)
            if "[Content_Types].xml" not in zf.NameToInfo:
                raise _unreadable("不是 Excel 工作簿（缺少内容类型清单），请在 Excel 中另存为 .xlsx 或 .xlsm",
                                  path.name)
            _check_declarations(zf)
            workbook_part = _workbook_part(zf)
            sheets = _sheets(zf, workbook_part)
            hidden = _hidden_sheets(zf, workbook_part)
            sizes = {name: _scan_sheet(zf, name, part, limits)
                     for name, part in sheets if part is not None and part in zf.NameToInfo}
            has_vba = any(n.lower().endswith("vbaproject.bin") for n in zf.NameToInfo)
            links = sum(1 for n in zf.NameToInfo if n.lower().startswith("xl/externallinks/")
                        and n.lower().endswith(".xml"))
    except WorkbookFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError,
            RuntimeError):
        raise _unreadable("文件不完整或已损坏，请在 Excel 中重新保存或重新下载后重试",
                          path.name) from None
    return WorkbookInfo(path, tuple(n for n, _ in sheets), sizes, has_vba, total, hidden, links)


def open_workbook(path: str | Path, *, read_only: bool = True, data_only: bool = True, keep_vba: bool = False,
                  limits: Limits = DEFAULT_LIMITS) -> Any:
    """安全打开: :func:`inspect_workbook`, then openpyxl's ``load_workbook`` (defusedxml active).

    Returns the openpyxl workbook; the caller closes it (read-only workbooks keep the file open).
    """
    import openpyxl  # loaded when a file is opened: the Excel functions never open one

    inspect_workbook(path, limits)
    try:
        return openpyxl.load_workbook(path, read_only=read_only, data_only=data_only, keep_vba=keep_vba)
    except Exception as exc:   # openpyxl on a damaged or hostile file: any parse error means "cannot open"
        raise damaged(path, exc) from None


def damaged(path: str | Path, exc: BaseException) -> WorkbookFileError:
    """The error for a workbook whose XML could not be parsed (openpyxl or defusedxml refused it)."""
    return _unreadable("无法读取工作簿内容，文件可能已损坏或含有不安全的内容，"
                       "请在 Excel 中另存后重试", Path(path).name)
