"""A letter as a printable DOCX (A4, the letterhead, reference and addressee, subject, body,
signatory) and as plain text for an e-mail's body: both from one LetterDoc."""

from datetime import UTC, datetime, time
from io import BytesIO

from docx import Document
from docx.document import Document as Docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from workflows.letters.letter import (
    LetterDoc,
    address_lines,
    check_letter,
    clean,
    contact_line,
    dated_number,
    paragraphs,
)

FONT, SIZE, SMALL = "Times New Roman", Pt(14), Pt(10)  # the usual face of official letters


def render_docx(doc: LetterDoc) -> bytes:
    """The letter as a DOCX file; an incomplete letter is refused (Invalid)."""
    check_letter(doc)
    document = Document()
    _page(document)
    head = doc.letterhead
    _para(document, clean(head.get("title")), bold=True, center=True)
    if contact_line(head):
        _para(document, contact_line(head), size=SMALL, center=True, after=Pt(18))
    top = _grid(document, rows=1)
    left, right = top.cell(0, 0), top.cell(0, 1)
    _cell_para(left, dated_number(doc))
    if clean(doc.regarding):
        _cell_para(left, clean(doc.regarding), size=Pt(12))
    _cell_para(right, clean(doc.addressee), bold=True)
    for line in address_lines(doc):
        _cell_para(right, line)
    _para(document, "", after=Pt(6))
    _para(document, clean(doc.subject), bold=True, after=Pt(12))
    for text in paragraphs(doc.body):
        p = _para(document, text, after=Pt(0))
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = Cm(1.25)
    if clean(head.get("signatory")):
        _para(document, "", after=Pt(24))
        sign = _grid(document, rows=1)
        _cell_para(sign.cell(0, 0), clean(head.get("signatory")))
        _cell_para(sign.cell(0, 1), "_______________", right=True)
    props = document.core_properties
    props.title, props.author = clean(doc.subject)[:255], clean(head.get("title"))[:255]
    props.created = props.modified = datetime.combine(doc.date, time(), tzinfo=UTC)
    props.last_modified_by, props.comments = props.author, ""
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def render_text(doc: LetterDoc) -> str:
    """The same letter as plain text (an e-mail's body); refused as render_docx refuses it."""
    check_letter(doc)
    head = doc.letterhead
    blocks = [clean(head.get("title")) + (f"\n{contact_line(head)}" if contact_line(head) else "")]
    blocks.append(dated_number(doc) + (f"\n{clean(doc.regarding)}" if clean(doc.regarding) else ""))
    blocks.append("\n".join([clean(doc.addressee), *address_lines(doc)]))
    blocks.append(clean(doc.subject))
    blocks += paragraphs(doc.body)
    if clean(head.get("signatory")):
        blocks.append(clean(head.get("signatory")))
    return "\n\n".join(blocks) + "\n"


def _page(document: Docx) -> None:
    """A4 portrait with the margins of Russian official letters (ГОСТ Р 7.0.97-2016)."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, SIZE


def _para(
    document: Docx,
    text: str,
    *,
    bold: bool = False,
    size: Length | None = None,
    center: bool = False,
    after: Length | None = None,
) -> Paragraph:
    p = document.add_paragraph()
    _run(p, text, bold=bold, size=size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = after
    return p


def _grid(document: Docx, *, rows: int) -> Table:
    """Two columns without borders: left and right halves of the text width."""
    table: Table = document.add_table(rows=rows, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, (Cm(8.25), Cm(8.25)), strict=True):
        for cell in column.cells:
            cell.width = width
    return table


def _cell_para(
    cell: _Cell, text: str, *, bold: bool = False, size: Length | None = None, right: bool = False
) -> None:
    """A paragraph in a cell (its first, empty one is used first)."""
    first = cell.paragraphs[0]
    p = first if len(cell.paragraphs) == 1 and not first.runs else cell.add_paragraph()
    _run(p, text, bold=bold, size=size)
    p.paragraph_format.space_after = Pt(0)
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _run(p: Paragraph, text: str, *, bold: bool, size: Length | None) -> None:
    run = p.add_run(text)
    run.bold = bold or None
    if size is not None:
        run.font.size = size
