"""The preview server: a Starlette application over one campaign folder.

It watches the campaign's files (watchfiles); on each change it checks the campaign again
and re-renders the copies a browser has open (:mod:`.renders`), then tells every open page
through server-sent events, and the page fetches its new content. It answers only requests
addressed to itself (the Host and Origin headers name it: no DNS rebinding) and serves only
the campaign's outputs, the page images it drew and its own assets, each looked up by name
in what it knows, never by a path from the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from ..batch.build import BuildPlan, plan_build
from ..campaign.plan import Output
from ..errors import CampaignInvalid, Problem, UndersignedError
from .renders import Rendered, Renders
from .views import campaign_view, copy_error, located

WATCHED_COPIES = 4
"""How many of the copies opened last are kept rendered as their inputs change."""
KEEPALIVE_SECONDS = 15.0
"""How often an idle event stream sends a comment, so that proxies and browsers keep it."""
ASSETS = {"serve.css": "text/css; charset=utf-8", "serve.js": "text/javascript; charset=utf-8"}
IGNORED_FOLDERS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".hypothesis",
                   ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def own_hosts(host: str, port: int) -> set[str]:
    """The Host headers that name this server (``127.0.0.1:8000``, ``localhost:8000``…)."""
    names = {host}
    if is_loopback(host) or host in ("0.0.0.0", "::"):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    if ":" in host and not host.startswith("["):
        names.add(f"[{host}]")
    return {f"{name}:{port}" for name in names} | ({*names} if port == 80 else set())


class Preview:
    """The state of the preview: the campaign as last checked, the copies as last rendered."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.page_dir = Path(tempfile.mkdtemp(prefix="undersigned-serve-"))
        self.renders = Renders(self.root, self.page_dir)
        self.plan: BuildPlan | None = None
        self.problems: list[Problem] = []
        self.title = self.root.name
        self.rendered: dict[str, Rendered] = {}
        self.rendering: set[str] = set()
        self.watched: list[str] = []
        self.version = 0
        self.changed = asyncio.Event()
        self._round: asyncio.Task | None = None
        self._refreshing = asyncio.Lock()

    # --- what is known -----------------------------------------------------------------
    def outputs(self) -> dict[str, Output]:
        return {p.output.stem: p.output for p in self.plan.items} if self.plan else {}

    def pdf_path(self, name: str) -> Path | None:
        """The output file called ``name``, if the plan lists it and it is a regular file
        inside the output folder (a link out of it is never followed)."""
        if self.plan is None:
            return None
        names = {f for p in self.plan.everything for f in p.files}
        if name not in names:
            return None
        out_dir = self.plan.loaded.output_dir
        path = out_dir / name
        try:
            if path.is_symlink() or not path.is_file():
                return None
            if not path.resolve().is_relative_to(out_dir.resolve()):
                return None
        except OSError:
            return None
        return path

    def page_path(self, name: str) -> Path | None:
        known = {page.name for r in self.rendered.values() for page in r.pages}
        return self.page_dir / name if name in known else None

    def _announce(self) -> None:
        self.version += 1
        self.changed.set()
        self.changed = asyncio.Event()

    # --- checking and rendering --------------------------------------------------------
    async def refresh(self) -> None:
        """Check the campaign again, then re-render the copies that are open."""
        async with self._refreshing:
            plan, problems = await asyncio.to_thread(self._check)
            self.plan, self.problems = plan, problems
            if plan is not None:
                self.title = plan.loaded.campaign.title or self.root.name
                known = self.outputs()
                self.watched = [s for s in self.watched if s in known]
            self._announce()
            self._start_round()

    def _check(self) -> tuple[BuildPlan | None, list[Problem]]:
        try:
            plan = plan_build(self.root)
        except CampaignInvalid as exc:
            return None, list(exc.problems)
        except UndersignedError as exc:
            return None, [Problem(str(self.root / "campaign.yaml"), message=str(exc))]
        return plan, list(plan.loaded.warnings)

    def watch(self, stem: str) -> None:
        """Keep ``stem`` rendered from now on (it was opened); render it now if need be."""
        fresh = stem not in self.watched
        self.watched = [stem] + [s for s in self.watched if s != stem][:WATCHED_COPIES - 1]
        if fresh and stem not in self.rendered:
            self._start_round()

    def _start_round(self) -> None:
        outputs = self.outputs()
        wanted = [outputs[s] for s in self.watched if s in outputs]
        if self.plan is None:
            for stem in self.watched:  # the problems replace the pages until fixed
                self.rendered[stem] = Rendered(stem, error="the campaign has problems",
                                               problems=self.problems)
            return
        if not wanted:
            return
        if self._round is not None:
            self._round.cancel()
        self.rendering = {o.stem for o in wanted}
        handle = self.renders.start(wanted)
        self._round = asyncio.get_running_loop().create_task(self._collect(handle, wanted))

    async def _collect(self, handle, wanted: list[Output]) -> None:
        number, worker = handle
        queue: asyncio.Queue = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def pump() -> None:
            for rendered in self.renders.results(worker, wanted):
                loop.call_soon_threadsafe(queue.put_nowait, rendered)
            loop.call_soon_threadsafe(queue.put_nowait, None)

        loop.run_in_executor(None, pump)
        while (rendered := await queue.get()) is not None:
            if number != self.renders.round:
                return
            self.rendered[rendered.stem] = rendered
            self.rendering.discard(rendered.stem)
            self._announce()
        if number == self.renders.round:
            self.rendering = set()
            # The copies' new states on the campaign page, once the round is over (the
            # end of the round can arrive with its last copy: look when it has).
            self.plan = (await asyncio.to_thread(self._check))[0] or self.plan
            self._announce()

    def close(self) -> None:
        self.renders.stop()
        shutil.rmtree(self.page_dir, ignore_errors=True)

    # --- watching files ------------------------------------------------------------------
    def watched_paths(self) -> list[Path]:
        out_dir = (self.plan.loaded.output_dir if self.plan else self.root / "outputs").resolve()
        paths = []
        for entry in sorted(self.root.iterdir()):
            if entry.is_dir() and not entry.is_symlink() and entry.name not in IGNORED_FOLDERS \
                    and not entry.name.startswith(".") and entry.resolve() != out_dir:
                paths.append(entry)
        return paths

    async def watch_files(self) -> None:
        """Refresh on every change to the campaign's files (its folders, and the files at
        its top), never on what the output folder or a virtual environment holds."""
        from watchfiles import DefaultFilter, awatch

        out_dir = str((self.plan.loaded.output_dir if self.plan else self.root / "outputs")
                      .resolve())
        default = DefaultFilter()

        def relevant(change, path: str) -> bool:
            return default(change, path) and not path.startswith(out_dir + os.sep) \
                and not os.path.basename(path).endswith(".part")

        async def follow(paths, recursive: bool) -> None:
            async for _ in awatch(*paths, watch_filter=relevant, recursive=recursive,
                                  debounce=400, step=30):
                await self.refresh()

        tasks = [follow([self.root], False)]
        if folders := self.watched_paths():
            tasks.append(follow(folders, True))
        await asyncio.gather(*tasks)


