"""The input .xlsx as a package of parts: which part is which sheet, and the small parts the
annotated copy edits (workbook.xml, its relationships, [Content_Types].xml).

Parts are found the way Excel finds them, through the relationships (_rels/.rels → the workbook
→ its sheets), not by assuming xl/worksheets/sheet1.xml. The small parts are edited as text
(see xlsx_xml) so that whatever the input declares, in whatever prefix, is copied unchanged.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .xlsx_xml import REL_NS, PackageError, attr_xml, attributes, text_xml
from .xlsx_zip import CHUNK, read_ahead

SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
# Parts the copy leaves out: external links (they would fetch other files and, with DDE, run
# programs), the calculation chain (it lists formula cells, and none remain) and macros.
DROPPED_KINDS = {"externalLink", "calcChain", "vbaProject"}
# Sheets of Excel 4 macros or dialogs are programs, not data: such a workbook is rebuilt instead.
UNSUPPORTED_KINDS = {"xlMacrosheet", "xlIntlMacrosheet", "dialogsheet"}

_RELATIONSHIP = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*?"
                           r"(?:/>|>.*?</(?:[A-Za-z_][\w.-]*:)?Relationship>)", re.DOTALL)
_PREFIX = r"<(?:([A-Za-z_][\w.-]*):)?{}\b"


@dataclass
class Relationship:
    id: str
    type: str
    target: str
    external: bool

    @property
    def kind(self) -> str:
        """The last segment of the type URI: worksheet, sharedStrings, externalLink…"""
        return self.type.rsplit("/", 1)[-1]


@dataclass
class SheetEntry:
    name: str
    sheet_id: int
    rel_id: str
    part: str | None  # the zip member, None when the relationship is missing
    kind: str  # worksheet, chartsheet…


@dataclass
class NewSheet:
    name: str
    part: str
    rel_id: str
    sheet_id: int


class Package:
    """Read access to the input package, with its workbook's structure worked out."""

    def __init__(self, path: str | Path):
        self.zip = zipfile.ZipFile(path)
        try:
            self.infos = [i for i in self.zip.infolist() if not i.is_dir()]
            self._by_lower = {i.filename.lower(): i.filename for i in self.infos}
            self.content_types = self.read_text("[Content_Types].xml")
            office = [r for r in self.relationships("") if r.kind == "officeDocument" and not r.external]
            if not office:
                raise PackageError("no workbook part in the package")
            self.workbook_part = self.resolve("", office[0].target)
            self.workbook_xml = self.read_text(self.workbook_part)
            self.workbook_rels = self.relationships(self.workbook_part)
            self.sheets = self._sheet_entries()
        except BaseException:
            self.zip.close()
            raise

    def close(self) -> None:
        self.zip.close()

    # ------------------------------------------------------------ parts

    def member(self, part: str) -> str | None:
        """The zip member holding `part` (part names are case-insensitive), or None."""
        return self._by_lower.get(part.lower()) or self._by_lower.get(unquote(part).lower())

    def read(self, part: str) -> bytes:
        name = self.member(part)
        if name is None:
            raise PackageError(f"missing part {part}")
        return self.zip.read(name)

    def read_text(self, part: str) -> str:
        return self.read(part).decode("utf-8")

    def chunks(self, name: str) -> Iterator[bytes]:
        """The member's bytes, decompressed a chunk at a time (by a helper thread, ahead of
        the reader, when there is more than one chunk)."""
        with self.zip.open(name) as stream:
            if self.zip.getinfo(name).file_size <= CHUNK:
                yield from iter(lambda: stream.read(CHUNK), b"")
            else:
                yield from read_ahead(lambda: stream.read(CHUNK))

    def resolve(self, source: str, target: str) -> str:
        """The part a relationship of `source` points to (targets are relative or absolute)."""
        if target.startswith("/"):
            return posixpath.normpath(target.lstrip("/"))
        return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))

    def relationships(self, part: str) -> list[Relationship]:
        name = self.member(rels_part(part))
        if name is None:
            return []
        text = self.zip.read(name).decode("utf-8")
        found = []
        for tag in _RELATIONSHIP.findall(text):
            attrs = attributes(tag.encode("utf-8"))
            found.append(Relationship(attrs.get("Id", ""), attrs.get("Type", ""), attrs.get("Target", ""),
                                      attrs.get("TargetMode", "") == "External"))
        return found

    # ------------------------------------------------------------ the workbook's structure

    def _sheet_entries(self) -> list[SheetEntry]:
        by_id = {r.id: r for r in self.workbook_rels}
        unsupported = [r for r in self.workbook_rels if r.kind in UNSUPPORTED_KINDS]
        if unsupported:
            raise PackageError(f"the workbook holds a {unsupported[0].kind}")
        entries = []
        for tag in re.findall(r"<(?:[A-Za-z_][\w.-]*:)?sheet\b[^>]*>", self.workbook_xml):
            attrs = attributes(tag.encode("utf-8"))
            rel_id = next((v for k, v in attrs.items() if k.endswith(":id")), "")
            rel = by_id.get(rel_id)
            part = self.member(self.resolve(self.workbook_part, rel.target)) if rel and not rel.external else None
            entries.append(SheetEntry(attrs.get("name", ""), _int(attrs.get("sheetId")), rel_id, part,
                                      rel.kind if rel else ""))
        return entries

    def part_of_kind(self, kind: str) -> str | None:
        """The member of the workbook's (first) relationship of `kind`, e.g. sharedStrings."""
        for rel in self.workbook_rels:
            if rel.kind == kind and not rel.external:
                return self.member(self.resolve(self.workbook_part, rel.target))
        return None

    def dropped_members(self) -> set[str]:
        """Members left out of the copy: DROPPED_KINDS parts, their relationships and what those
        point to (a macro project's signature)."""
        dropped = set()
        for rel in self.workbook_rels:
            if rel.kind not in DROPPED_KINDS or rel.external:
                continue
            part = self.resolve(self.workbook_part, rel.target)
            dropped |= {part, rels_part(part)}
            dropped |= {self.resolve(part, r.target) for r in self.relationships(part) if not r.external}
        return {name for name in map(self.member, dropped) if name}

    def new_part_name(self, pattern: str, taken: set[str]) -> str:
        """pattern.format(n) for the smallest n ≥ 1 naming no existing or `taken` member."""
        n = 1
        while self.member(pattern.format(n)) or pattern.format(n).lower() in taken:
            n += 1
        taken.add(pattern.format(n).lower())
        return pattern.format(n)

    def new_rel_ids(self, count: int) -> list[str]:
        taken = {r.id for r in self.workbook_rels}
        ids, n = [], 1
        while len(ids) < count:
            if f"rId{n}" not in taken:
                ids.append(f"rId{n}")
            n += 1
        return ids


