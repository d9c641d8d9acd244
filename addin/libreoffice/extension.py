"""LibreOffice 扩展 — generate the Calc add-in (.oxt) from the UDF module, nothing kept by hand beside it.

From the GS_* functions (`spec.functions`) this writes the IDL interface (every argument `any`, every
result `sequence< sequence< any > >`, camelCase argument names), CalcAddIns.xcu (names, descriptions
and argument help as Excel shows them, for the en-US and zh-CN interface), the Python component with
one method per function, the .components registration, the load-time job (Jobs.xcu) and the manifest.

The type library types.rdb is compiled from the IDL by the LibreOffice SDK's `unoidl-write`. So that
a user can build the extension without the SDK, the compiled types.rdb is kept in this package with
the IDL it was made from (types.idl): the build uses it while the generated IDL is unchanged, and
compiles afresh when the SDK is present. `python -m addin.libreoffice types` rewrites both; a test
checks that they are current.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from addin import __version__
from addin.libreoffice import spec

HERE = Path(__file__).resolve().parent
IDL_FILE = HERE / "types.idl"
RDB_FILE = HERE / "types.rdb"
EXTENSION_ID = "org.wibudget.calc"
SERVICE = "org.wibudget.CalcFunctions"
JOB_SERVICE = "org.wibudget.BindNamesJob"
IDL_MODULE = ("org", "wibudget", "calc")
INTERFACE = "XFunctions"
COMPONENT_FILE = "wibudget_calc.py"
SDK_TOOL = "unoidl-write"
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)            # fixed, so the same sources give the same .oxt bytes


class BuildError(RuntimeError):
    """扩展生成失败 (the extension cannot be built)."""


# ---------------------------------------------------------------------------------------------
# generated texts


def idl_text(functions: list[spec.Function]) -> str:
    """The IDL interface: one method per function."""
    lines = ["// wibudget 工伤保险基金预算函数 — generated from the UDF module; do not edit.", ""]
    lines += [f"module {name} {{" for name in IDL_MODULE]
    lines.append(f"    interface {INTERFACE} : com::sun::star::uno::XInterface")
    lines.append("    {")
    for f in functions:
        params = ", ".join(f"[in] any {a.idl_name}" for a in f.arguments)
        lines.append(f"        sequence< sequence< any > > {f.name}({params});")
    lines.append("    };")
    lines.append(" ".join("};" for _ in IDL_MODULE))
    return "\n".join(lines) + "\n"


def _values(text: str) -> str:
    item = escape(text)
    return (f'<value xml:lang="en-US">{item}</value><value xml:lang="zh-CN">{item}</value>')


def _prop(name: str, text: str, localised: bool = True) -> str:
    value = _values(text) if localised else f"<value>{escape(text)}</value>"
    return f'<prop oor:name="{name}">{value}</prop>'


def calc_addins_xcu(functions: list[spec.Function]) -> str:
    """CalcAddIns.xcu: display and compatibility names, descriptions and argument help."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<oor:component-data xmlns:oor="http://openoffice.org/2001/registry" '
           'xmlns:xs="http://www.w3.org/2001/XMLSchema" oor:name="CalcAddIns" oor:package="org.openoffice.Office">',
           '<node oor:name="AddInInfo">',
           f'<node oor:name="{SERVICE}" oor:op="replace">',
           '<node oor:name="AddInFunctions">']
    for f in functions:
        out.append(f'<node oor:name="{f.name}" oor:op="replace">')
        out.append(_prop("DisplayName", f.name))
        out.append(_prop("Description", f.description))
        out.append(_prop("Category", "Add-In", localised=False))
        out.append(_prop("CompatibilityName", f.name))
        out.append('<node oor:name="Parameters">')
        for a in f.arguments:
            out.append(f'<node oor:name="{a.idl_name}" oor:op="replace">')
            out.append(_prop("DisplayName", a.name))
            out.append(_prop("Description", a.doc))
            out.append("</node>")
        out.append("</node></node>")
    out += ["</node>", "</node>", "</node>", "</oor:component-data>"]
    return "\n".join(out) + "\n"


def jobs_xcu() -> str:
    """Jobs.xcu: run the name-binding job whenever a document is added (hidden ones included)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<oor:component-data xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 oor:name="Jobs" oor:package="org.openoffice.Office">
<node oor:name="Jobs">
<node oor:name="WibudgetBindNames" oor:op="replace">
<prop oor:name="Service"><value>{JOB_SERVICE}</value></prop>
</node>
</node>
<node oor:name="Events">
<node oor:name="onDocumentAdded" oor:op="fuse">
<node oor:name="JobList">
<node oor:name="WibudgetBindNames" oor:op="replace"/>
</node>
</node>
</node>
</oor:component-data>
"""


