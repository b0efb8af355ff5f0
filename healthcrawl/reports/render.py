"""The bulletin's back ends: markdown, HTML and docx, each drawing the one
:class:`~healthcrawl.reports.outline.Outline` of an issue (labels and order come from there)."""

from __future__ import annotations

import html
import io
import re

from healthcrawl.reports.outline import Block, Bulletin, Outline, Section, Text, outline


FORMATS = ("docx", "md", "html")
# Fonts: 宋体 for text and 黑体 for headings (East Asian), Times New Roman for Latin text.
BODY_FONT_EA, HEADING_FONT_EA, LATIN_FONT = "宋体", "黑体", "Times New Roman"

# --- rendering: markdown ---------------------------------------------------------------------------
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def md_escape(text: str) -> str:
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def _md(text: Text) -> str:
    return f"{text.label}{md_escape(text.value)}{text.suffix}"


def _md_block(block: Block) -> list[str]:
    if block.kind == "heading":
        return [f"### {_md(block.text)}", ""]
    if block.kind == "link":
        return [_md(block.text), "", f"<{block.href}>" if block.href else md_escape(block.url), ""]
    if block.kind == "headline":
        return [f"**{_md(block.text)}**", ""]
    if block.kind == "body":
        return [line for para in block.paragraphs for line in (md_escape(para), "")]
    return [_md(block.text), ""]


def _md_section(section: Section) -> list[str]:
    out = [f"## {section.heading}", ""]
    for block in section.blocks:
        out += _md_block(block)
    if section.toc:
        out += [f"{n}. {md_escape(e.title)}{_md(e.source)}" for n, e in enumerate(section.toc, 1)] + [""]
    for entry in section.entries:
        for block in entry.blocks:
            out += _md_block(block)
    return out


def render_md(b: Bulletin) -> str:
    o = outline(b)
    out = [f"# {md_escape(o.header)}", ""]
    for section in o.sections:
        out += _md_section(section)
    return "\n".join(out)


# --- rendering: html --------------------------------------------------------------------------------
_CSS = """
body{font-family:"Songti SC","SimSun","宋体",serif;max-width:48em;margin:2em auto;padding:0 1em;line-height:1.8;color:#111}
h1{font-family:"Heiti SC","SimHei","黑体",sans-serif;font-size:1.5em;text-align:center;border-bottom:1px solid #444;padding-bottom:.4em}
h2,h3,h4{font-family:"Heiti SC","SimHei","黑体",sans-serif}
h2{font-size:1.25em;margin-top:1.6em}h3{font-size:1.1em;margin-top:1.6em}h4{text-align:center}
.site{color:#444}.dateline{text-align:center;color:#444}.body p{text-indent:2em}
a{color:#1a4fa0;word-break:break-all}
""".strip()


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _h(text: Text) -> str:
    return f"{_e(text.label)}{_e(text.value)}{_e(text.suffix)}"


def _html_block(block: Block) -> list[str]:
    if block.kind == "heading":
        return [f"<h3>{_h(block.text)}</h3>"]
    if block.kind == "link":
        anchor = (f'<a href="{_e(block.href)}" rel="noopener noreferrer nofollow">{_e(block.url)}</a>'
                  if block.href else f"<span>{_e(block.url)}</span>")
        return [f"<p>{_h(block.text)}<br>{anchor}</p>"]
    if block.kind == "headline":
        return [f"<h4>{_h(block.text)}</h4>"]
    if block.kind == "dateline":
        return [f'<p class="dateline">{_h(block.text)}</p>']
    if block.kind == "body":
        return ['<div class="body">', *(f"<p>{_e(para)}</p>" for para in block.paragraphs), "</div>"]
    return [f"<p>{_h(block.text)}</p>"]


def _html_section(section: Section) -> list[str]:
    out = [f'<section id="{section.id}">', f"<h2>{_e(section.heading)}</h2>"]
    for block in section.blocks:
        out += _html_block(block)
    if section.toc:
        out += ["<ol>", *(f'<li><a href="#{e.anchor}">{_e(e.title)}</a><br>'
                          f'<span class="site">{_h(e.source)}</span></li>' for e in section.toc), "</ol>"]
    for entry in section.entries:
        out.append(f'<article id="{entry.anchor}">')
        for block in entry.blocks:
            out += _html_block(block)
        out.append("</article>")
    return out + ["</section>"]


def _html_head(o: Outline) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        # nothing in the page may load or run anything: stored text is data, never markup
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(o.name)} · {_e(o.header)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
    ]


def render_html(b: Bulletin) -> str:
    o = outline(b)
    out = [*_html_head(o), "<body>", f"<header><h1>{_e(o.header)}</h1></header>", "<main>"]
    for section in o.sections:
        out += _html_section(section)
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


