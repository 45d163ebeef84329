"""The district layer of the gazetteer: every district of the frontier on both sides, with its
province, its border sector (or none, away from the border) and the names datasets use."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.geography import Sector


class District(Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(3))
    province: Mapped[str] = mapped_column(String(200))
    province_slug: Mapped[str] = mapped_column(String(200), index=True)
    # The sector whose stretch of the border the district touches; None away from the border.
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    on_border: Mapped[bool] = mapped_column(Boolean, default=False)
    # The district seat (or centre), for placing events the file locates only by coordinates.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    source_url: Mapped[str | None] = mapped_column(String(2000))

    sector: Mapped[Sector | None] = relationship()
    aliases: Mapped[list[DistrictAlias]] = relationship(
        back_populates="district", cascade="all, delete-orphan", order_by="DistrictAlias.id"
    )


class DistrictAlias(Base):
    """Another spelling: the agency and district forms, old and new names, native scripts."""

    __tablename__ = "district_aliases"
    __table_args__ = (UniqueConstraint("district_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(200))

    district: Mapped[District] = relationship(back_populates="aliases")
