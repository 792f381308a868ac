"""The append-only audit trail: one record per change, chained by hash.

Services call :func:`audit_record` inside the same transaction as the change it describes. The
door (admin, api, command, task) and request id come from :func:`audit_door`, set once by the
middleware, the management commands and the tasks.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import datetime as dt
import hashlib
import io
import json
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .errors import InvalidInput
from .exports import csv_cell
from .models import AuditRecord

_LOCK_KEY = 0x434C41494D  # "CLAIM": serialises appends to the chain on PostgreSQL


@dataclass(frozen=True)
class _DoorContext:
    door: str
    request_id: str


_context: contextvars.ContextVar[_DoorContext] = contextvars.ContextVar(
    "claimdesk_audit_door", default=_DoorContext(door=AuditRecord.Door.COMMAND, request_id=""),  # noqa: B039 (frozen)
)


@contextlib.contextmanager
def audit_door(door: str, request_id: str | None = None):
    """Every audit record written inside this block names ``door`` and ``request_id``."""
    token = _context.set(_DoorContext(door=door, request_id=request_id or uuid.uuid4().hex))
    try:
        yield
    finally:
        _context.reset(token)


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return str(value)


def diff(before: dict, after: dict) -> dict:
    """Field-level changes: ``{field: [old, new]}`` for every field whose value differs."""
    out = {}
    for key in after:
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old != new:
            out[key] = [old, new]
    return out


def record_hash(*, prev_hash: str, at, actor_username: str, door: str, request_id: str, action: str,
                object_type: str, object_id: str, changes: dict) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor_username,
            "door": door,
            "request_id": request_id,
            "action": action,
            "object": f"{object_type}:{object_id}",
            "changes": changes,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def lock_chain() -> None:
    """Take the audit chain's lock for the rest of the current transaction.

    Every audited write takes it *first*, before any row lock, so all writers lock in one order
    (chain, then rows) and two of them can never wait on each other. On SQLite the IMMEDIATE
    transaction already serialises writers; the call is a no-op there. Taking it twice is harmless.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_chain must be called inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def audit_record(*, actor, action: str, obj, changes: dict) -> AuditRecord:
    """Append one record to the trail. Must run inside the transaction of the change itself."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change it records")
    lock_chain()
    ctx = _context.get()
    prev = AuditRecord.objects.order_by("-id").values_list("hash", flat=True).first() or ""
    at = timezone.now()
    username = getattr(actor, "username", "") or ""
    actor_id = getattr(actor, "pk", None)
    object_type = obj._meta.model_name
    object_id = str(obj.pk)
    changes = _jsonable(changes)
    fields = dict(
        at=at,
        actor_username=username,
        door=ctx.door,
        request_id=ctx.request_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=changes,
    )
    return AuditRecord.objects.create(
        actor_id=actor_id, prev_hash=prev, hash=record_hash(prev_hash=prev, **fields), **fields
    )


@dataclass
class VerifyResult:
    checked: int
    broken: AuditRecord | None
    reason: str = ""
    head: str = ""  # the hash of the newest record: keep it, and pass it to a later verify
    head_id: int | None = None
    truncated: bool = False  # a head given by the operator is no longer in the chain


def audit_verify(*, expect_head: str = "") -> VerifyResult:
    """Walk the chain oldest first; report the first record whose content or link does not hold.

    The chain alone cannot show that its newest records were deleted (what is left still links up),
    so ``expect_head`` takes a head printed by an earlier run: if no record carries that hash any
    more, the trail was cut after it.
    """
    prev = ""
    checked = 0
    head_id = None
    seen_expected = not expect_head
    for rec in AuditRecord.objects.order_by("id").iterator(chunk_size=2000):
        if rec.prev_hash != prev:
            return VerifyResult(checked, rec, "its link to the previous record is broken", prev, head_id)
        expected = record_hash(
            prev_hash=rec.prev_hash, at=rec.at, actor_username=rec.actor_username, door=rec.door,
            request_id=rec.request_id, action=rec.action, object_type=rec.object_type,
            object_id=rec.object_id, changes=rec.changes,
        )
        if expected != rec.hash:
            return VerifyResult(checked, rec, "its content does not match its hash", prev, head_id)
        prev = rec.hash
        head_id = rec.pk
        seen_expected = seen_expected or rec.hash == expect_head
        checked += 1
    if not seen_expected:
        return VerifyResult(checked, None, f"no record has the head {expect_head} kept from an earlier verify: "
                            "records after it were deleted", prev, head_id, truncated=True)
    return VerifyResult(checked, None, "", prev, head_id)


AUDIT_COLUMNS = ["id", "at", "actor", "door", "request_id", "action", "object_type", "object_id", "changes",
                 "prev_hash", "hash"]


def audit_export(records, fmt: str) -> tuple[str, str]:
    """(content, content type) of audit records as ``json`` or ``csv``."""
    rows = [
        {"id": r.pk, "at": r.at.isoformat(), "actor": r.actor_username, "door": r.door, "request_id": r.request_id,
         "action": r.action, "object_type": r.object_type, "object_id": r.object_id, "changes": r.changes,
         "prev_hash": r.prev_hash, "hash": r.hash}
        for r in records
    ]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n", "application/json"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=AUDIT_COLUMNS)
        writer.writeheader()
        for row in rows:
            # The same formula guard as the claim exports: actors, ids and changes carry untrusted text.
            cells = row | {"changes": json.dumps(row["changes"], ensure_ascii=False, sort_keys=True)}
            writer.writerow({k: v if isinstance(v, int) else csv_cell(v) for k, v in cells.items()})
        return out.getvalue(), "text/csv; charset=utf-8"
    raise InvalidInput(f"audit export format must be json or csv, got {fmt!r}")