def create_app(root: Path, host: str, port: int, watch: bool = True):
    """The Starlette application serving the preview of the campaign in ``root``."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.responses import (FileResponse, HTMLResponse, PlainTextResponse, Response,
                                     StreamingResponse)
    from starlette.routing import Route

    preview = Preview(root)
    pages = Environment(loader=PackageLoader("undersigned.serve", "templates"),
                        autoescape=select_autoescape(default=True), trim_blocks=True,
                        lstrip_blocks=True)
    allowed = own_hosts(host, port)
    origins = {f"http://{name}" for name in allowed}

    def page(template: str, request, **values) -> HTMLResponse:
        part = request.query_params.get("part") == "main"
        html = pages.get_template(template).render(part=part, version=preview.version,
                                                   title=preview.title, **values)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def campaign(request):
        view = campaign_view(preview.root, preview.plan, preview.problems, preview.rendered,
                             preview.rendering, preview.title)
        return page("campaign.html", request, view=view)

    async def copy(request):
        stem = request.path_params["stem"]
        outputs = preview.outputs()
        if preview.plan is not None and stem not in outputs:
            return PlainTextResponse(f"no copy called {stem} in this campaign", 404)
        preview.watch(stem)
        output = outputs.get(stem)
        last = preview.rendered.get(stem)
        errors = copy_error(preview.root, last) if last and not last.pages else []
        if preview.plan is None:
            errors = [located(preview.root, p) for p in preview.problems]
        siblings = [o for o in outputs.values() if output and o.document == output.document]
        return page("copy.html", request, stem=stem, output=output, rendered=last,
                    errors=errors, siblings=siblings, busy=stem in preview.rendering)

    async def signon(request):
        from ..answers.signatures import signatures
        from ..model.signon import Answer

        document = request.path_params["document"]
        try:
            report = await asyncio.to_thread(signatures, preview.root, document)
        except UndersignedError as exc:
            return page("signon.html", request, document=document, report=None,
                        error=str(exc), groups={})
        groups = {answer.value: report.with_answer(answer) for answer in Answer}
        return page("signon.html", request, document=document, report=report, error=None,
                    groups=groups)

    async def pdf(request):
        path = preview.pdf_path(request.path_params["name"])
        if path is None:
            return PlainTextResponse("not found", 404)
        kind = "application/pdf" if path.suffix == ".pdf" else "text/plain; charset=utf-8"
        return FileResponse(path, media_type=kind, headers={"Cache-Control": "no-store"})

    async def page_image(request):
        path = preview.page_path(request.path_params["name"])
        if path is None:
            return PlainTextResponse("not found", 404)
        return FileResponse(path, media_type="image/png",
                            headers={"Cache-Control": "max-age=86400, immutable"})

    async def asset(request):
        name = request.path_params["name"]
        if name not in ASSETS:
            return PlainTextResponse("not found", 404)
        body = resources.files("undersigned.serve").joinpath("assets", name).read_bytes()
        return Response(body, media_type=ASSETS[name])

    async def events(request):
        async def stream():
            seen = -1
            yield "retry: 500\n\n"
            while True:
                if preview.version != seen:
                    seen = preview.version
                    yield f"data: {seen}\n\n"
                changed = preview.changed
                try:
                    await asyncio.wait_for(changed.wait(), KEEPALIVE_SECONDS)
                except asyncio.TimeoutError:
                    yield ": idle\n\n"
                if await request.is_disconnected():
                    return

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    async def refuse_strangers(scope, receive, send, app):
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        why = None
        if headers.get("host", "").lower() not in allowed:
            why = "refused: the Host header does not name this server"
        elif "origin" in headers and headers["origin"].lower() not in origins:
            why = "refused: the request comes from another site"
        if why:
            await PlainTextResponse(why, 403)(scope, receive, send)
        else:
            await app(scope, receive, send)

    class Guard:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                await refuse_strangers(scope, receive, send, self.app)
            else:
                await self.app(scope, receive, send)

    async def lifespan(app):
        await preview.refresh()
        watcher = asyncio.get_running_loop().create_task(preview.watch_files()) if watch \
            else None
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            preview.close()

    from contextlib import asynccontextmanager

    routes = [Route("/", campaign), Route("/copy/{stem}", copy),
              Route("/signon/{document}", signon), Route("/outputs/{name}", pdf),
              Route("/pages/{name}", page_image), Route("/assets/{name}", asset),
              Route("/events", events)]
    app = Starlette(routes=routes, lifespan=asynccontextmanager(lifespan))
    app.state.preview = preview
    return Guard(app)
