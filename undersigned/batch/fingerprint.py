"""What each output depends on, as one hash: the key of incremental builds.

An output's input hash covers its document, recipient, sender, cases,
signatory list (and signature images), the catalogue of its language, the
templates it reaches, the fonts and the toolkit's version. Change any of them
and exactly the outputs that use it are rebuilt; change nothing and nothing is.
Hashes are computed from the validated models, not by rendering, so that a
no-op build of a thousand letters stays well under a second.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from jinja2 import TemplateNotFound

from .. import __version__
from ..campaign.loaded import LoadedCampaign
from ..campaign.plan import Output
from ..kinds import KINDS, Input
from ..pdf.glyphs import table_directories
from ..render.environment import TemplateOutsideCampaign, make_environment
from ..render.scan import TemplateScan
from ..resources import CJK_FONT, FONTS_DIR, PACKAGE_DIR


def digest_of(*parts: str | bytes) -> str:
    """SHA-256 of a sequence of parts (each length-prefixed, so parts cannot run together)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _model_digest(model) -> str:
    """What a model holds that a copy prints (a document's ``not_printed`` settings left out)."""
    data = model.model_dump(mode="json", exclude=set(getattr(model, "not_printed", ())))
    return digest_of(json.dumps(data, sort_keys=True, ensure_ascii=False))


@lru_cache(maxsize=None)
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    return digest_of(path.read_bytes())


def file_digest(path: Path) -> str:
    """The hash of a file's content (cached while its size and time are unchanged)."""
    stat = path.stat()
    return _file_digest(path, stat.st_size, stat.st_mtime_ns)


def _fonts_digest() -> str:
    """The shipped fonts and the fontconfig file that orders their fallbacks, by content;
    the system's Noto Serif CJK where it is installed, by its table directories (each
    table's checksum and length: 1 KB to read rather than 53 MB to hash)."""
    fonts = sorted(FONTS_DIR.glob("*.ttf")) + [FONTS_DIR / "fonts.conf"]
    parts = [file_digest(p) for p in fonts]
    for path in sorted(CJK_FONT.parent.glob("NotoSerifCJK-*.ttc")):
        try:
            parts.append(path.name + "\0" + digest_of(table_directories(path)))
        except (OSError, ValueError):  # not a font any more: its bytes, whatever they are
            parts.append(path.name + "\0" + _content_or_absent(path))
    return digest_of(*parts)


def _content_or_absent(path: Path) -> str:
    try:
        return file_digest(path)
    except OSError:
        return "<unreadable>"


class Fingerprinter:
    """Computes input hashes for the outputs of one loaded campaign, memoising the parts."""

    def __init__(self, loaded: LoadedCampaign):
        self.loaded = loaded
        self.env = make_environment(loaded.templates_dir)
        self.scan = TemplateScan(self.env, loaded.root)
        self._memo: dict[tuple, str] = {}
        self._base = digest_of(__version__, loaded.campaign.pdf_standard, _fonts_digest())

    def _memoised(self, key: tuple, compute) -> str:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def output_hash(self, output: Output) -> str:
        """The input hash of one output: what the plan says it is made of, and what its
        kind says it depends on."""
        loaded = self.loaded
        document = loaded.campaign.documents[output.document]
        templates = tuple(output.templates)
        # What every copy of the document in this language shares, hashed once (a letter
        # to the 100,000 rows of a table has 100,000 copies).
        shared = self._memoised(("shared", output.document, output.lang, templates),
                                lambda: self._shared_digest(output, document, templates))
        parts = [shared, output.stem, output.kind]
        for item in KINDS[output.kind].inputs(loaded, document, output):
            parts.append(self._memoised(item.key, lambda item=item: self._input_digest(item)))
        return digest_of(*parts)

    def _shared_digest(self, output: Output, document, templates: tuple[str, ...]) -> str:
        loaded = self.loaded
        parts = [
            self._base,
            self._memoised(("document", output.document), lambda: _model_digest(document)),
            self._memoised(("list", document.signatories), lambda: self._list_digest(
                document.signatories)),
            self._memoised(("catalogue", output.lang), lambda: digest_of(json.dumps(
                loaded.catalogues[output.lang].phrases, sort_keys=True, ensure_ascii=False))),
        ]
        for template in templates:
            parts += [template, self._memoised(("template", template),
                                               lambda t=template: self._template_digest(t))]
        parts += [self._memoised(("case", case_id),
                                 lambda case_id=case_id: _model_digest(loaded.cases[case_id]))
                  for case_id in document.cases]
        return digest_of(*parts)

    def _list_digest(self, list_id: str) -> str:
        signatories = self.loaded.lists[list_id]
        images = [file_digest(self.loaded.root / m.signature_image)
                  for m in signatories.signatories if m.signature_image]
        return digest_of(_model_digest(signatories), *images)

    def _input_digest(self, item: Input) -> str:
        return digest_of(_model_digest(item.model),
                         *[file_digest(self.loaded.root / name) for name in item.files])

    def _template_digest(self, name: str) -> str:
        """The templates ``name`` reaches and the files they fetch by URL (stylesheets,
        images, and what those stylesheets fetch), by content."""
        names, dynamic = self.scan.reach(name)
        if dynamic:  # a template chosen by an expression: any template may be used
            names = sorted(self.env.list_templates())
        sources = []
        for template in sorted(set(names)):
            try:
                sources.append(template + "\0" + self.env.loader.get_source(self.env, template)[0])
            except TemplateNotFound:  # its absence is part of the input too
                sources.append(template + "\0<missing>")
            except (UnicodeDecodeError, TemplateOutsideCampaign, OSError):
                sources.append(template + "\0<unreadable>")  # check says why; status must not crash
        root = self.loaded.root
        for path in self.scan.resources(sorted(set(names)), [root, PACKAGE_DIR]):
            try:
                sources.append(f"{path}\0{file_digest(path)}")
            except OSError:
                sources.append(f"{path}\0<unreadable>")
        return digest_of(*sources)
