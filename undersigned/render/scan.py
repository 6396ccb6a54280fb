"""Reading templates without rendering them: what each reaches, which phrases it uses,
and what is wrong with it (missing, not UTF-8, not parsing), at its file and line."""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateNotFound, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from ..errors import Problems, did_you_mean
from ..model.yamlfile import decode_utf8
from ..resources import TEMPLATES_DIR
from .environment import TemplateOutsideCampaign, template_label

class TemplateScan:
    """Reads templates once each: the phrases they use, the templates they reach, their faults.

    Faults are problems for ``check``: a template that is missing where another
    names it, that does not parse, or that is not UTF-8, each at its file and line.
    """

    def __init__(self, env: SandboxedEnvironment, campaign_root: Path | None):
        self.env = env
        self.root = campaign_root
        self._parsed: dict[str, tuple | None] = {}
        self.faults: list[tuple[str, int, int, str]] = []
        """(file label, line, column, message) of every fault found so far."""

    def label(self, name: str) -> str:
        path = self._path(name)
        return template_label(str(path) if path else None, self.root, name)

    def _path(self, name: str) -> Path | None:
        folders = []
        if self.root is not None:
            folders.append((self.root / "templates").resolve())
        folders.append(TEMPLATES_DIR)
        bare = name.removeprefix("builtin/")
        for folder in folders[-1:] if name.startswith("builtin/") else folders:
            if (folder / bare).is_file():
                return folder / bare
        return None

    def parse(self, name: str):
        """(phrases, references, dynamic) of one template; None if it cannot be read."""
        if name in self._parsed:
            return self._parsed[name]
        self._parsed[name] = None
        try:
            source, filename, _ = self.env.loader.get_source(self.env, name)
            tree = self.env.parse(source, name, filename)
        except TemplateNotFound:
            return None
        except TemplateOutsideCampaign as exc:
            self.faults.append((f"templates/{name}", 0, 0, exc.message.split(" ", 1)[1]))
            return None
        except TemplateSyntaxError as exc:
            self.faults.append((self.label(name), exc.lineno, 0,
                                f"template syntax: {exc.message}"))
            return None
        except UnicodeDecodeError:
            found = Problems()
            decode_utf8(self._path(name).read_bytes(), self.label(name), found)
            self.faults += [(p.path, p.line, p.column, p.message) for p in found.items]
            return None
        phrases: dict[str, int] = {}
        for call in tree.find_all(nodes.Call):
            if (isinstance(call.node, nodes.Name) and call.node.name == "t" and call.args
                    and isinstance(call.args[0], nodes.Const)
                    and isinstance(call.args[0].value, str)):
                phrases.setdefault(call.args[0].value, call.lineno)
        references, dynamic = [], False
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import,
                                   nodes.FromImport)):
            if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
                references.append((node.template.value, node.lineno))
            else:
                dynamic = True
        self._parsed[name] = (phrases, references, dynamic)
        return self._parsed[name]

    def reach(self, name: str) -> tuple[list[str], bool]:
        """``name`` and every template it reaches by constant names; whether some name is not
        constant. A reference to a missing template is recorded as a fault."""
        seen: list[str] = []
        dynamic = False
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.append(current)
            parsed = self.parse(current)
            if parsed is None:
                continue
            _, references, uses_expression = parsed
            dynamic = dynamic or uses_expression
            for target, line in references:
                if self.exists(target):
                    todo.append(target)
                else:
                    names = self.env.list_templates()  # "builtin/..." names included
                    fault = (self.label(current), line, 0,
                             f"there is no template '{target}' in templates/ or among the "
                             "built-in ones" + did_you_mean(target, names))
                    if fault not in self.faults:
                        self.faults.append(fault)
        return seen, dynamic

    def exists(self, name: str) -> bool:
        return template_exists(self.env, name)

    def phrases(self, name: str) -> dict[str, tuple[str, int]]:
        """Phrase key -> (file label, line) for every phrase ``name`` and what it reaches use."""
        used: dict[str, tuple[str, int]] = {}
        for reached in self.reach(name)[0]:
            parsed = self.parse(reached)
            if parsed is not None:
                for key, line in parsed[0].items():
                    used.setdefault(key, (self.label(reached), line))
        return used


def templates_reached(env: SandboxedEnvironment, name: str) -> tuple[list[str], bool]:
    """``name`` and every template it extends, includes or imports by a constant name, and
    whether some template names another by an expression, which this cannot follow."""
    return TemplateScan(env, None).reach(name)


def template_exists(env: SandboxedEnvironment, name: str) -> bool:
    """Whether ``name`` is a template of the campaign or a built-in one (one that is there
    but unusable counts: reading it says why)."""
    try:
        env.loader.get_source(env, name)
    except TemplateNotFound:
        return False
    except (UnicodeDecodeError, TemplateOutsideCampaign):
        return True
    return True