def components_xml() -> str:
    """Passive registration of the Python component (both implementations)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<components xmlns="http://openoffice.org/2010/uno-components">
<component loader="com.sun.star.loader.Python" uri="{COMPONENT_FILE}">
<implementation name="{SERVICE}">
<service name="com.sun.star.sheet.AddIn"/>
<service name="{SERVICE}"/>
</implementation>
<implementation name="{JOB_SERVICE}">
<service name="{JOB_SERVICE}"/>
</implementation>
</component>
</components>
"""


def manifest_xml() -> str:
    entries = [("wibudget.components", "application/vnd.sun.star.uno-components"),
               ("types.rdb", "application/vnd.sun.star.uno-typelibrary;type=RDB"),
               ("CalcAddIns.xcu", "application/vnd.sun.star.configuration-data"),
               ("Jobs.xcu", "application/vnd.sun.star.configuration-data")]
    body = "\n".join(f'<manifest:file-entry manifest:full-path="{path}" manifest:media-type="{kind}"/>'
                     for path, kind in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<manifest:manifest xmlns:manifest="http://openoffice.org/2001/manifest">\n'
            f"{body}\n</manifest:manifest>\n")


def description_xml() -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<description xmlns="http://openoffice.org/extensions/description/2006"
 xmlns:xlink="http://www.w3.org/1999/xlink">
<identifier value="{EXTENSION_ID}"/>
<version value="{escape(__version__)}"/>
<display-name><name lang="zh-CN">工伤保险基金预算函数（wibudget）</name>
<name lang="en-US">wibudget work-injury insurance fund budget functions</name></display-name>
</description>
"""


def component_py(functions: list[spec.Function]) -> str:
    """The Python component: one method per GS_* function, each handing its arguments to the runtime."""
    lines = ['"""wibudget 工伤保险基金预算函数 — LibreOffice Calc add-in, generated from the UDF module; do not edit."""',
             "",
             "import unohelper",
             "import wibudget_oxt_config as config",
             "import wibudget_oxt_runtime as runtime",
             "from com.sun.star.lang import XServiceInfo, XServiceName",
             f"from {'.'.join(IDL_MODULE)} import {INTERFACE}",
             "",
             "",
             f"class CalcFunctions(unohelper.Base, {INTERFACE}, XServiceName, XServiceInfo):",
             "    def __init__(self, ctx):",
             "        self.ctx = ctx",
             "",
             "    def getServiceName(self):",
             "        return config.SERVICE",
             "",
             "    def getImplementationName(self):",
             "        return config.SERVICE",
             "",
             "    def supportsService(self, name):",
             "        return name in (config.SERVICE, 'com.sun.star.sheet.AddIn')",
             "",
             "    def getSupportedServiceNames(self):",
             "        return (config.SERVICE, 'com.sun.star.sheet.AddIn')",
             ""]
    for f in functions:
        names = [a.idl_name for a in f.arguments]
        packed = "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"
        lines += [f"    def {f.name}(self, {', '.join(names)}):" if names else f"    def {f.name}(self):",
                  f"        return runtime.call({f.name!r}, {packed})",
                  ""]
    lines += ["",
              "g_ImplementationHelper = unohelper.ImplementationHelper()",
              "g_ImplementationHelper.addImplementation(CalcFunctions, config.SERVICE,",
              "                                         (config.SERVICE, 'com.sun.star.sheet.AddIn'))",
              "g_ImplementationHelper.addImplementation(runtime.BindNamesJob, config.JOB_SERVICE, (config.JOB_SERVICE,))",
              ""]
    return "\n".join(lines)


def engine_folders() -> tuple[list[str], list[str]]:
    """(source folders, site-packages folders) where LibreOffice's Python finds this wibudget."""
    import addin

    source = str(Path(addin.__file__).resolve().parent.parent)
    paths = sysconfig.get_paths()
    sites = list(dict.fromkeys(str(Path(paths[key]).resolve()) for key in ("purelib", "platlib")))
    return [source], sites


def config_py(module_name: str) -> str:
    """Build-time facts the runtime reads: service names, UDF module names and the engine's folders."""
    source, sites = engine_folders()
    modules = [module_name] + [m for m in spec.UDF_MODULE_NAMES if m != module_name]
    return ('"""Written by `wibudget libreoffice build`: where LibreOffice\'s Python finds wibudget."""\n\n'
            f"SERVICE = {SERVICE!r}\n"
            f"JOB_SERVICE = {JOB_SERVICE!r}\n"
            f"UDF_MODULES = {tuple(modules)!r}\n"
            f"SOURCE_DIRS = {tuple(source)!r}\n"
            f"SITE_DIRS = {tuple(sites)!r}\n"
            f"BUILT_WITH = {sys.version.split()[0]!r}\n")


