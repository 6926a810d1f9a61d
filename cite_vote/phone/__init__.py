"""The phone's pages: the forum, a challenge and its ideas, the dots, and the reads behind them.

They stand above the domains (a phone page shows the forum, the person, the ideas and their
dots at once) and keep their blueprints' names (``forums``, ``ideas``, ``votes``), so no
``url_for`` changed when they moved here.
"""
