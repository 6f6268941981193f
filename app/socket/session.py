"""One socket's state: who is on it, what it watches, and the hub topics that follows from that."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.auth.principal import DEVICE, Principal
from app.auth.revocation import topics_of
from app.enums import Role
from app.live import topics


@dataclass
class Session:
    connection_id: str
    principal: Principal | None = None
    credential: str | None = (
        None  # the session cookie or bearer token it signed in with, re-checked per frame
    )
    interpreter_id: int | None = None
    watching: set[str] = field(default_factory=set)
    bad_frames: int = 0

    @property
    def participant(self) -> str | None:
        """Signed-in people are pinned to their own participant id in rooms; tablets and residents are not."""
        if self.interpreter_id is not None:
            return topics.interpreter_participant(self.interpreter_id)
        if self.principal is not None and self.principal.staff_user_id is not None:
            return topics.counselor_participant(self.principal.staff_user_id)
        return None

    @property
    def is_counselor(self) -> bool:
        """A signed-in counselor: has presence in the counselor pool."""
        return self.principal is not None and self.principal.role == Role.counselor


def topics_for(session: Session) -> list[str]:
    """The hub topics a socket hears, from who it is (watched consultations are added as they come)."""
    principal = session.principal
    found = [topics.connection(session.connection_id)]
    if principal is None:
        return found
    found.extend(topics_of(principal))  # closed on sign-out, a disabled account, a revoked device
    if session.interpreter_id is not None:
        found.append(topics.interpreter(session.interpreter_id))
    if principal.staff_user_id is not None:
        found.append(topics.staff(principal.staff_user_id))
    if principal.role in (Role.counselor, Role.admin):
        found.append(topics.DESK)
    if principal.site_id is not None and principal.role in (Role.counter_staff, DEVICE):
        found.append(topics.site(principal.site_id))
    return found
