"""The staff's pages that read every domain: the forum's settings, challenges, team and tickets,
the control page that runs the room, and moderation.

They stand above the domains and keep their blueprints' names (``forums_manage``,
``ideas_manage``), so no ``url_for`` changed when they moved here.
"""
