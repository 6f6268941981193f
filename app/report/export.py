"""CSV and Excel renderings of report tables (suppressed cells arrive here already as '秘匿')."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.report.suppression import SUPPRESSED
from app.report.tables import SHEET_NAMES, Cell, ExportTable

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
_THIN = Side(style="thin", color="888888")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def suppression_note(threshold: int) -> str:
    return (
        f"秘匿: {threshold}件未満の区分、及び合計から逆算できないよう併せて秘匿した区分 "
        f"(hidden: counts under {threshold}, and cells hidden with them so totals cannot reveal them)"
    )


def table_csv(table: ExportTable) -> bytes:
    """One table as CSV with a BOM, so Excel opens the Japanese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow(["" if value is None else value for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _write_table(sheet: Worksheet, table: ExportTable, start_row: int, caption: str | None = None) -> int:
    row = start_row
    if caption:
        sheet.cell(row=row, column=1, value=caption).font = _BOLD
        row += 1
    for column, name in enumerate(table.header, start=1):
        cell = sheet.cell(row=row, column=column, value=name)
        cell.font, cell.fill, cell.border = _BOLD, _HEAD_FILL, _BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for values in table.rows:
        row += 1
        is_total = isinstance(values[0], str) and values[0].startswith("合計")
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=_excel_value(value))
            cell.border = _BOX
            if is_total:
                cell.font = _BOLD
            if value == SUPPRESSED:
                cell.alignment = Alignment(horizontal="right")
    for note in table.notes:
        row += 1
        sheet.cell(row=row, column=1, value=note)
    return row + 1


def _excel_value(value: Cell) -> Cell:
    return "" if value is None else value


def _widths(sheet: Worksheet, first: int = 22, rest: int = 14, columns: int = 20) -> None:
    sheet.column_dimensions["A"].width = first
    for index in range(2, columns + 1):
        sheet.column_dimensions[get_column_letter(index)].width = rest


def dashboard_workbook(
    tables: Sequence[ExportTable], filters_line: str, threshold: int, suppressed: bool, generated_at: datetime
) -> bytes:
    """One sheet per dashboard view plus a sheet that explains filters, definitions and suppression."""
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "説明"
    lines = [
        "外国人相談窓口 利用統計 Consultation desk statistics",
        filters_line,
        f"作成 Generated: {generated_at:%Y-%m-%d %H:%M}",
        suppression_note(threshold) if suppressed else "秘匿処理なし (internal: no suppression)",
        "相談内容は複数計上 (topics: a case with several topics counts in each)",
    ]
    for index, line in enumerate(lines, start=1):
        notes.cell(row=index, column=1, value=line).font = _TITLE if index == 1 else Font()
    notes.column_dimensions["A"].width = 100
    for table in tables:
        sheet = workbook.create_sheet(SHEET_NAMES.get(table.name, table.name)[:31])
        sheet.cell(row=1, column=1, value=f"{table.title_ja} {table.title_en}").font = _TITLE
        sheet.cell(row=2, column=1, value=filters_line)
        _write_table(sheet, table, 4)
        _widths(sheet, columns=len(table.header))
        sheet.freeze_panes = "B5"
    return _save(workbook)


def monthly_workbook(
    title: str,
    subtitle_lines: Sequence[str],
    tables: Sequence[tuple[str, ExportTable]],
    footnotes: Sequence[str],
) -> bytes:
    """The council-style monthly report on one printable A4 sheet."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "月報"
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=16)
    row = 2
    for line in subtitle_lines:
        sheet.cell(row=row, column=1, value=line)
        row += 1
    row += 1
    for caption, table in tables:
        row = _write_table(sheet, table, row, caption) + 1
    for note in footnotes:
        sheet.cell(row=row, column=1, value=note)
        row += 1
    _widths(sheet, first=30, rest=16, columns=6)
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return _save(workbook)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
