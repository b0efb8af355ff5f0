"""The bulletin's back ends: markdown, HTML and docx from one :class:`~healthcrawl.reports.outline.Bulletin`."""

from __future__ import annotations

import html
import io
import re

from healthcrawl.reports.outline import BULLETIN_NAME, Bulletin, FORMATS, cn_date, safe_link


# Fonts: 宋体 for text and 黑体 for headings (East Asian), Times New Roman for Latin text.
BODY_FONT_EA, HEADING_FONT_EA, LATIN_FONT = "宋体", "黑体", "Times New Roman"

# --- rendering: markdown ---------------------------------------------------------------------------
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def md_escape(text: str) -> str:
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def render_md(b: Bulletin) -> str:
    out = [f"# {md_escape(b.header)}", "", "## 本期导语：", "", md_escape(b.intro), "", "## 一、信息目录", ""]
    for n, item in enumerate(b.items, 1):
        out.append(f"{n}. {md_escape(item.title)}（{md_escape(item.site_name)}）")
    out += ["", "## 二、具体内容", ""]
    for n, item in enumerate(b.items, 1):
        link = safe_link(item.url)
        out += [f"### {n}.标题：{md_escape(item.title)}", "",
                f"来源：{md_escape(item.site_name)}", "",
                "链接：", "",
                f"<{link}>" if link else md_escape(item.url), "",
                "主要内容：", "",
                f"**{md_escape(item.title)}**", "",
                md_escape(item.dateline), ""]
        for para in item.paragraphs:
            out += [md_escape(para), ""]
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


def render_html(b: Bulletin) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        # nothing in the page may load or run anything: stored text is data, never markup
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(BULLETIN_NAME)} · {_e(b.header)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{_e(b.header)}</h1></header>",
        "<main>",
        '<section id="intro">',
        "<h2>本期导语：</h2>",
        f"<p>{_e(b.intro)}</p>",
        "</section>",
        '<section id="toc">',
        "<h2>一、信息目录</h2>",
        "<ol>",
    ]
    for n, item in enumerate(b.items, 1):
        out.append(f'<li><a href="#item-{n}">{_e(item.title)}</a><br>'
                   f'<span class="site">（{_e(item.site_name)}）</span></li>')
    out += ["</ol>", "</section>", '<section id="content">', "<h2>二、具体内容</h2>"]
    for n, item in enumerate(b.items, 1):
        link = safe_link(item.url)
        anchor = (f'<a href="{_e(link)}" rel="noopener noreferrer nofollow">{_e(item.url)}</a>'
                  if link else f"<span>{_e(item.url)}</span>")
        out += [
            f'<article id="item-{n}">',
            f"<h3>{n}.标题：{_e(item.title)}</h3>",
            f"<p>来源：{_e(item.site_name)}</p>",
            f"<p>链接：<br>{anchor}</p>",
            "<p>主要内容：</p>",
            f"<h4>{_e(item.title)}</h4>",
            f'<p class="dateline">{_e(item.dateline)}</p>',
            '<div class="body">',
            *(f"<p>{_e(para)}</p>" for para in item.paragraphs),
            "</div>",
            "</article>",
        ]
    out += ["</section>", "</main>", "</body>", "</html>", ""]
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


def render_docx(b: Bulletin) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    _setup_styles(document)
    section = document.sections[0]  # A4, the usual margins of Chinese official documents
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(3.17)
    props = document.core_properties
    props.title = f"{BULLETIN_NAME} {cn_date(b.issue_date)}"
    props.author = b.centre
    props.language = "zh-CN"
    props.subject = BULLETIN_NAME

    document.add_paragraph(b.header, style="Title")
    document.add_heading("本期导语：", level=1)
    document.add_paragraph(b.intro)
    document.add_heading("一、信息目录", level=1)
    for item in b.items:
        p = document.add_paragraph(style="List Number")
        p.add_run(item.title)
        p.add_run().add_break()
        p.add_run(f"（{item.site_name}）")
    document.add_heading("二、具体内容", level=1)
    for n, item in enumerate(b.items, 1):
        document.add_heading(f"{n}.标题：{item.title}", level=2)
        document.add_paragraph(f"来源：{item.site_name}")
        document.add_paragraph("链接：")
        p = document.add_paragraph()
        link = safe_link(item.url)
        if link:
            add_hyperlink(p, link, item.url)
        else:
            p.add_run(item.url)
        document.add_paragraph("主要内容：")
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(item.title)
        run.bold = True
        run.font.size = Pt(14)
        p = document.add_paragraph(item.dateline)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for para in item.paragraphs:
            p = document.add_paragraph(para)
            p.paragraph_format.first_line_indent = Pt(24)
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
