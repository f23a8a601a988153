"""In-process counters of what the channels answered: sends by result, and "too many
requests" (429, VK's error 6) by channel. The worker and the bot serve them on
MCU_METRICS_PORT; the API's /metrics shows its own process's with the queue gauges."""

from prometheus_client import Counter

SENDS = Counter(
    "mcu_outbox_sends",
    "Outbox delivery attempts by channel and result (ok, retry, dead, 429)",
    ["channel", "result"],
)
THROTTLED = Counter(
    "mcu_channel_429_responses", "Too-many-requests answers received, by channel", ["channel"]
)


def count_send(channel: str, result: str) -> None:
    SENDS.labels(channel=channel, result=result).inc()


def count_throttled(channel: str) -> None:
    THROTTLED.labels(channel=channel).inc()
