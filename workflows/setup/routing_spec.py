"""The setup's `routing:` section: the ordered rules (a list, as before) or a mapping with the
rules and the learned routing's settings (threshold, history size, category → sector table)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workflows.routing.categories import SPB_CATEGORIES


class LearnedRoutingSpec(BaseModel):
    """How the classifier routes: by itself from `auto_at` (absent: suggestions only), on its own
    model from `own_from` decisions (retrained every Monday unless `retrain` is false), and the
    starter model's categories as sector codes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    auto_at: float | None = Field(default=None, ge=0.5, le=1.0)
    own_from: int = Field(default=300, ge=40, le=1_000_000)
    categories: dict[str, str] = Field(default_factory=dict)
    retrain: bool = True  # the weekly retraining (workflows/routing/weekly.py); false: CLI only

    @field_validator("retrain", mode="before")
    @classmethod
    def _yes_or_no(cls, value: Any) -> Any:
        if not isinstance(value, bool):  # «нет», 0 or "off" would silently mean something
            shown = str(value)[:40]
            raise ValueError(
                "routing.retrain: укажите true (переобучать модель каждую неделю) или false "
                f"(только командой mcu routing train), а не «{shown}»"
            )
        return value

    @model_validator(mode="after")
    def _known_categories(self) -> "LearnedRoutingSpec":
        unknown = sorted(set(self.categories) - set(SPB_CATEGORIES))
        if unknown:
            raise ValueError(
                "routing.categories: неизвестные категории "
                + ", ".join(f"«{c}»" for c in unknown)
                + " (допустимы категории корпуса spb-appeals: "
                + "; ".join(SPB_CATEGORIES)
                + ")"
            )
        return self

    def stored(self) -> dict[str, Any]:
        """What `municipality.routing` keeps; an absent threshold is not written, nor `retrain`
        unless it is off (a row without it, from before it existed, retrains)."""
        out = self.model_dump(exclude_none=True)
        if self.retrain:
            del out["retrain"]
        return out

    def problems(self, sectors: set[str]) -> list[str]:
        """Sector codes the table names that the setup has not."""
        return [
            f"routing.categories: «{category}» → нет блока «{code}»"
            for category, code in self.categories.items()
            if code not in sectors
        ]


def split_routing(raw: Any) -> Any:
    """Before validation: a `routing:` mapping gives its `rules` to the rules and the rest to
    the learned routing; a list stays the rules. Anything else is left for pydantic to refuse."""
    if isinstance(raw, dict) and "learned_routing" in raw:
        raise ValueError("learned_routing: настройки модели указываются внутри routing")
    if not isinstance(raw, dict) or not isinstance(raw.get("routing"), dict):
        return raw
    section = dict(raw["routing"])
    out = dict(raw)
    out["routing"] = section.pop("rules", [])
    out["learned_routing"] = section
    return out
