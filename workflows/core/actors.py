"""Who acts: a staff member, a citizen or the system, with the scope that limits them."""

from dataclasses import dataclass

from models import ActorKind, Channel, Role, Staff


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None
    role: Role | None = None
    municipality_id: int | None = None  # None for a staff role: every municipality (regional)
    sector_id: int | None = None
    channel: Channel = Channel.api
    token_id: int | None = None  # the API token acting (BOOTSTRAP_TOKEN_ID: MCU_ADMIN_TOKEN)
    signs: bool = False  # authorised to sign off 59-ФЗ answers (staff.signs): sees those waiting

    @classmethod
    def system(cls) -> "Actor":
        return cls(kind=ActorKind.system, channel=Channel.system)

    @classmethod
    def of_staff(cls, staff: Staff, *, channel: Channel) -> "Actor":
        return cls(
            kind=ActorKind.staff,
            id=staff.id,
            role=staff.role,
            municipality_id=staff.municipality_id,
            sector_id=staff.sector_id,
            channel=channel,
            signs=staff.signs,
        )

    @classmethod
    def of_citizen(cls, citizen_id: int, *, channel: Channel) -> "Actor":
        return cls(kind=ActorKind.citizen, id=citizen_id, channel=channel)

    def sees_municipality(self, municipality_id: int) -> bool:
        """Staff of one municipality see only it; the system and regional roles see all."""
        if self.kind is ActorKind.system:
            return True
        return self.municipality_id is None or self.municipality_id == municipality_id
