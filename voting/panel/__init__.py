"""The expert panel: finalists, reviewers, criteria, reviews and marks, the
final standings and the published results (DESIGN.md, "Expert scoring").

A subpackage of ``voting`` rather than an app of its own: the panel starts
where the vote ends (the finalists are cut from voting's tallies, the
standings combine votes with marks), its models keep the app label
``voting`` so their tables, migrations, content types, admin addresses and
permission names ("voting.score_case") stay as they are, and its pages and
API keep the ``voting`` URL namespace. A separate app would move all of
that through SeparateDatabaseAndState migrations for no change a user or a
program could see. Inside, the same shape as an app: ``models``,
``enums``, ``rules`` (permissions), ``services`` (writes), ``selectors`` (reads),
``standings`` (the pure arithmetic), ``forms``, ``views``, ``api``, ``urls``,
``api_urls``; its templates are templates/voting/panel_*.html.
"""
