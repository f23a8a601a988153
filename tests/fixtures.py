"""A small municipality for tests: two sectors, one village, staff for every role, rules."""

TEST_SETUP = """
municipality:
  code: testmo
  name: Тестовый муниципальный округ
  number_prefix: ТСТ
  tz: Europe/Moscow
  work_hours: {start: "09:00", end: "18:00"}
sectors:
  - {code: zhkh, name: ЖКХ}
  - {code: roads, name: Дороги}
localities:
  - {code: village, name: село Тестовое}
  - {code: hamlet, name: хутор Малый}
staff:
  - {code: head, name: Руководитель МЦУ, role: head}
  - {code: curator, name: Куратор, role: curator}
  - {code: operator, name: Оператор, role: operator}
  - {code: admin, name: Администратор, role: admin}
  - {code: lead_zhkh, name: Руководитель блока ЖКХ, role: sector_lead, sector: zhkh}
  - {code: lead_roads, name: Руководитель блока дорог, role: sector_lead, sector: roads}
  - {code: water, name: Исполнитель водоснабжение, role: recipient, sector: zhkh}
  - {code: heat, name: Исполнитель отопление, role: recipient, sector: zhkh}
  - {code: roadman, name: Исполнитель дороги, role: recipient, sector: roads}
policies:
  - {code: msg, kind: message, clock: working_days, length: 10,
     take: {clock: working_hours, length: 4}}
  - {code: fz59, kind: appeal_59fz, clock: calendar_days, length: 30,
     take: {clock: working_days, length: 1}, extension_needs_head: true, forward_days: 7}
  - {code: inc, kind: incident, clock: working_hours, length: 8,
     ladder: [{code: urgent, anchor: due, offset: "+4h", notify: [head], urgent: true}]}
routing:
  - {code: water, keywords: [вода, водопровод, "прорыв трубы"], assignee: water}
  - {code: hamlet_roads, sector: roads, locality: hamlet, assignee: lead_roads}
  - {code: roads, keywords: [дорога, яма], assignee: roadman}
"""
