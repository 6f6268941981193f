from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from app.deps import DbSession
from app.topic.models import Topic

router = APIRouter(tags=["reference data"])


class TopicRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_ja: str
    name_en: str


@router.get("/topics", response_model=list[TopicRead])
async def list_topics(db: DbSession) -> list[TopicRead]:
    """Consultation topics in the order of the national one-stop statistics."""
    rows = await db.scalars(select(Topic).where(Topic.active.is_(True)).order_by(Topic.sort_order))
    return [TopicRead.model_validate(t) for t in rows]
