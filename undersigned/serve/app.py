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
MAX_EVENT_STREAMS = 32
"""Open pages (event streams) served at once; more are answered 503, so that a page (or a
site) opening streams without end cannot take every file descriptor."""
MAX_WATCHED_FOLDERS = 1000
"""The most folders of a campaign watched for changes (each is an inotify watch)."""
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
        self.known: set[str] = set()
        """The copies of the last campaign that checked: the only stems that may be
        watched while the campaign has problems (nothing is kept for any other)."""
        self.watch_error: str | None = None
        """Why live reload stopped, shown on every page."""
        self.streams = 0
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
                self.known = set(known)
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
        self.rendered = {s: r for s, r in self.rendered.items()
                         if s in self.watched or s in outputs}  # bounded by the campaign
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
        """The campaign's own folders, each a real folder reached without a link (a link
        to / or /usr is not followed), not the output folder nor a tool's; at most
        MAX_WATCHED_FOLDERS."""
        out_dir = (self.plan.loaded.output_dir if self.plan else self.root / "outputs").resolve()
        folders: list[Path] = []
        pending = [self.root]
        while pending and len(folders) < MAX_WATCHED_FOLDERS:
            folder = pending.pop(0)
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and entry.name not in IGNORED_FOLDERS \
                        and not entry.name.startswith(".") and Path(entry.path) != out_dir:
                    if len(folders) < MAX_WATCHED_FOLDERS:
                        folders.append(Path(entry.path))
                        pending.append(Path(entry.path))
        return folders

    async def watch_files(self) -> None:
        """Refresh on every change to the campaign's files (its folders, and the files at
        its top), never on what the output folder or a virtual environment holds. Each
        folder is watched on its own (no recursive watch follows a link out of the
        campaign); when folders come or go, the watch starts again. If watching fails,
        every page says that live reload stopped, and why."""
        try:
            await self._watch_folders()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the notifier's errors are not ours to type
            reason = " ".join(str(exc).split()) or type(exc).__name__
            self.watch_error = (f"live reload stopped: the campaign's folders cannot be "
                                f"watched ({reason[:300]}); restart undersigned serve after "
                                "fixing it, or reload the page by hand")
            self._announce()

    async def _watch_folders(self) -> None:
        from watchfiles import DefaultFilter, awatch

        out_dir = str((self.plan.loaded.output_dir if self.plan else self.root / "outputs")
                      .resolve())
        default = DefaultFilter()

        def relevant(change, path: str) -> bool:
            return default(change, path) and not path.startswith(out_dir + os.sep) \
                and not os.path.basename(path).endswith(".part")

        while True:
            folders = self.watched_paths()
            async for _ in awatch(self.root, *folders, watch_filter=relevant,
                                  recursive=False, debounce=400, step=30):
                await self.refresh()
                if self.watched_paths() != folders:
                    break  # a folder came or went: watch the new set


def create_app(root: Path, host: str, port: int, watch: bool = True):
    """The Starlette application serving the preview of the campaign in ``root``."""
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.routing import Route

    preview = Preview(root)
    handlers = Handlers(preview)

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

    routes = [Route("/", handlers.campaign), Route("/copy/{stem}", handlers.copy),
              Route("/signon/{document}", handlers.signon), Route("/outputs/{name}", handlers.pdf),
              Route("/pages/{name}", handlers.page_image), Route("/assets/{name}", handlers.asset),
              Route("/events", handlers.events)]
    app = Starlette(routes=routes, lifespan=asynccontextmanager(lifespan))
    app.state.preview = preview
    allowed = own_hosts(host, port)
    return Guard(app, allowed, {f"http://{name}" for name in allowed})


