"""Results pages, downloads and the cahier d'idées.

Every route reads the rankings from ``challenge_results``; none of them changes a vote, an idea
or a comment (a read-only token's ``last_used_at`` is the only write).
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from cite_vote.accounts.staff import staff_role
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import (
    active_challenges,
    challenge_in_forum,
    forum_by_slug,
    open_to_participants,
)
from cite_vote.forums.versions import forum_version
from cite_vote.htmx import commits, page, refusable, render
from cite_vote.page_caches import RESULTS_PAGES, RESULTS_RANKINGS, framed, frames_allowed
from cite_vote.refusals import NotAllowed, RuleError
from cite_vote.results import handoff
from cite_vote.results.bias import add_order_bias
from cite_vote.results.cahier import (
    BUILD_INLINE_MAX,
    cahier_context,
    cahier_file,
    cahier_items,
    cahier_key,
    cahier_pdf_html,
    claim_build,
    estimated_seconds,
    keep_pdf,
    launch_build,
)
from cite_vote.results.charts import chart_helpers, closed_heads, timeline_chart
from cite_vote.results.exports import (
    SEPARATORS,
    csv_bytes,
    pdf_bytes,
    results_json,
    xlsx_bytes,
)
from cite_vote.results.forms import ReceiptForm
from cite_vote.results.models import CahierFile
from cite_vote.results.public_log import build_log, log_csv, receipt_holdings
from cite_vote.results.services import (
    ORDERS,
    SCOPES,
    challenge_results,
    ranking_timeline,
)
from cite_vote.results.viewers import Viewer, organiser_viewer, results_viewer
from cite_vote.timeutil import utcnow
from cite_vote.votes.paper import (
    publishes_photos,
    sheet_photo,
    sheet_photos,
    sheet_times,
)

bp = Blueprint("results", __name__)

NOT_YET = _l("The results will be shown here once voting has closed. Come back after the vote!")


def option(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        abort(400)
    return value


def view_options() -> tuple[str, str]:
    return option("order", ORDERS, "dots"), option("scope", SCOPES, "all")


def visible_challenges(forum: Forum, viewer: Viewer) -> list[Challenge]:
    challenges = [
        c for c in db.session.scalars(active_challenges(forum)) if viewer.may_see(forum, c)
    ]
    if not challenges and not viewer.sees_everything:
        raise NotAllowed(NOT_YET)
    return challenges


def no_store(response):
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Authorization")
    return response


def rankings_key(
    forum: Forum, viewer: Viewer, challenges: list[Challenge], order: str, scope: str
) -> tuple:
    """The rankings' key (``page_caches.RESULTS_RANKINGS``): everything read from the forum
    is named by its version."""
    version = (db.engine.url, forum.id, forum.created_at, forum_version(forum.id))
    return RESULTS_RANKINGS.key(
        {
            "viewer": viewer,
            "version": version,
            "challenges": challenges,
            "order": order,
            "scope": scope,
        }
    )


def rankings(
    forum: Forum, viewer: Viewer, challenges: list[Challenge], order: str, scope: str, key: tuple
) -> Markup:
    html = RESULTS_RANKINGS.get(key)
    if html is None:
        results = challenge_results(forum, challenges)
        if viewer.sees_order_bias:
            add_order_bias(results)
        context = {
            "forum": forum,
            "viewer": viewer,
            "results": results,
            "order": order,
            "scope": scope,
        }
        html = render_block(
            RESULTS_RANKINGS.template,
            RESULTS_RANKINGS.block,
            **context,
            **chart_helpers(results),
        )
        RESULTS_RANKINGS.put(key, html)
    return Markup(html)


def page_key(forum: Forum, viewer: Viewer, rankings: tuple) -> tuple:
    """The whole page's key (``page_caches.RESULTS_PAGES``): the rankings' key (which holds
    the forum's version, moved by any change to the forum) and what the page shows around
    them."""
    return RESULTS_PAGES.key(
        {"forum": forum, "viewer": viewer, "rankings": rankings, "staff_role": staff_role()}
    )


@bp.get("/f/<slug>/results")
def forum_results(slug: str):
    forum = forum_by_slug(slug)
    viewer = results_viewer(forum)
    order, scope = view_options()
    challenges = visible_challenges(forum, viewer)
    key = rankings_key(forum, viewer, challenges, order, scope)

    def whole() -> str:
        return render_template(
            RESULTS_PAGES.template,
            forum=forum,
            viewer=viewer,
            sections=rankings(forum, viewer, challenges, order, scope, key),
            order=order,
            scope=scope,
        )

    if not frames_allowed():
        return no_store(page(whole()))
    return no_store(page(framed(RESULTS_PAGES, page_key(forum, viewer, key), whole)))


@bp.get("/f/<slug>/results/c/<int:challenge_id>")
def challenge(slug: str, challenge_id: int):
    forum = forum_by_slug(slug)
    viewer = results_viewer(forum)
    order, scope = view_options()
    challenge = challenge_in_forum(forum, challenge_id)
    if not viewer.may_see(forum, challenge):
        if not open_to_participants(challenge):
            abort(404)
        raise NotAllowed(NOT_YET)
    results = challenge_results(forum, [challenge])
    if viewer.sees_order_bias:
        add_order_bias(results)
    chart = timeline_chart(ranking_timeline(results[0]))
    return no_store(
        render(
            "results/challenge.html",
            forum=forum,
            viewer=viewer,
            res=results[0],
            results=results,
            chart=chart,
            sheets_entered=sheet_times(challenge.id) if viewer.staff is not None else [],
            order=order,
            scope=scope,
            **chart_helpers(results),
        )
    )


def stamp(forum: Forum, scope: str, order: str, extension: str, moment: datetime) -> str:
    kind = "shortlist" if scope == "shortlist" else "ideas"
    by = "-cross-group" if order == "cross" else ""
    return f"{forum.slug}-{kind}{by}-{moment:%Y-%m-%d}.{extension}"


def attachment(data: bytes, mimetype: str, name: str):
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name
    )
    return no_store(response)


@bp.get("/f/<slug>/results.json")
@commits  # the token's last use
def results_json_view(slug: str):
    forum = forum_by_slug(slug)
    viewer = results_viewer(forum, allow_token=True)
    order, scope = view_options()
    results = challenge_results(forum, visible_challenges(forum, viewer))
    add_order_bias(results)
    now = utcnow()
    data = results_json(
        forum,
        results,
        order=order,
        scope=scope,
        generated_at=now,
        include_unranked=viewer.sees_everything,
        heads=closed_heads(results),
    )
    return no_store(jsonify(data))


@bp.get("/f/<slug>/log.json")
@commits  # the token's last use
def log_json(slug: str):
    """The anonymised log of the closed challenges the asker may see (docs/results-log.md)."""
    forum = forum_by_slug(slug)
    viewer = results_viewer(forum, allow_token=True)
    now = utcnow()
    data = build_log(forum, visible_challenges(forum, viewer), generated_at=now)
    if publishes_photos(forum):  # the organiser's choice; informative, not sealed
        data["sheet_photos"] = [
            {
                **photo,
                "url": url_for(
                    ".log_sheet_photo",
                    slug=slug,
                    challenge_id=photo["challenge_id"],
                    number=photo["sheet"],
                    _external=True,
                ),
            }
            for photo in sheet_photos([c["id"] for c in data["challenges"]])
        ]
    response = jsonify(data)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{forum.slug}-log-{now:%Y-%m-%d}.json"'
        )
    return no_store(response)


@bp.get("/f/<slug>/log/sheet/<int:challenge_id>/<int:number>")
@commits  # the token's last use
def log_sheet_photo(slug: str, challenge_id: int, number: int):
    """A printed sheet's photo, for whoever may read the log, when the organiser publishes them."""
    forum = forum_by_slug(slug)
    viewer = results_viewer(forum, allow_token=True)
    published = {c.id for c in visible_challenges(forum, viewer) if c.phase == "closed"}
    found = sheet_photo(challenge_id, number) if challenge_id in published else None
    if found is None or not publishes_photos(forum):
        abort(404)
    response = Response(found[0], mimetype=found[1])
    response.headers["X-Content-Type-Options"] = "nosniff"
    return no_store(response)


@bp.get("/f/<slug>/log.csv")
@commits  # the token's last use
def log_csv_view(slug: str):
    forum = forum_by_slug(slug)
    viewer = results_viewer(forum, allow_token=True)
    now = utcnow()
    data = log_csv(build_log(forum, visible_challenges(forum, viewer), generated_at=now))
    return attachment(data, "text/csv", f"{forum.slug}-log-{now:%Y-%m-%d}.csv")


@bp.get("/f/<slug>/recount.py")
@commits  # the token's last use
def recount_script(slug: str):
    """The recount script, as it is in the app (it needs only Python's standard library)."""
    forum = forum_by_slug(slug)
    results_viewer(forum, allow_token=True)
    data = (Path(__file__).resolve().parent.parent / "recount.py").read_bytes()
    return attachment(data, "text/x-python", "recount.py")


@bp.get("/f/<slug>/receipt")
def receipt(slug: str):
    """Type a receipt, see its dots as the published log lists them."""
    forum = forum_by_slug(slug)
    viewer = results_viewer(forum)
    challenges = visible_challenges(forum, viewer)
    form = ReceiptForm(request.args, meta={"csrf": False})
    found, status = None, 200
    if request.args.get("code") is not None:
        if form.validate():
            found = receipt_holdings(form.code.data, challenges)
        if found is None:
            status = 404 if form.validate() else 422
    return no_store(
        render(
            "results/receipt.html",
            status=status,
            forum=forum,
            viewer=viewer,
            form=form,
            found=found,
            asked=request.args.get("code") is not None,
        )
    )


@bp.get("/f/<slug>/results.csv")
@commits  # the token's last use
def results_csv(slug: str):
    forum = forum_by_slug(slug)
    organiser_viewer(forum)
    order, scope = view_options()
    sep = option("sep", tuple(SEPARATORS), "comma")
    results = challenge_results(forum, list(db.session.scalars(active_challenges(forum))))
    data = csv_bytes(results, order=order, scope=scope, sep=sep)
    name = stamp(forum, scope, order, "csv" if sep == "comma" else "semicolon.csv", utcnow())
    return attachment(data, "text/csv", name)


@bp.get("/f/<slug>/results.xlsx")
@commits  # the token's last use
def results_xlsx(slug: str):
    forum = forum_by_slug(slug)
    organiser_viewer(forum)
    order, scope = view_options()
    results = challenge_results(
        forum, list(db.session.scalars(active_challenges(forum))), with_comments=True
    )
    now = utcnow()
    data = xlsx_bytes(forum, results, order=order, scope=scope, generated_at=now)
    return attachment(
        data,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        stamp(forum, scope, order, "xlsx", now),
    )


@bp.get("/f/<slug>/cahier")
@commits  # after rendering: a commit expires every loaded idea and comment
def cahier(slug: str):
    forum = forum_by_slug(slug)
    organiser_viewer(forum)
    context = cahier_context(forum, *view_options())
    response = render("results/cahier.html", pdf=False, **context)
    return no_store(response)


@bp.get("/f/<slug>/cahier.pdf")
@commits  # the claim and the PDF kept, after rendering
def cahier_pdf(slug: str):
    """The PDF at once when it is built; a small one is built now, a big one in the background.

    While a big one builds, the organiser gets a page (202) that says so and checks again.
    """
    forum = forum_by_slug(slug)
    organiser_viewer(forum)
    context = cahier_context(forum, *view_options())
    file = ready_cahier(forum, context)
    if not isinstance(file, CahierFile):
        return file
    name = f"{forum.slug}-cahier-{context['event_date']:%Y-%m-%d}.pdf"
    return attachment(file.pdf, "application/pdf", name)


def ready_cahier(forum: Forum, context: dict):
    """The cahier's built PDF (a small one is built now), or the page saying it is building."""
    html = cahier_pdf_html(context)
    key = cahier_key(html)
    file = cahier_file(forum, key)
    if file is None or file.status != "ready":
        items = cahier_items(context["results"])
        if items > BUILD_INLINE_MAX:
            return _cahier_building(forum, key, items, context)
        file = claim_build(forum, key, items) or cahier_file(forum, key)
        keep_pdf(file, pdf_bytes(html))
    return file


@bp.get("/f/<slug>/decidim-proposals.<any(csv, json):extension>")
@commits  # the token's last use
def decidim_proposals(slug: str, extension: str):
    """The ranked ideas as Decidim's "Import proposals from a file" reads them (handoff.py)."""
    forum = forum_by_slug(slug)
    organiser_viewer(forum)
    order, scope = view_options()
    locale = option("locale", handoff.DECIDIM_LOCALES, "fr")
    results = challenge_results(forum, list(db.session.scalars(active_challenges(forum))))
    rows = handoff.decidim_rows(forum, results, order=order, scope=scope, locale=locale)
    name = stamp(forum, scope, order, f"decidim.{extension}", utcnow())
    if extension == "csv":
        return attachment(handoff.decidim_csv(rows, locale), "text/csv", name)
    return attachment(handoff.decidim_json(rows), "application/json", name)


@bp.get("/f/<slug>/open-data")
@commits
def open_data_page(slug: str):
    """What the open data ZIP holds, and the licence to publish it under (a plain GET form)."""
    forum = forum_by_slug(slug)
    organiser_viewer(forum)
    response = render(
        "results/open_data.html",
        forum=forum,
        licences=handoff.LICENCES,
        default=handoff.DEFAULT_LICENCE,
        files=[
            (name, handoff.describe(name)) for name in (handoff.README, *handoff.OPEN_DATA_FILES)
        ],
    )
    return no_store(response)


@bp.get("/f/<slug>/open-data.zip")
@commits  # the cahier claimed and kept
def open_data(slug: str):
    """Everything public about the forum in one ZIP, with a README in French (handoff.py)."""
    forum = forum_by_slug(slug)
    organiser_viewer(forum)
    licence = option("licence", tuple(handoff.LICENCES), handoff.DEFAULT_LICENCE)
    closed = [c for c in db.session.scalars(active_challenges(forum)) if c.phase == "closed"]
    if not closed:
        raise RuleError(handoff.NOTHING_PUBLIC)
    context = cahier_context(forum, "dots", "all")
    cahier = ready_cahier(forum, context)
    if not isinstance(cahier, CahierFile):
        return cahier  # a big cahier builds first: its page says so and checks again
    now = utcnow()
    results = challenge_results(forum, closed)
    add_order_bias(results)
    log = build_log(forum, closed, generated_at=now)
    results_data = results_json(
        forum,
        results,
        order="dots",
        scope="all",
        generated_at=now,
        include_unranked=False,
        heads=closed_heads(results),
    )
    decidim = handoff.decidim_rows(forum, results, order="dots", scope="all", locale="fr")
    contents = {
        "results.csv": handoff.public_results_csv(results, "dots"),
        "results.json": json.dumps(results_data, ensure_ascii=False, indent=2).encode(),
        "log.json": json.dumps(log, ensure_ascii=False, indent=2).encode(),
        "log.csv": log_csv(log),
        "recount.py": handoff.recount_script(),
        "cahier.pdf": cahier.pdf,
        "decidim-proposals.csv": handoff.decidim_csv(decidim, "fr"),
    }
    files = [handoff.OpenDataFile(n, d, handoff.describe(n)) for n, d in contents.items()]
    data = handoff.open_data_zip(forum, files, licence=licence, generated_at=now)
    return attachment(data, "application/zip", f"{forum.slug}-open-data-{now:%Y-%m-%d}.zip")


def _cahier_building(forum: Forum, key: str, items: int, context: dict):
    with refusable(shown=False):  # the claim is seen by the build process and by other requests
        claimed = claim_build(forum, key, items)
    if claimed is not None:
        launch_build(
            forum.slug,
            claimed.id,
            order=context["order"],
            scope=context["scope"],
            locale=str(get_locale()),
        )
    file = claimed or cahier_file(forum, key)
    elapsed = int((utcnow() - file.started_at).total_seconds()) if file else 0
    response = render(
        "results/cahier_building.html",
        status=202,
        forum=forum,
        failed=file is not None and file.status == "failed",
        elapsed=elapsed,
        estimate=estimated_seconds(items),
        items=items,
        retry_url=request.full_path.rstrip("?"),
    )
    response.headers["Retry-After"] = "3"
    return no_store(response)
