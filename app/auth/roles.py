"""Who may do what: each set of roles a route admits, named once, and the roles' Japanese names.

Routes take these through the `Annotated` aliases in `app.deps`; pages that check a principal by hand test
membership in the same sets, so a screen and its API never disagree.
"""

from __future__ import annotations

from app.auth.principal import DEVICE
from app.enums import Role

COUNSELORS: tuple[str, ...] = (Role.counselor, Role.admin)
"""Counselors and the desk's admin: handle cases, records, chats and bookings."""

FRONT: tuple[str, ...] = (Role.counselor, Role.admin, Role.counter_staff, DEVICE)
"""Everyone at the front line (counter staff and tablets too): open cases and run their calls."""

CASE_READERS: tuple[str, ...] = (Role.counter_staff, Role.counselor, Role.coordinator, Role.admin, DEVICE)
"""The front line and coordinators: read cases (coordinators within their municipality)."""

OFFICE: tuple[str, ...] = (Role.counselor, Role.coordinator, Role.admin)
"""Staff in the office: read case records and make resident links."""

STAFF: tuple[str, ...] = (Role.counselor, Role.admin, Role.coordinator, Role.interpreter)
"""Every signed-in staff member who sees bookings."""

COUNTER: tuple[str, ...] = (DEVICE, Role.counter_staff)
"""The counter itself: a registered tablet or counter staff."""

INTERPRETERS: tuple[str, ...] = (Role.interpreter,)
"""Interpreters: answer offers and say where they are."""

POOL_MEMBERS: tuple[str, ...] = (Role.interpreter, Role.counselor)
"""Members of the routing pool, whose presence the desk tracks."""

REPORT_READERS: tuple[str, ...] = (Role.coordinator, Role.admin)
"""Who reads the monthly reports, and the admin area read-only: pool, vendors, devices, the desk's calendar
and resident links (only admins change them)."""

ADMINS: tuple[str, ...] = (Role.admin,)
"""The desk's admin alone: the processes serving the desk."""

ROLE_JA: dict[str, str] = {
    Role.counter_staff: "窓口職員",
    Role.counselor: "相談員",
    Role.coordinator: "コーディネーター",
    Role.admin: "管理者",
    Role.interpreter: "通訳者",
    DEVICE: "登録端末",
}
"""The roles' names on the Japanese staff screens."""
