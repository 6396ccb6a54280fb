"""The processes of the command line validate with pydantic alone, whatever else is
installed."""

from __future__ import annotations

import sys

PYDANTIC_PLUGIN_LOADER = "pydantic.plugin._loader"
"""The pydantic 2 module that finds plugins among the installed packages' entry points."""


def without_pydantic_plugins() -> None:
    """Give this process a pydantic that finds no plugin.

    pydantic 2 looks for plugins (third-party code that watches or changes validation)
    when it builds the first model: it imports ``importlib.metadata`` and reads every
    installed package's entry points, 20 ms of the 0.4 s ``check`` and a no-op rebuild
    take. A command's result must not depend on what else shares the environment, so the
    command line (``cli.app.main``) and the fork server its workers come from
    (``isolate.preload``) have none: before any model is built, each gets a loader that
    finds no plugin. The library, imported by a program of its own, leaves that program's
    pydantic as it is."""
    if PYDANTIC_PLUGIN_LOADER in sys.modules:
        return
    import types

    loader = types.ModuleType(PYDANTIC_PLUGIN_LOADER, "No pydantic plugin (undersigned).")
    loader.get_plugins = lambda: ()
    sys.modules[PYDANTIC_PLUGIN_LOADER] = loader
