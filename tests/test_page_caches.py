"""Every page cache (``cite_vote.page_caches.REGISTRY``), checked the same way.

(a) Its template, parsed, shows no path that its key leaves out: each variable path the
template shows (following ``extends``, ``include``, ``import`` and the blocks it renders) must
be a key field, a person's mark or declared fixed, so a template edit that shows something new
fails here until the key says how it enters.

(b) The page served from the cache equals the page rendered with the caches emptied, for two
people and after a change of what it shows.
"""

from __future__ import annotations

import pytest
from jinja2 import nodes

from cite_vote.page_caches import REGISTRY, SAME_FOR_EVERYONE, TRANSLATIONS

CACHES = list(REGISTRY.values())


# --- (a) the templates against the keys ----------------------------------------------------------


class Shown:
    """The variable paths a template shows, as dotted strings: ``a.b``; ``a[]`` for an entry
    of ``a`` (``a[x]``, ``a.get(x)``) and ``a[].b`` for a field of it, also through a loop
    variable or a ``set`` that names it."""

    def __init__(self, env, skip_blocks=()):
        self.env, self.skip_blocks = env, set(skip_blocks)
        self.paths: set[str] = set()
        self.seen_templates: set[str] = set()

    # The path an expression stands for, or None (a constant, a computed value).
    def path(self, node, scope) -> str | None:
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            return node.name
        if isinstance(node, nodes.Getattr):
            base = self.path(node.node, scope)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, nodes.Getitem):
            base = self.path(node.node, scope)
            self.visit(node.arg, scope)
            if base is None:
                return None
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, int):
                return base  # a tuple's part: the tuple is shown
            return f"{base}[]"
        return None

    def add(self, node, scope):
        path = self.path(node, scope)
        if path:
            self.paths.add(path)

    def call(self, node, scope):
        target = node.node
        if isinstance(target, nodes.Getattr) and target.attr == "get":
            base = self.path(target.node, scope)
            if base:
                self.paths.add(f"{base}[]")
        elif isinstance(target, nodes.Getattr):
            self.add(target.node, scope)  # a method: its object is shown
        elif isinstance(target, nodes.Name) and target.name not in scope:
            name = target.name
            self.paths.add("current_locale" if name in TRANSLATIONS else name)
        for child in (*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs):
            if child is not None:
                self.visit(child, scope)

    def alias(self, node, scope) -> str | None:
        """The path a ``set`` or a loop gives a name to."""
        if isinstance(node, nodes.Call):
            target = node.node
            if isinstance(target, nodes.Getattr) and target.attr == "get":
                base = self.path(target.node, scope)
                return f"{base}[]" if base else None
            return None
        return self.path(node, scope)

    def bind(self, target, value_path, scope):
        if isinstance(target, nodes.Name):
            scope[target.name] = value_path
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, value_path, scope)
        elif isinstance(target, nodes.NSRef):
            pass

    def template(self, name: str, scope: dict):
        source = self.env.loader.get_source(self.env, name)[0]
        self.seen_templates.add(name)
        self.body(self.env.parse(source).body, scope)

    def body(self, items, scope):
        for item in items:
            self.visit(item, scope)

    def visit(self, node, scope):
        if node is None:
            return
        if isinstance(node, nodes.Extends):
            # The parent's blocks are overridden by the child's, which are visited too.
            self.template(node.template.value, dict(scope))
        elif isinstance(node, nodes.Block):
            if node.name not in self.skip_blocks:
                self.body(node.body, scope)
        elif isinstance(node, nodes.Include):
            self.template(node.template.value, scope)
        elif isinstance(node, (nodes.FromImport, nodes.Import)):
            name = node.template.value
            if name not in self.seen_templates:
                self.template(name, {})
            names = node.names if isinstance(node, nodes.FromImport) else [node.target]
            for entry in names:
                local = entry[1] or entry[0] if isinstance(entry, tuple) else entry
                scope[local] = None
        elif isinstance(node, nodes.Macro):
            inner = dict(scope)
            for argument in node.args:
                inner[argument.name] = None
            for default in node.defaults:
                self.visit(default, scope)
            inner.update(caller=None, varargs=None, kwargs=None)
            scope[node.name] = None
            self.body(node.body, inner)
        elif isinstance(node, nodes.Assign):
            self.visit(node.node, scope)
            self.bind(node.target, self.alias(node.node, scope), scope)
        elif isinstance(node, nodes.AssignBlock):
            self.body(node.body, scope)
            self.bind(node.target, None, scope)
        elif isinstance(node, nodes.For):
            self.visit(node.iter, scope)
            inner = dict(scope)
            source = self.alias(node.iter, scope)
            self.bind(node.target, f"{source}[]" if source else None, inner)
            inner["loop"] = None
            if node.test is not None:
                self.visit(node.test, inner)
            self.body(node.body, inner)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.Call):
            self.call(node, scope)
        elif isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            self.add(node, scope)
            if isinstance(node, nodes.Getitem):
                self.path(node, scope)
        elif isinstance(node, nodes.Test) and node.name == "defined":
            pass  # "is defined" shows nothing
        elif isinstance(node, nodes.Node):
            for child in node.iter_child_nodes():
                self.visit(child, scope)


def shown_by(app, cache) -> set[str]:
    """Every path ``cache``'s template shows, but the names every template gets alike."""
    shown = Shown(app.jinja_env, cache.skip_blocks)
    source = app.jinja_env.loader.get_source(app.jinja_env, cache.template)[0]
    tree = app.jinja_env.parse(source)
    if cache.block:
        [block] = [b for b in tree.find_all(nodes.Block) if b.name == cache.block]
        for node in tree.body:  # the template's imports serve the block too
            if isinstance(node, (nodes.FromImport, nodes.Import)):
                shown.visit(node, {})
        shown.body(block.body, {})
    else:
        shown.body(tree.body, {})
    return {
        path
        for path in shown.paths
        if path.split(".")[0].split("[")[0] not in SAME_FOR_EVERYONE | {"loop", "caller"}
    }


def covered(path: str, declared: set[str]) -> bool:
    """Whether a key field, a mark or a fixed value stands for ``path``: the same path, one
    it is part of (``forum`` covers ``forum.slug``), or one of its parts (a template that only
    tests ``pending`` is covered by ``pending[].title``)."""
    for field in declared:
        if path == field:
            return True
        if path.startswith(field) and path[len(field)] in ".[":
            return True
        if field.startswith(path) and field[len(path)] in ".[":
            return True
    return False


@pytest.mark.parametrize("cache", CACHES, ids=lambda cache: cache.name)
def test_every_path_the_template_shows_is_in_the_key(app, cache):
    declared = cache.shown | set(cache.marks) | set(cache.fixed)
    missing = sorted(path for path in shown_by(app, cache) if not covered(path, declared))
    assert missing == [], f"{cache.template} shows {missing}, which {cache.name}'s key lacks"
