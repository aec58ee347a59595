"""xl/styles.xml with the few cell formats the annotations need appended.

The part is edited as text: new <font>, <fill> and <xf> elements go before the closing tag of
their list and the list's count is updated, so every existing style keeps its index and its
bytes (extension lists and namespace prefixes included).
"""
from __future__ import annotations

import re

from .xlsx_xml import PackageError, attributes

DEFAULT_STYLES = (  # for a package that has no styles part at all
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')

WRAP_TOP = '<{p}alignment vertical="top" wrapText="1"/>'
CENTRED = '<{p}alignment horizontal="center" vertical="center" wrapText="1"/>'


class Styles:
    """The workbook's styles.xml as text, appended to (see the module docstring)."""

    def __init__(self, xml: bytes | None):
        self.text = (xml or DEFAULT_STYLES.encode()).decode("utf-8")
        root = re.search(r"<(?:([A-Za-z_][\w.-]*):)?styleSheet\b", self.text)
        self.prefix = f"{root.group(1)}:" if root and root.group(1) else ""
        self._has_style_xfs = bool(self._children("cellStyleXfs", "xf"))
        self._bold_font: int | None = None

    def to_bytes(self) -> bytes:
        return self.text.encode("utf-8")

    # ------------------------------------------------------------ what a cell format holds

    def fill_and_border(self, xf_index: int) -> tuple[int, int]:
        """fillId and borderId of cell format `xf_index` (0, 0 when there is no such format)."""
        tags = self._children("cellXfs", "xf")
        if not 0 <= xf_index < len(tags):
            return 0, 0
        attrs = attributes(tags[xf_index].encode("utf-8"))
        return _int(attrs.get("fillId")), _int(attrs.get("borderId"))

    # ------------------------------------------------------------ adding formats

    def bold_font(self) -> int:
        """The workbook's default font (font 0), bold: looks like the user's text, only heavier."""
        if self._bold_font is None:
            p = self.prefix
            fonts = self._children("fonts", "font", whole=True)
            base = fonts[0] if fonts else f"<{p}font/>"
            base = re.sub(rf"<{p}b\b[^>]*/>", "", base)
            if base.endswith("/>"):
                bold = base[:-2] + f"><{p}b/></{p}font>"
            else:
                start = base.index(">") + 1
                bold = base[:start] + f"<{p}b/>" + base[start:]
            self._bold_font = self._append("fonts", bold)
        return self._bold_font

    def solid_fill(self, rgb: str) -> int:
        p = self.prefix
        return self._append("fills", f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/>'
                                     f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')

    def cell_format(self, font: int = 0, fill: int = 0, border: int = 0, alignment: str = "") -> int:
        """A new cellXfs entry; returns its index, the value of a cell's s attribute."""
        p = self.prefix
        parent = ' xfId="0"' if self._has_style_xfs else ""
        applied = "".join(f' apply{name}="1"' for name, used in
                          (("Font", font), ("Fill", fill), ("Border", border), ("Alignment", alignment)) if used)
        body = alignment.format(p=p)
        tag = f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}"{parent}{applied}'
        return self._append("cellXfs", f"{tag}>{body}</{p}xf>" if body else f"{tag}/>")

    # ------------------------------------------------------------ editing a list as text

    def _section(self, name: str) -> re.Match | None:
        p = re.escape(self.prefix)
        return re.search(rf"<{p}{name}\b([^>]*?)(/>|>(.*?)</{p}{name}>)", self.text, re.DOTALL)

    def _children(self, section: str, child: str, whole: bool = False) -> list[str]:
        found = self._section(section)
        if not found or found.group(3) is None:
            return []
        p = re.escape(self.prefix)
        pattern = rf"<{p}{child}\b[^>]*?(?:/>|>.*?</{p}{child}>)" if whole else rf"<{p}{child}\b[^>]*>"
        return re.findall(pattern, found.group(3), re.DOTALL)

    def _append(self, section: str, element: str) -> int:
        """Append `element` to the list `section` (creating the list if needed); its index."""
        child = {"fonts": "font", "fills": "fill", "cellXfs": "xf"}[section]
        found = self._section(section)
        if found is None:
            raise PackageError(f"styles.xml has no <{section}>")
        count = len(self._children(section, child))
        p = self.prefix
        start = re.sub(r'\s+count="[^"]*"', "", found.group(1))
        content = found.group(3) or ""
        replacement = f'<{p}{section}{start} count="{count + 1}">{content}{element}</{p}{section}>'
        self.text = self.text[:found.start()] + replacement + self.text[found.end():]
        return count


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0