# ---------------------------------------------------------------------------------------------
# type library


def find_sdk_tool() -> str | None:
    """unoidl-write from the LibreOffice SDK (libreoffice-dev), or None."""
    hit = shutil.which(SDK_TOOL)
    if hit:
        return hit
    for base in (Path("/usr/lib/libreoffice/sdk/bin"), Path("/opt/libreoffice/sdk/bin")):
        if (base / SDK_TOOL).is_file():
            return str(base / SDK_TOOL)
    return None


def program_folder() -> Path | None:
    """LibreOffice's program folder (with types.rdb and types/offapi.rdb), or None."""
    from addin.workbook.office import find_soffice

    soffice = find_soffice()
    candidates = [Path(soffice).resolve().parent] if soffice else []
    candidates.append(Path("/usr/lib/libreoffice/program"))
    for folder in candidates:
        if (folder / "types.rdb").is_file() and (folder / "types" / "offapi.rdb").is_file():
            return folder
    return None


def compile_idl(idl: str, target: Path) -> None:
    """Compile IDL text into a types.rdb with unoidl-write; BuildError when the SDK is missing."""
    tool, program = find_sdk_tool(), program_folder()
    if tool is None or program is None:
        raise BuildError("函数签名已改变，需要 LibreOffice SDK 重新生成类型库：请安装 libreoffice-dev（含 unoidl-write）")
    with tempfile.TemporaryDirectory(prefix="wibudget-idl-") as tmp:
        source = Path(tmp) / "wibudget.idl"
        source.write_text(idl, encoding="utf-8")
        run = subprocess.run([tool, str(program / "types.rdb"), str(program / "types" / "offapi.rdb"),
                              str(source), str(target)], capture_output=True, text=True, timeout=60)
    if run.returncode != 0 or not target.is_file():
        raise BuildError(f"unoidl-write 编译 IDL 失败：{(run.stderr or run.stdout).strip()[:300]}")


def type_library(idl: str) -> bytes:
    """types.rdb for this IDL: the kept one while the IDL is unchanged, else compiled now."""
    if IDL_FILE.is_file() and RDB_FILE.is_file() and IDL_FILE.read_text(encoding="utf-8") == idl:
        return RDB_FILE.read_bytes()
    with tempfile.TemporaryDirectory(prefix="wibudget-rdb-") as tmp:
        target = Path(tmp) / "types.rdb"
        compile_idl(idl, target)
        return target.read_bytes()


def write_type_library() -> tuple[Path, Path]:
    """Regenerate types.idl and types.rdb in this package from the UDF module (needs the SDK)."""
    idl = idl_text(spec.functions())
    with tempfile.TemporaryDirectory(prefix="wibudget-rdb-") as tmp:
        target = Path(tmp) / "types.rdb"
        compile_idl(idl, target)
        RDB_FILE.write_bytes(target.read_bytes())
    IDL_FILE.write_text(idl, encoding="utf-8")
    return IDL_FILE, RDB_FILE


# ---------------------------------------------------------------------------------------------
# the .oxt


def extension_files() -> dict[str, bytes]:
    """Every file of the extension: {path inside the .oxt: content}."""
    module_name = spec.udf_module_name()
    functions = spec.functions()
    idl = idl_text(functions)
    text = {
        "META-INF/manifest.xml": manifest_xml(),
        "description.xml": description_xml(),
        "wibudget.components": components_xml(),
        "CalcAddIns.xcu": calc_addins_xcu(functions),
        "Jobs.xcu": jobs_xcu(),
        COMPONENT_FILE: component_py(functions),
        "pythonpath/wibudget_oxt_config.py": config_py(module_name),
        "pythonpath/wibudget_oxt_runtime.py": (HERE / "oxt_runtime.py").read_text(encoding="utf-8"),
        "pythonpath/wibudget_oxt_values.py": (HERE / "oxt_values.py").read_text(encoding="utf-8"),
        "idl/wibudget.idl": idl,
    }
    files = {path: content.encode("utf-8") for path, content in text.items()}
    files["types.rdb"] = type_library(idl)
    return files


def oxt_bytes() -> bytes:
    """The extension as a zip archive (fixed timestamps: same sources, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in sorted(extension_files().items()):
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()
