"""Necks: modules a ``Restorer`` applies to the backbone's output, before the
head (``Restorer(neck=dict(type=...))``). None is registered yet; a module
inserted *into* a backbone is a plugin (``irtoolbox.models.plugins``)."""
