"""wibudget 预算引擎 — the engine of the work-injury insurance fund budget (工伤保险基金预算).

Pure computation (numpy/pandas/numpy-financial); no Excel, user files or terminal I/O. The only
files it reads are its own packaged data: the dated statutory parameters (``models/parameters``)
and the sharing presets (``models/sharing_presets.toml``).

Main entry points:

- :func:`models.budget.run_budget` — forecast → province budget → sharing → comparison.
- :func:`models.forecast.forecast` — per-unit forecast of every line item (收支预测).
- :func:`models.balance.province_budget` and :func:`models.balance.official_lines` — 全省收支,
  储备与费率, and the reconciled 收入/支出预算表 in 万元.
- :func:`models.sharing.share_options`, :func:`models.sharing.load_presets`,
  :func:`models.compare.compare` — 缺口分担 and 方案比较.
- :func:`models.parameter_set.load_parameters` and :mod:`models.benefits` — statutory standards.
- :class:`models.inputs.BudgetInputs` — the input contract; :class:`models.errors.BudgetInputError`
  — the one error type for bad input.
"""

import os as _os

# numpy asks the kernel for transparent huge pages for every large array. Where the kernel's huge-page
# defrag is synchronous (as on some virtual machines), the first write to a fresh large array then waits for
# memory compaction: 3.1 s for 480 MB here, against 0.29 s with ordinary pages (a 100,000-draw, 10-option
# risk run keeps arrays of that size). The engine writes its big arrays once, so ordinary pages serve it
# better. numpy reads this setting when it is first imported; a process that imported numpy before the
# engine keeps its own choice.
_os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

