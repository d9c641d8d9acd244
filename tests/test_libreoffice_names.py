"""Formulas saved by LibreOffice carry service-qualified GS_* names; the plain names come back."""

from __future__ import annotations

import pytest

from addin.workbook.formula_names import normalise_formula_names


@pytest.mark.parametrize(("saved", "plain"), [
    # what LibreOffice 7.4 writes into an .xlsx for the add-in's functions
    ("=ORG.WIBUDGET.CALCFUNCTIONS.GS_BALANCE(inp_params,inp_history)", "=GS_BALANCE(inp_params,inp_history)"),
    ("=org.wibudget.calcfunctions.gs_months_payable('收支结余'!D9,'收支结余'!D6)",
     "=GS_MONTHS_PAYABLE('收支结余'!D9,'收支结余'!D6)"),
    # another service name, behind Excel's prefix for unknown functions, nested in Excel functions
    ("=_xludf.ORG.WIBUDGET.OTHER.GS_TREND(C58:C60)", "=GS_TREND(C58:C60)"),
    ("=IFERROR(INDEX(ORG.WIBUDGET.CALCFUNCTIONS.GS_SHARE(1,inp_params),2,3),0)+ORG.WIBUDGET.X.GS_INFO ()",
     "=IFERROR(INDEX(GS_SHARE(1,inp_params),2,3),0)+GS_INFO ()"),
])
def test_service_qualified_names_become_plain(saved: str, plain: str) -> None:
    assert normalise_formula_names(saved) == plain


def test_other_text_is_left_alone() -> None:
    # a plain formula, a name in a text literal, another vendor's function, a non-formula value
    assert normalise_formula_names("=GS_BALANCE(inp_params)") == "=GS_BALANCE(inp_params)"
    literal = '="见 ORG.WIBUDGET.CALCFUNCTIONS.GS_BALANCE(说明"&ORG.WIBUDGET.CALCFUNCTIONS.GS_INFO(A1)'
    assert normalise_formula_names(literal) == '="见 ORG.WIBUDGET.CALCFUNCTIONS.GS_BALANCE(说明"&GS_INFO(A1)'
    assert normalise_formula_names("=COM.EXAMPLE.ADDIN.GS_BALANCE(A1)") == "=COM.EXAMPLE.ADDIN.GS_BALANCE(A1)"
    assert normalise_formula_names("=ORG.WIBUDGET.CALCFUNCTIONS.GS_BALANCE") == "=ORG.WIBUDGET.CALCFUNCTIONS.GS_BALANCE"
    assert normalise_formula_names(12.5) == 12.5
    assert normalise_formula_names(None) is None