def rels_part(part: str) -> str:
    """The relationships part of `part` ("" is the package itself)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


# ---------------------------------------------------------------- editing the small parts

def edit_workbook(xml: str, new: list[NewSheet], filter_name: str | None, filter_sheet: int) -> str:
    """workbook.xml without external references, with `new` sheets appended to <sheets> and the
    hidden _FilterDatabase name Excel keeps for an auto-filter (`filter_name`, on sheet number
    `filter_sheet`, 0-based)."""
    p = _prefix(xml, "workbook")
    r = _namespace_prefix(xml, REL_NS)
    xml = re.sub(rf"<{p}externalReferences\b[^>]*?(?:/>|>.*?</{p}externalReferences>)", "", xml, flags=re.DOTALL)
    declare = "" if r else f' xmlns:r="{REL_NS}"'
    r = r or "r"
    entries = "".join(f'<{p}sheet name="{attr_xml(s.name)}" sheetId="{s.sheet_id}" {r}:id="{s.rel_id}"{declare}/>'
                      for s in new)
    xml = _insert_before_close(xml, p, "sheets", entries)
    if filter_name:
        defined = (f'<{p}definedName name="_xlnm._FilterDatabase" localSheetId="{filter_sheet}" hidden="1">'
                   f"{text_xml(filter_name)}</{p}definedName>")
        xml = _add_defined_name(xml, p, defined)
    return xml


def _add_defined_name(xml: str, p: str, defined: str) -> str:
    if re.search(rf"<{p}definedNames\b[^>]*/>", xml):
        return re.sub(rf"<{p}definedNames\b([^>]*?)\s*/>",
                      lambda m: f"<{p}definedNames{m.group(1)}>{defined}</{p}definedNames>", xml, count=1)
    if f"</{p}definedNames>" in xml:
        return _insert_before_close(xml, p, "definedNames", defined)
    # <definedNames> comes after <sheets>, <functionGroups> and <externalReferences> (gone now).
    anchor = f"</{p}functionGroups>" if f"</{p}functionGroups>" in xml else f"</{p}sheets>"
    at = xml.index(anchor) + len(anchor)
    return xml[:at] + f"<{p}definedNames>{defined}</{p}definedNames>" + xml[at:]


def edit_relationships(xml: str, dropped_kinds: set[str], added: list[tuple[str, str, str]]) -> str:
    """A relationships part without relationships of `dropped_kinds`, plus `added`
    (id, kind, absolute target) entries."""
    def keep(match: re.Match) -> str:
        kind = attributes(match.group(0).encode("utf-8")).get("Type", "").rsplit("/", 1)[-1]
        return "" if kind in dropped_kinds else match.group(0)

    xml = _RELATIONSHIP.sub(keep, xml)
    p = _prefix(xml, "Relationships")
    entries = "".join(f'<{p}Relationship Id="{rid}" Type="{REL_TYPE}{kind}" Target="{attr_xml(target)}"/>'
                      for rid, kind, target in added)
    return _insert_before_close(xml, p, "Relationships", entries)


def edit_content_types(xml: str, dropped: set[str], workbook_part: str, added: list[tuple[str, str]]) -> str:
    """[Content_Types].xml without overrides for `dropped` members, the workbook declared a plain
    .xlsx workbook (not macro-enabled, not a template), plus `added` (part, type) overrides."""
    p = _prefix(xml, "Types")
    gone = {"/" + name.lower() for name in dropped}
    workbook = "/" + workbook_part.lower()

    def override(match: re.Match) -> str:
        attrs = attributes(match.group(0).encode("utf-8"))
        part = attrs.get("PartName", "").lower()
        if part in gone:
            return ""
        if part == workbook and attrs.get("ContentType") != SHEET_MAIN:
            return f'<{p}Override PartName="{attr_xml(attrs["PartName"])}" ContentType="{SHEET_MAIN}"/>'
        return match.group(0)

    xml = re.sub(rf"<{p}Override\b[^>]*?(?:/>|>\s*</{p}Override>)", override, xml)
    xml = re.sub(rf'<{p}Default\b[^>]*?ContentType="{re.escape(VBA_TYPE)}"[^>]*?(?:/>|>\s*</{p}Default>)', "", xml)
    entries = "".join(f'<{p}Override PartName="/{attr_xml(part)}" ContentType="{kind}"/>' for part, kind in added)
    return _insert_before_close(xml, p, "Types", entries)


def _prefix(xml: str, root: str) -> str:
    """The namespace prefix (with its colon) the part writes `root` with, "" for none."""
    found = re.search(_PREFIX.format(root), xml)
    return f"{found.group(1)}:" if found and found.group(1) else ""


def _namespace_prefix(xml: str, namespace: str) -> str | None:
    found = re.search(rf'xmlns:([A-Za-z_][\w.-]*)="{re.escape(namespace)}"', xml)
    return found.group(1) if found else None


def _insert_before_close(xml: str, p: str, element: str, text: str) -> str:
    if not text:
        return xml
    empty = re.search(rf"<{p}{element}\b([^>]*?)\s*/>", xml)
    close = xml.rfind(f"</{p}{element}>")
    if close < 0 and empty:
        return xml[:empty.start()] + f"<{p}{element}{empty.group(1)}>{text}</{p}{element}>" + xml[empty.end():]
    if close < 0:
        raise PackageError(f"no <{element}> to add to")
    return xml[:close] + text + xml[close:]


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0
