"""The METS file of a bag (`data/mets.xml`): every object with its SHA-256 (fileSec), the
structure dossier → document → files (structMap), Dublin Core of each record (dmdSec) and the
PREMIS events of each document and its objects from hoso's event log (digiprovMD), so an
archive's own tools read the bag without knowing hoso. Written with the standard library's
ElementTree and the standard namespaces (METS 1.x, PREMIS 3, Dublin Core, XLink).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

METS = "http://www.loc.gov/METS/"
PREMIS = "http://www.loc.gov/premis/v3"
DC = "http://purl.org/dc/elements/1.1/"
XLINK = "http://www.w3.org/1999/xlink"
for _prefix, _uri in (("mets", METS), ("premis", PREMIS), ("dc", DC), ("xlink", XLINK)):
    ET.register_namespace(_prefix, _uri)

MIME = {
    "pdf": "application/pdf",
    "json": "application/json",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tif": "image/tiff",
    "tiff": "image/tiff",
}

# hoso's event types as PREMIS 3 event types (id.loc.gov/vocabulary/preservation/eventType);
# those without a fitting term keep hoso's own word. The hoso word is always in eventDetail.
PREMIS_EVENT_TYPES = {
    "ingested": "ingestion",
    "derived": "creation",
    "processed": "creation",
    "fields_extracted": "metadata extraction",
    "cross_checked": "validation",
    "reviewed": "metadata modification",
    "records_updated": "metadata modification",
    "fixity_check": "fixity check",
    "verified": "digital signature validation",
    "retrieved": "dissemination",
    "exported": "information package creation",
    "imported": "accession",
}


@dataclass(frozen=True)
class MetsFile:
    """One object of the bag: its path under `data/`, checksum, size and use."""

    path: str
    sha256: str
    size: int
    use: str  # original | pdfa | json | …


# Characters XML 1.0 does not allow (ElementTree writes them as they are, and no reader then
# parses the document): a station's batch name with a control character would otherwise make
# every bag holding its documents unreadable, and so every export of them fail.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _sub(parent: ET.Element, namespace: str, tag: str, text: str | None = None,
         **attributes: str) -> ET.Element:  # fmt: skip
    cleaned = {name: _xml_text(value) for name, value in attributes.items()}
    element = ET.SubElement(parent, f"{{{namespace}}}{tag}", cleaned)
    if text is not None:
        element.text = _xml_text(text)
    return element


def mets_xml(bag_id: str, organisation: str, created: str, records: list[dict[str, Any]]) -> bytes:
    """The METS document of a bag holding `records` (the documents' hoso JSON, see
    `package.document_record`)."""
    root = ET.Element(f"{{{METS}}}mets", {"OBJID": bag_id, "LABEL": "hoso export", "TYPE": "SIP"})
    header = _sub(root, METS, "metsHdr", CREATEDATE=created)
    agent = _sub(header, METS, "agent", ROLE="CREATOR", TYPE="ORGANIZATION")
    _sub(agent, METS, "name", organisation)
    files = _files_by_key(records)
    for number, record in enumerate(records, 1):
        _dublin_core(root, number, record)
    for number, record in enumerate(records, 1):
        _provenance(root, number, record)
    _file_section(root, files)
    _structure(root, records, files)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _files_by_key(records: list[dict[str, Any]]) -> dict[str, tuple[str, MetsFile]]:
    """Each object once (several documents split from one scanned file share it), by key."""
    found: dict[str, tuple[str, MetsFile]] = {}
    for record in records:
        for item in record["objects"]:
            if item["key"] not in found:
                found[item["key"]] = (
                    f"file-{len(found) + 1}",
                    MetsFile(f"objects/{item['key']}", item["sha256"], item["size"], item["use"]),
                )
    return found


def _dublin_core(root: ET.Element, number: int, record: dict[str, Any]) -> None:
    section = _sub(root, METS, "dmdSec", ID=f"dmd-{number}")
    wrap = _sub(section, METS, "mdWrap", MDTYPE="DC")
    data = _sub(wrap, METS, "xmlData")
    sheet = {f["name"]: f["value"] for f in record["records"]["fields"]}
    _sub(data, DC, "identifier", record["identifier"])
    _sub(data, DC, "title", str(sheet.get("title") or record["title"]))
    if record.get("doc_type"):
        _sub(data, DC, "type", record["doc_type"])
    if sheet.get("language"):
        _sub(data, DC, "language", str(sheet["language"]))
    _sub(data, DC, "date", record["created_at"])
    if sheet.get("format"):
        _sub(data, DC, "format", f"application/pdf; {sheet['format']}")
    if sheet.get("agency"):
        _sub(data, DC, "publisher", str(sheet["agency"]))
    if record.get("dossier"):
        _sub(data, DC, "relation", f"dossier:{record['dossier']['code']}")


def _provenance(root: ET.Element, number: int, record: dict[str, Any]) -> None:
    section = _sub(root, METS, "amdSec", ID=f"amd-{number}")
    for event in record["events"]:
        holder = _sub(section, METS, "digiprovMD", ID=f"event-{number}-{event['id']}")
        wrap = _sub(holder, METS, "mdWrap", MDTYPE="PREMIS:EVENT")
        _premis_event(_sub(wrap, METS, "xmlData"), record, event)


def _premis_event(parent: ET.Element, record: dict[str, Any], event: dict[str, Any]) -> None:
    element = _sub(parent, PREMIS, "event")
    identifier = _sub(element, PREMIS, "eventIdentifier")
    _sub(identifier, PREMIS, "eventIdentifierType", "hoso event")
    _sub(identifier, PREMIS, "eventIdentifierValue", str(event["id"]))
    kind = event["event_type"]
    _sub(element, PREMIS, "eventType", PREMIS_EVENT_TYPES.get(kind, kind))
    _sub(element, PREMIS, "eventDateTime", event["at"])
    details = _sub(element, PREMIS, "eventDetailInformation")
    _sub(details, PREMIS, "eventDetail", _event_detail(event))
    outcome = _sub(element, PREMIS, "eventOutcomeInformation")
    _sub(outcome, PREMIS, "eventOutcome", event["outcome"])
    agent = _sub(element, PREMIS, "linkingAgentIdentifier")
    _sub(agent, PREMIS, "linkingAgentIdentifierType", "hoso agent")
    _sub(agent, PREMIS, "linkingAgentIdentifierValue", event["agent"])
    linked = [("hoso record", record["identifier"])] if event["of_document"] else []
    if event.get("object_key"):
        linked.append(("hoso object key", event["object_key"]))
    for kind_of_id, value in linked:
        link = _sub(element, PREMIS, "linkingObjectIdentifier")
        _sub(link, PREMIS, "linkingObjectIdentifierType", kind_of_id)
        _sub(link, PREMIS, "linkingObjectIdentifierValue", value)


def _event_detail(event: dict[str, Any]) -> str:
    """hoso's event word, and who signed a copy (the scan operator's signature)."""
    text = f"hoso:{event['event_type']}"
    signed = (event.get("detail") or {}).get("signed_by")
    if isinstance(signed, dict) and signed.get("certificate"):
        text += f"; digital signature generation by {signed['certificate']}"
    return text


def _file_section(root: ET.Element, files: dict[str, tuple[str, MetsFile]]) -> None:
    section = _sub(root, METS, "fileSec")
    groups: dict[str, ET.Element] = {}
    for file_id, item in files.values():
        if item.use not in groups:
            groups[item.use] = _sub(section, METS, "fileGrp", USE=item.use)
        extension = item.path.rsplit(".", 1)[-1].lower() if "." in item.path else ""
        element = _sub(
            groups[item.use], METS, "file", ID=file_id,
            MIMETYPE=MIME.get(extension, "application/octet-stream"),
            SIZE=str(item.size), CHECKSUM=item.sha256, CHECKSUMTYPE="SHA-256",
        )  # fmt: skip
        location = _sub(element, METS, "FLocat", LOCTYPE="URL")
        location.set(f"{{{XLINK}}}href", item.path)


def _structure(
    root: ET.Element, records: list[dict[str, Any]], files: dict[str, tuple[str, MetsFile]]
) -> None:
    """dossier → document → its files; documents outside any dossier under one division."""
    structure = _sub(root, METS, "structMap", TYPE="logical", LABEL="dossiers")
    top = _sub(structure, METS, "div", TYPE="export")
    dossiers: dict[str, ET.Element] = {}
    for number, record in enumerate(records, 1):
        code = record["dossier"]["code"] if record.get("dossier") else None
        label = code or "(no dossier)"
        if label not in dossiers:
            dossiers[label] = _sub(top, METS, "div", TYPE="dossier", LABEL=label)
        division = _sub(
            dossiers[label], METS, "div", TYPE="document", LABEL=record["title"],
            DMDID=f"dmd-{number}", ADMID=f"amd-{number}",
        )  # fmt: skip
        for item in record["objects"]:
            _sub(division, METS, "fptr", FILEID=files[item["key"]][0])


def listed_files(document: bytes) -> Iterable[tuple[str, str, int]]:
    """(path under data/, SHA-256, size) of every file a METS document lists."""
    root = ET.fromstring(document)
    for element in root.iter(f"{{{METS}}}file"):
        location = element.find(f"{{{METS}}}FLocat")
        href = location.get(f"{{{XLINK}}}href") if location is not None else None
        yield href or "", (element.get("CHECKSUM") or "").lower(), int(element.get("SIZE") or -1)
