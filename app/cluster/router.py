"""The admin's view of the processes serving the desk: who leads routing, who follows, who went quiet."""

from __future__ import annotations

from fastapi import APIRouter

from app.cluster.lease import list_processes
from app.cluster.schemas import ProcessList, ProcessRead
from app.deps import Admin, DbSession, DeskDep

router = APIRouter(tags=["cluster"])


@router.get("/cluster/processes", response_model=ProcessList)
async def processes(_admin: Admin, db: DbSession, desk: DeskDep) -> ProcessList:
    """Every process on the roll call, the routing lease's holder and its fencing epoch."""
    lease = desk.lease
    if lease is None:  # the embedded desk: one process, always leading
        me = ProcessRead(
            node_id=None, role="leader", alive=True, this_process=True, started_at=None, seen_at=None
        )
        return ProcessList(cluster=False, lease_epoch=None, leader=None, processes=[me])
    view = await lease.view()
    seen = await list_processes(db, alive_within_s=2 * lease.ttl_s)
    return ProcessList(
        cluster=desk.cluster,
        lease_epoch=view.epoch if view is not None else None,
        leader=view.node_id if view is not None and not view.expired else None,
        processes=[
            ProcessRead(
                node_id=p.node_id,
                role="leader" if p.role == "leader" else "follower",
                alive=p.alive,
                this_process=p.instance == lease.instance,
                started_at=p.started_at,
                seen_at=p.seen_at,
            )
            for p in seen
        ],
    )