# --- rendering: docx --------------------------------------------------------------------------------
def _set_fonts(rpr_parent, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Fonts on a style/run rPr: East Asian font via w:eastAsia, theme fonts removed (they win)."""
    from docx.oxml.ns import qn

    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        from docx.oxml import OxmlElement

        lang = OxmlElement("w:lang")
        # schema order: w:lang comes before these (Word rejects misordered rPr children)
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _setup_styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    styles = document.styles
    # document defaults too, so any run without a style still gets the Chinese font
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
            fonts = rpr_default.find(qn("w:rPr")).find(qn("w:rFonts"))
            if fonts is not None:
                for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                    fonts.attrib.pop(qn(attr), None)
                fonts.set(qn("w:ascii"), LATIN_FONT)
                fonts.set(qn("w:hAnsi"), LATIN_FONT)
                fonts.set(qn("w:eastAsia"), BODY_FONT_EA)
            lang = rpr_default.find(qn("w:rPr")).find(qn("w:lang"))
            if lang is not None:
                lang.set(qn("w:eastAsia"), "zh-CN")
    normal = styles["Normal"]
    _set_fonts(normal.element, BODY_FONT_EA)
    normal.font.size = Pt(12)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.5
    for name, size in (("Title", 18), ("Heading 1", 15), ("Heading 2", 13)):
        style = styles[name]
        _set_fonts(style.element, HEADING_FONT_EA)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        linked = f"{name} Char"  # the character style Word links to the paragraph style
        if linked in [s.name for s in styles]:
            _set_fonts(styles[linked].element, HEADING_FONT_EA)
    styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(styles["List Number"].element, BODY_FONT_EA)
    if "Hyperlink" not in [s.name for s in styles]:
        link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link.base_style = styles["Default Paragraph Font"]
        link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
        link.font.underline = True
        link.unhide_when_used = True
        link.priority = 99
        # Word's built-in "Hyperlink" style, not a custom one (Word would rename a custom one)
        link.element.attrib.pop(qn("w:customStyle"), None)


def add_hyperlink(paragraph, url: str, text: str) -> None:
    """A real w:hyperlink (external relationship) around one run styled "Hyperlink"."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), r_id)
    hyperlink.set(qn("w:history"), "1")
    run = paragraph.add_run(text, style="Hyperlink")
    hyperlink.append(run._r)  # moves the run from the paragraph into the hyperlink
    paragraph._p.append(hyperlink)


def _docx_block(document, block: Block) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if block.kind == "heading":
        document.add_heading(block.text.plain, level=2)
    elif block.kind == "link":
        document.add_paragraph(block.text.plain)
        p = document.add_paragraph()
        if block.href:
            add_hyperlink(p, block.href, block.url)
        else:
            p.add_run(block.url)
    elif block.kind == "headline":
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(block.text.plain)
        run.bold = True
        run.font.size = Pt(14)
    elif block.kind == "dateline":
        document.add_paragraph(block.text.plain).alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif block.kind == "body":
        for para in block.paragraphs:
            document.add_paragraph(para).paragraph_format.first_line_indent = Pt(24)
    else:
        document.add_paragraph(block.text.plain)


def _docx_section(document, section: Section) -> None:
    document.add_heading(section.heading, level=1)
    for block in section.blocks:
        _docx_block(document, block)
    for entry in section.toc:
        p = document.add_paragraph(style="List Number")
        p.add_run(entry.title)
        p.add_run().add_break()
        p.add_run(entry.source.plain)
    for item in section.entries:
        for block in item.blocks:
            _docx_block(document, block)


def _docx_page(document, o: Outline) -> None:
    from docx.shared import Cm

    section = document.sections[0]  # A4, the usual margins of Chinese official documents
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(3.17)
    props = document.core_properties
    props.title = f"{o.name} {o.issue}"
    props.author = o.centre
    props.language = "zh-CN"
    props.subject = o.name


def render_docx(b: Bulletin) -> bytes:
    from docx import Document

    o = outline(b)
    document = Document()
    _setup_styles(document)
    _docx_page(document, o)
    document.add_paragraph(o.header, style="Title")
    for section in o.sections:
        _docx_section(document, section)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(b: Bulletin, fmt: str) -> bytes:
    if fmt == "docx":
        return render_docx(b)
    if fmt == "html":
        return render_html(b).encode("utf-8")
    if fmt == "md":
        return render_md(b).encode("utf-8")
    raise ValueError(f"unknown bulletin format {fmt!r}; use one of {', '.join(FORMATS)}")
