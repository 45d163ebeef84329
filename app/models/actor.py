"""The parties: armed forces, groups, governments and civilians."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, one_of
from app.models.vocab import ActorKind


class Actor(Base):
    __tablename__ = "actors"
    __table_args__ = (one_of("kind", ActorKind, "kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(Text, default="")
    # The group this actor belongs to (the Frontier Corps to Pakistan's state forces, a faction
    # to its movement): filtering by the group includes its members.
    member_of_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))

    member_of: Mapped[Actor | None] = relationship(remote_side=[id], back_populates="members")
    members: Mapped[list[Actor]] = relationship(back_populates="member_of", order_by="Actor.name")
    names: Mapped[list[ActorName]] = relationship(
        back_populates="actor", cascade="all, delete-orphan", order_by="ActorName.id"
    )

    @property
    def aliases(self) -> list[str]:
        return [n.name for n in self.names if n.kind == "alias"]

    @property
    def acled_names(self) -> list[str]:
        return [n.name for n in self.names if n.kind == "acled"]


class ActorName(Base):
    """Another name an actor goes by: a common alias, or its name in ACLED data."""

    __tablename__ = "actor_names"
    __table_args__ = (
        UniqueConstraint("actor_id", "kind", "name"),
        one_of("kind", ("alias", "acled"), "kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))

    actor: Mapped[Actor] = relationship(back_populates="names")