class Handlers:
    """The server's pages, each looked up by name in what the preview knows."""

    def __init__(self, preview: Preview):
        from jinja2 import Environment, PackageLoader, select_autoescape

        self.preview = preview
        self.pages = Environment(loader=PackageLoader("undersigned.serve", "templates"),
                                 autoescape=select_autoescape(default=True), trim_blocks=True,
                                 lstrip_blocks=True)

    def page(self, template: str, request, **values):
        from starlette.responses import HTMLResponse

        preview = self.preview
        part = request.query_params.get("part") == "main"
        html = self.pages.get_template(template).render(
            part=part, version=preview.version, title=preview.title,
            watch_error=preview.watch_error, **values)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def campaign(self, request):
        preview = self.preview
        view = campaign_view(preview.root, preview.plan, preview.problems, preview.rendered,
                             preview.rendering, preview.title)
        return self.page("campaign.html", request, view=view)

    async def copy(self, request):
        from starlette.responses import PlainTextResponse

        preview = self.preview
        stem = request.path_params["stem"]
        outputs = preview.outputs()
        if stem not in (outputs if preview.plan is not None else preview.known):
            return PlainTextResponse(f"no copy called {stem} in this campaign"
                                     + ("" if preview.plan is not None else
                                        " (it has problems: see its page, /)"), 404)
        preview.watch(stem)
        output = outputs.get(stem)
        last = preview.rendered.get(stem)
        errors = copy_error(preview.root, last) if last and not last.pages else []
        if preview.plan is None:
            errors = [located(preview.root, p) for p in preview.problems]
        siblings = [o for o in outputs.values() if output and o.document == output.document]
        return self.page("copy.html", request, stem=stem, output=output, rendered=last,
                         errors=errors, siblings=siblings, busy=stem in preview.rendering)

    async def signon(self, request):
        from ..answers.signatures import signatures
        from ..model.invitations import Answer

        document = request.path_params["document"]
        try:
            report = await asyncio.to_thread(signatures, self.preview.root, document)
        except UndersignedError as exc:
            return self.page("signon.html", request, document=document, report=None,
                             error=str(exc), groups={})
        groups = {answer.value: report.with_answer(answer) for answer in Answer}
        return self.page("signon.html", request, document=document, report=report,
                         error=None, groups=groups)

    async def pdf(self, request):
        from starlette.responses import FileResponse, PlainTextResponse

        path = self.preview.pdf_path(request.path_params["name"])
        if path is None:
            return PlainTextResponse("not found", 404)
        kind = "application/pdf" if path.suffix == ".pdf" else "text/plain; charset=utf-8"
        return FileResponse(path, media_type=kind, headers={"Cache-Control": "no-store"})

    async def page_image(self, request):
        from starlette.responses import FileResponse, PlainTextResponse

        path = self.preview.page_path(request.path_params["name"])
        if path is None:
            return PlainTextResponse("not found", 404)
        return FileResponse(path, media_type="image/png",
                            headers={"Cache-Control": "max-age=86400, immutable"})

    async def asset(self, request):
        from starlette.responses import PlainTextResponse, Response

        name = request.path_params["name"]
        if name not in ASSETS:
            return PlainTextResponse("not found", 404)
        body = resources.files("undersigned.serve").joinpath("assets", name).read_bytes()
        return Response(body, media_type=ASSETS[name])

    async def events(self, request):
        from starlette.responses import PlainTextResponse, StreamingResponse

        preview = self.preview
        if preview.streams >= MAX_EVENT_STREAMS:
            return PlainTextResponse(f"too many open pages (at most {MAX_EVENT_STREAMS}); "
                                     "close some", 503, headers={"Retry-After": "5"})
        preview.streams += 1  # now, not when the stream starts: a burst counts at once

        async def counted():
            try:
                async for part in self._stream(request):
                    yield part
            finally:
                preview.streams -= 1

        return StreamingResponse(counted(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    async def _stream(self, request):
        """The version of the campaign, each time it changes; a comment while idle."""
        preview = self.preview
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


class Guard:
    """Answers only requests addressed to this server (Host) from its own pages (Origin):
    no DNS rebinding, no other site driving it."""

    def __init__(self, app, allowed: set[str], origins: set[str]):
        self.app, self.allowed, self.origins = app, allowed, origins

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.responses import PlainTextResponse

        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        why = None
        if headers.get("host", "").lower() not in self.allowed:
            why = "refused: the Host header does not name this server"
        elif "origin" in headers and headers["origin"].lower() not in self.origins:
            why = "refused: the request comes from another site"
        if why:
            await PlainTextResponse(why, 403)(scope, receive, send)
        else:
            await self.app(scope, receive, send)
