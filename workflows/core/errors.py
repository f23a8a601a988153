"""Domain errors: each carries a reason a person can read (Russian) and a stable code."""


class DomainError(Exception):
    """Base of refusals: the request is understood and refused; nothing was changed."""

    code = "refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Invalid(DomainError):
    code = "invalid"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class StaleVersion(DomainError):
    code = "stale"
