"""The centre's figures: summary, recipient rating, heat map, growth points, overdue and decisions,
with their charts and files.

One package of queries for the API, the weekly note and the dashboard, a module per report.
Every figure is an SQL aggregate over `item` (indexed by municipality and moment); Python only
shapes the small results. Working time comes from `take_wsec`/`answer_wsec`, which the lifecycle stamps on the
item from the municipality's calendar when it is taken or answered (see docs/reports.md).

Which items a figure counts:
- received, by channel and kind: registered in the period;
- taken / answered / closed / reopened: that moment falls in the period;
- answered late: answered in the period after the deadline then in force;
- time to take / to answer: working time from registration, for items taken / answered in it;
- satisfaction (share "solved", mean rating): items answered in the period with feedback;
- open and overdue: now, whatever the period (the backlog the head must see).
"""
