"""Campaign set-up (issue 21): the organisers' wizard that creates a
campaign whole (title, year, limits, award tracks, domains, the five phases
in Asia/Shanghai, the vote's rules and the panel's settings), copies last
year's, and edits a set-up before the campaign opens, so that organisers
need no Django admin for it.

A subpackage of voting because it writes both apps' settings: the case
registry's part through cases.services (setup), the vote's and the panel's
through their services. Same shape as an app: ``services``, ``forms``,
``views``, ``urls`` (included by voting.urls, names ``voting:setup-*``)."""
