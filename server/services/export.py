"""Bulk export of everything public: every expression (AKN), amendments (AKN and JSON), bill metadata (JSON)
and consultation comments (CSV, through the consultation export, which leaves out who wrote them).

Layout of the archive::

    bills.json                                   every bill's metadata and versions
    bills/<id>/metadata.json                     one bill, with its working text's provisions
    bills/<id>/versions/<n>.akn.xml              each published expression, byte for byte as stored
    bills/<id>/amendments.json                   the bill's amendments
    bills/<id>/amendments/<amendment id>.akn.xml each amendment as an AKN amendment document
    bills/<id>/consultations/<id>.csv            the visible comments of each consultation
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.services import amendments, bills, consultation_views
from server.services.consultation import ConsultationSettings
from server.services.publication import expression_bytes
from server.store.consultation_models import Consultation

ExportFile = tuple[str, bytes]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def bill_ids(session: Session) -> list[int]:
    return [bill.id for bill in bills.list_bills(session)]


def bill_files(session: Session, bill_id: int, settings: ConsultationSettings) -> Iterator[ExportFile]:
    """The files of one bill."""
    bill = bills.get_bill(session, bill_id)
    prefix = f"bills/{bill_id}"
    yield f"{prefix}/metadata.json", _json(bills.bill_detail(session, bill))
    for expression in bills.versions(session, bill_id):
        yield f"{prefix}/versions/{expression.version}.akn.xml", expression_bytes(session, expression)
    # The public's: drafts are their members' own until tabled.
    rows = amendments.list_for_bill(session, bill_id, None)
    links = amendments.conflict_links(session, rows, None)
    yield f"{prefix}/amendments.json", _json({"amendments": [amendments.to_dict(a, links[a.id]) for a in rows]})
    for amendment in rows:
        yield f"{prefix}/amendments/{amendment.id}.akn.xml", amendments.amendment_document(session, amendment)
    for consultation_id in session.scalars(
        select(Consultation.id).where(Consultation.bill_id == bill_id).order_by(Consultation.id)
    ):
        csv = consultation_views.export_csv(consultation_views.export_rows(session, consultation_id, settings))
        yield f"{prefix}/consultations/{consultation_id}.csv", csv.encode("utf-8")


def index_file(session: Session) -> ExportFile:
    return "bills.json", _json({"bills": [bills.bill_detail(session, b) | {"provisions": None}
                                          for b in bills.list_bills(session)]})


def write_zip(session: Session, target: IO[bytes], settings: ConsultationSettings) -> int:
    """Write the whole archive to ``target``; returns the number of files."""
    count = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in chain([index_file(session)], *(bill_files(session, bill_id, settings)
                                                               for bill_id in bill_ids(session))):
            archive.writestr(name, content)
            count += 1
    return count


def write_file(directory: Path, item: ExportFile) -> None:
    path = directory / item[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(item[1])
