"""A VK community the deployment answers in: its id, its token's client (paced at VK's 20
requests a second, shared by replies and notices), the municipalities it serves, and what the
Callback API needs (secret, confirmation code)."""

import asyncio
from dataclasses import dataclass

from bot.registry import Registry, Served
from bot.vk.transport import VkClient
from models import Channel
from workflows.jobs.runtime import Runtime
from workflows.setup.bots import BotSpec


@dataclass
class Community(Served):
    group_id: int = 0
    client: VkClient | None = None
    secret: str | None = None
    confirmation: str | None = None
    callback: bool = False  # events by Callback API (else this process long-polls)

    @property
    def budget(self) -> str:
        return f"vk:{self.group_id}"

    @property
    def dialog(self) -> str:
        """The community's part of a dialog's key (a person talks to each community apart)."""
        return str(self.group_id)

    @property
    def api(self) -> VkClient:
        assert self.client is not None, "a community is made with its client"
        return self.client

    async def send(
        self,
        peer_id: int,
        text: str,
        *,
        random_id: int,
        keyboard: str | None = None,
        attachment: str | None = None,
    ) -> None:
        """One message to a conversation (VK drops a repeated random_id)."""
        values: dict[str, object] = {"peer_id": peer_id, "message": text, "random_id": random_id}
        if keyboard is not None:
            values["keyboard"] = keyboard
        if attachment:
            values["attachment"] = attachment
        await self.api.call("messages.send", values, chat=str(peer_id))


def make_client(rt: Runtime, token: str, group_id: int) -> VkClient:
    """A client whose every call waits for its turn in the community's budget."""
    return _paced_client(rt, token, f"vk:{group_id}", rt.settings.vk_per_second, per_chat=True)


SERVICE_BUDGET = "vk:service"


def make_service_client(rt: Runtime, token: str) -> VkClient:
    """A client for the application's service token, the one VK lets read walls: its budget
    (MCU_VK_WALL_PER_SECOND, under VK's 5 a second for a service key) is its own — VK counts
    per token, so the communities' 20 a second stay the bots' and wall.createComment's."""
    return _paced_client(rt, token, SERVICE_BUDGET, rt.settings.vk_wall_per_second)


def _paced_client(
    rt: Runtime, token: str, budget: str, per_second: float, *, per_chat: bool = False
) -> VkClient:
    """A VK client whose calls take turns in `budget` (per conversation too, for a bot)."""

    async def pace(chat: str | None) -> None:
        await rt.sender.limits.acquire(
            budget,
            (chat or "") if per_chat else "",
            per_second=per_second,
            chat_interval=0.0,
            clock=rt.clock,
            sleep=asyncio.sleep,
        )

    return VkClient(
        token,
        api_base=rt.settings.vk_api_base,
        timeout=rt.settings.vk_timeout,
        pace=pace,
        per_second=per_second,
    )


class Communities(Registry[Community]):
    """The deployment's VK communities."""

    def __init__(self, rt: Runtime) -> None:
        def make(spec: BotSpec) -> Community | None:
            if spec.group_id is None:
                return None
            client = make_client(rt, spec.token.get_secret_value(), spec.group_id)
            return Community(group_id=spec.group_id, client=client)

        def update(c: Community, spec: BotSpec) -> None:
            c.secret = spec.secret.get_secret_value() if spec.secret else None
            c.confirmation, c.callback = spec.confirmation, spec.callback

        super().__init__(rt, Channel.vk, make, update)

    def close(self) -> None:
        """Let the communities' threads go (at shutdown)."""
        for c in self._bots.values():
            c.api.close()

    async def get(self, group_id: int) -> Community | None:
        return next((c for c in await self.all() if c.group_id == group_id), None)
