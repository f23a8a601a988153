"""The parts of a setup file that 59-ФЗ appeals need: the letterhead and the competent bodies."""

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LetterheadSpec(_Strict):
    """The heading of every letter the administration sends (59-ФЗ notices and answers)."""

    title: str = Field(min_length=2, max_length=300)  # «Администрация МО «…»»
    address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=64)
    email: EmailStr | None = None
    signatory: str | None = Field(default=None, max_length=300)  # position and name who signs


class BodySpec(_Strict):
    """A competent body appeals may be forwarded to (ст. 8 ч. 3), with where letters go."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="латиница, цифры, _ и -")
    name: str = Field(min_length=2, max_length=300)
    address: str | None = Field(default=None, max_length=500)
    email: EmailStr | None = None

    @model_validator(mode="after")
    def _reachable(self) -> "BodySpec":
        if not self.address and not self.email:
            raise ValueError(
                f"органу «{self.code}» нужен почтовый адрес или e-mail: "
                "иначе сопроводительное письмо не отправить"
            )
        return self
