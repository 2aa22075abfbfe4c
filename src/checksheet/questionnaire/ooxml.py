"""Write answers into an .xlsx/.xlsm by editing only the cells, so that nothing else in the file changes.

openpyxl rebuilds a workbook from what it understands and drops the rest: logos and other
pictures (without Pillow), text boxes and shapes, form-control check boxes, slicers and
extension lists. Customers notice. Here every part of the zip is copied byte for byte
except the answered sheets' XML, where only the answered cells are replaced or inserted
(as inline strings, keeping each cell's style), and the parts that register the added
review sheet (workbook.xml, its relationships, [Content_Types].xml).

Anything unexpected (a cell or row without its reference, a sheet part that cannot be
found) raises `Unsupported`, and the caller falls back to openpyxl.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

Cell = tuple[int, int]
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WORKSHEET_TYPE = _REL_NS + "/worksheet"
_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


class Unsupported(Exception):
    """The file is valid but laid out in a way this patcher does not edit; use openpyxl instead."""


@dataclass(frozen=True, slots=True)
class ReviewTable:
    name: str
    rows: Sequence[Sequence[str | int | float]]
    widths: Sequence[float]


def col_letters(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf'\s{name}\s*=\s*"([^"]*)"', tag) or re.search(rf"\s{name}\s*=\s*'([^']*)'", tag)
    return m.group(1) if m else None


def _text(value: str) -> str:
    # a bare carriage return would be read back as a line feed (XML end-of-line handling)
    return escape(_ILLEGAL.sub("", value)).replace("\r", "&#13;")


def _inline(prefix: str, ref: str, style: str | None, value: str) -> str:
    s = f' s="{style}"' if style else ""
    text = f'<{prefix}t xml:space="preserve">{_text(value)}</{prefix}t>'
    return f'<{prefix}c r="{ref}"{s} t="inlineStr"><{prefix}is>{text}</{prefix}is></{prefix}c>'


def _element_end(xml: str, start: int, prefix: str, name: str) -> int:
    """End offset of the element whose start tag begins at `start` (self-closing or not)."""
    close = xml.index(">", start)
    if xml[close - 1] == "/":
        return close + 1
    end_tag = f"</{prefix}{name}>"
    return xml.index(end_tag, close) + len(end_tag)


def _splice(text: str, pieces: Sequence[tuple[int, int, str]]) -> str:
    """Apply replacements given in document order, back to front; insertions at one place keep their order."""
    for _, (start, end, new) in sorted(enumerate(pieces), key=lambda p: (p[1][0], p[1][1], p[0]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _column_styles(xml: str, prefix: str) -> dict[int, str]:
    styles: dict[int, str] = {}
    for tag in re.findall(rf"<{prefix}col\b[^>]*>", xml):
        lo, hi, style = _attr(tag, "min"), _attr(tag, "max"), _attr(tag, "style")
        if lo and hi and style and int(hi) - int(lo) < 16384:
            for c in range(int(lo), int(hi) + 1):
                styles[c] = style
    return styles


def _has_value(cell_xml: str, prefix: str) -> bool:
    return bool(re.search(rf"<{prefix}(?:v|f|is)\b", cell_xml))


def patch_sheet(
    xml: str, writes: Mapping[Cell, str], replaceable: frozenset[Cell] = frozenset()
) -> tuple[str, list[Cell], list[Cell]]:
    """The sheet XML with `writes` in place; (xml, cells written, cells kept because not empty).

    A cell with a value is kept unless it is `replaceable` (a template's prompt); a formula always is.
    """
    m = re.search(r"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
    if not m:
        raise Unsupported("no sheetData")
    prefix = m.group(1) or ""
    if m.group(2):  # <sheetData/>: no rows at all
        xml = xml[: m.start()] + f"<{prefix}sheetData></{prefix}sheetData>" + xml[m.end() :]
        m = re.search(rf"<{prefix}sheetData\b[^>]*>", xml)
        assert m is not None
    body_start = m.end()
    body_end = xml.index(f"</{prefix}sheetData>", body_start)
    body = xml[body_start:body_end]
    col_styles = _column_styles(xml[: m.start()], prefix)
    rows: dict[int, tuple[int, int]] = {}  # row number -> (start, end) in body
    for rm in re.finditer(rf"<{prefix}row\b[^>]*>", body):
        number = _attr(rm.group(0), "r")
        if number is None:
            raise Unsupported("a row without its number")
        rows[int(number)] = (rm.start(), _element_end(body, rm.start(), prefix, "row"))
    by_row: dict[int, dict[int, str]] = {}
    for (r, c), value in writes.items():
        by_row.setdefault(r, {})[c] = value
    written: list[Cell] = []
    kept: list[Cell] = []
    pieces: list[tuple[int, int, str]] = []  # (start, end, replacement) in body, applied back to front
    for r in sorted(by_row):
        if r in rows:
            start, end = rows[r]
            new_row, w, k = _patch_row(body[start:end], r, by_row[r], prefix, col_styles, replaceable)
            pieces.append((start, end, new_row))
        else:
            at = next((rows[n][0] for n in sorted(rows) if n > r), len(body))
            cells = "".join(
                _inline(prefix, f"{col_letters(c)}{r}", col_styles.get(c), v) for c, v in sorted(by_row[r].items())
            )
            pieces.append((at, at, f'<{prefix}row r="{r}">{cells}</{prefix}row>'))
            w, k = [(r, c) for c in sorted(by_row[r])], []
        written += w
        kept += k
    body = _splice(body, pieces)
    return xml[:body_start] + body + xml[body_end:], written, kept


def _patch_row(
    row_xml: str,
    r: int,
    writes: Mapping[int, str],
    prefix: str,
    col_styles: Mapping[int, str],
    replaceable: frozenset[Cell],
) -> tuple[str, list[Cell], list[Cell]]:
    open_end = row_xml.index(">") + 1
    if row_xml[open_end - 2] == "/":  # <row r="8"/>
        row_xml = row_xml[: open_end - 2] + f"></{prefix}row>"
        open_end -= 1
    start_tag = re.sub(r'\sspans\s*=\s*"[^"]*"', "", row_xml[:open_end])  # a hint that new cells would falsify
    row_xml, open_end = start_tag + row_xml[open_end:], len(start_tag)
    row_style = _attr(row_xml[:open_end], "s") if _attr(row_xml[:open_end], "customFormat") in ("1", "true") else None
    cells: dict[int, tuple[int, int]] = {}
    for cm in re.finditer(rf"<{prefix}c\b[^>]*>", row_xml):
        ref = _attr(cm.group(0), "r")
        if ref is None:
            raise Unsupported("a cell without its reference")
        letters = re.match(r"[A-Z]+", ref)
        if not letters:
            raise Unsupported(f"odd cell reference {ref}")
        cells[_col_number(letters.group(0))] = (cm.start(), _element_end(row_xml, cm.start(), prefix, "c"))
    written: list[Cell] = []
    kept: list[Cell] = []
    pieces: list[tuple[int, int, str]] = []
    close = row_xml.rindex(f"</{prefix}row>")
    for c, value in sorted(writes.items()):
        ref = f"{col_letters(c)}{r}"
        if c in cells:
            start, end = cells[c]
            old = row_xml[start:end]
            if re.search(rf"<{prefix}f\b", old) or (_has_value(old, prefix) and (r, c) not in replaceable):
                kept.append((r, c))
                continue
            pieces.append((start, end, _inline(prefix, ref, _attr(old[: old.index(">")], "s"), value)))
        else:
            at = next((cells[n][0] for n in sorted(cells) if n > c), close)
            pieces.append((at, at, _inline(prefix, ref, col_styles.get(c) or row_style, value)))
        written.append((r, c))
    row_xml = _splice(row_xml, pieces)
    return row_xml, written, kept


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part's path in the zip, from workbook.xml and its relationships."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid, target = _attr(tag, "Id"), _attr(tag, "Target")
        if rid and target:
            targets[rid] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    parts = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = _attr(tag, "name")
        rid = next((v for k, v in re.findall(r'\s([\w]+:id)\s*=\s*"([^"]*)"', tag)), None)
        if name is None or rid is None or rid not in targets:
            raise Unsupported("a sheet without its part")
        parts[_unescape(name)] = targets[rid]
    return parts


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _review_xml(table: ReviewTable) -> str:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(table.widths, start=1)
    )
    rows = []
    for r, values in enumerate(table.rows, start=1):
        cells = []
        for c, v in enumerate(values, start=1):
            ref = f"{col_letters(c)}{r}"
            if isinstance(v, int | float) and not isinstance(v, bool):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            elif v:
                cells.append(_inline("", ref, None, str(v)))
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{_REL_NS}">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews>'
        f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


def _add_sheet(parts: dict[str, bytes], existing: set[str], table: ReviewTable) -> None:
    """Register one more worksheet at the end of the workbook: its part, relationship, content type, entry."""
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in existing:
        n += 1
    path = f"xl/worksheets/sheet{n}.xml"
    parts[path] = _review_xml(table).encode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    ids = set(re.findall(r'\sId\s*=\s*"([^"]*)"', rels))
    rid = next(f"rIdChecksheet{i}" for i in range(1, 10_000) if f"rIdChecksheet{i}" not in ids)
    rel_prefix = re.search(r"<(\w+:)?Relationships\b", rels)
    rp = (rel_prefix.group(1) or "") if rel_prefix else ""
    rels = rels.replace(
        f"</{rp}Relationships>",
        f'<{rp}Relationship Id="{rid}" Type="{_WORKSHEET_TYPE}" Target="worksheets/sheet{n}.xml"/></{rp}Relationships>',
    )
    parts["xl/_rels/workbook.xml.rels"] = rels.encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    types = types.replace("</Types>", f'<Override PartName="/{path}" ContentType="{_WORKSHEET_CT}"/></Types>')
    parts["[Content_Types].xml"] = types.encode("utf-8")
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    sheets_end = re.search(r"</(\w+:)?sheets>", workbook)
    if not sheets_end:
        raise Unsupported("no sheets element")
    prefix = sheets_end.group(1) or ""
    r_prefix = next((p for p, ns in re.findall(r'xmlns:(\w+)="([^"]*)"', workbook) if ns == _REL_NS), None)
    if r_prefix is None:
        raise Unsupported("no relationships namespace in workbook.xml")
    sheet_id = max((int(i) for i in re.findall(r'\ssheetId\s*=\s*"(\d+)"', workbook)), default=0) + 1
    entry = f'<{prefix}sheet name={quoteattr(table.name)} sheetId="{sheet_id}" {r_prefix}:id="{rid}"/>'
    workbook = workbook[: sheets_end.start()] + entry + workbook[sheets_end.start() :]
    parts["xl/workbook.xml"] = workbook.encode("utf-8")


def patch_book(
    src: Path,
    out: Path,
    writes: Mapping[str, Mapping[Cell, str]],
    review: ReviewTable,
    replaceable: Mapping[str, frozenset[Cell]] | None = None,
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """Copy `src` to `out` with `writes` (sheet -> cell -> text) and the review sheet; (written, kept)."""
    written: list[tuple[str, int, int]] = []
    kept: list[tuple[str, int, int]] = []
    with zipfile.ZipFile(src) as archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        try:
            sheet_parts = _sheet_parts(archive)
            changed = {
                name: archive.read(name)
                for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml")
            }
            for sheet, cells in writes.items():
                path = sheet_parts.get(sheet)
                if path is None or path not in names:
                    raise Unsupported(f"no part for sheet {sheet}")
                xml = archive.read(path).decode("utf-8")
                patched, w, k = patch_sheet(xml, cells, (replaceable or {}).get(sheet, frozenset()))
                changed[path] = patched.encode("utf-8")
                written += [(sheet, r, c) for r, c in w]
                kept += [(sheet, r, c) for r, c in k]
            _add_sheet(changed, names, review)
        except (KeyError, ValueError, UnicodeDecodeError) as err:  # ValueError: str.index found no end tag
            raise Unsupported(str(err)) from err
        with zipfile.ZipFile(out, "w") as target:
            for info in infos:
                if info.filename in changed:
                    target.writestr(info, changed.pop(info.filename), compress_type=zipfile.ZIP_DEFLATED)
                else:
                    target.writestr(info, archive.read(info.filename))  # byte for byte, same compression
            for name, data in changed.items():  # the review sheet's new part
                target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return written, kept
