"""The test municipality with what 59-ФЗ appeals need: a глава, an officer for ПОС, the
registration rungs of the ladder and a directory of competent bodies."""

from tests.fixtures import TEST_SETUP

STAFF_AFTER = "  - {code: admin, name: Администратор, role: admin}\n"
POLICY_END = "extension_needs_head: true, forward_days: 7}"
LADDER = (
    "extension_needs_head: true, forward_days: 7, ladder: ["
    "{code: register_warn, anchor: register_due, offset: '-1wd', notify: [pos_officer]}, "
    "{code: register_late, anchor: register_due, offset: '+0', notify: [pos_officer, head]}]}"
)
BODIES = """
bodies:
  - {code: police, name: Отдел полиции, address: "368410, с. Тестовое, ул. Мира, 1"}
  - {code: housing, name: Жилищная инспекция, email: gzhi@example.ru}
"""
assert STAFF_AFTER in TEST_SETUP and POLICY_END in TEST_SETUP
APPEAL_SETUP = (
    TEST_SETUP.replace(
        STAFF_AFTER,
        STAFF_AFTER
        + "  - {code: glava, name: Глава муниципалитета, role: glava}\n"
        + "  - {code: pos, name: Ответственный за ПОС, role: pos_officer}\n",
    ).replace(POLICY_END, LADDER)
    + BODIES
)
