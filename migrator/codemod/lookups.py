"""The AS201 id lookup, built in the HTTP library a call already uses: the statements that find
a tracking's id by slug and number, inserted before the call, and the call sent to
/trackings/{id}. Used for /trackings/{slug}/{number}[/action] (AS201) and for
/last_checkpoint/{slug}/{number} (AS202), whose 2025-01 replacement is the same tracking."""

from __future__ import annotations

import libcst as cst

from migrator.codemod import flow, pieces, urls
from migrator.codemod.edits import checked_lookup, code_of, first_id
from migrator.codemod.shapes import dotted, string_value

KEPT_ARGUMENTS = ("headers", "auth", "timeout")  # what the lookup sends as the call did


def query(slug: cst.BaseExpression, number: cst.BaseExpression) -> str:
    """The lookup's query parameters as a dict literal's source."""
    return f'{{"slug": {code_of(slug)}, "tracking_numbers": {code_of(number)}}}'


def id_lookup(walk, original: cst.Call, updated: cst.Call, collection: str = "trackings"):
    """(where to insert, the lookup's source, the call sent to /trackings/{id}, modules the
    lookup imports) for a call of requests/httpx (`x.get(...)`, also awaited), aiohttp
    (`async with session.get(...)`) or urllib (`Request(...)`, `urlopen(...)`); None where an
    inserted statement would be wrong or unclear: a call inside a comprehension or lambda (its
    names do not exist outside), or a URL whose slug and number cannot be told apart."""
    if walk.nested_expression_scopes or len(walk.tracers) < 2:
        return None
    anchor = walk.anchor()
    url_index = walk.url_index(original)
    if anchor is None or url_index is None:
        return None
    variable, temporary = walk.fresh_name("tracking_id"), walk.fresh_name("lookup")
    split = split_by_id(walk, updated.args[url_index].value, variable, collection)
    if split is None:
        return None
    list_url, slug, number, new_url = split
    params = query(slug, number)
    kept = "".join(", " + code_of(a).strip().rstrip(",") for a in updated.args
                   if a.keyword is not None and a.keyword.value in KEPT_ARGUMENTS)
    func = updated.func
    name = dotted(func) or ""
    imports: tuple[str, ...] = ()
    if name.split(".")[-1] in ("Request", "urlopen"):
        prefix = name[: -len(name.split(".")[-1])]
        request = f"{prefix}Request({list_url} + \"?\" + urllib.parse.urlencode({params}){kept})"
        # urlopen raises HTTPError for an error status by itself.
        source = f"with {prefix}urlopen({request}) as {temporary}:\n    " + first_id(
            variable, f'json.load({temporary})["data"]["trackings"]')
        imports = ("urllib.parse", "json")
    elif isinstance(func, cst.Attribute) and func.attr.value in ("get", "put", "delete", "post", "patch"):
        get = f"{code_of(func.value)}.get({list_url}, params={params}{kept})"
        within = (bool(anchor.asynchronous),) if isinstance(anchor, cst.With) else None
        source = client_lookup(walk, get, variable, temporary, within, id(original) in walk.awaited)
    else:
        return None
    args = list(updated.args)
    args[url_index] = args[url_index].with_changes(value=new_url)
    return anchor, source, updated.with_changes(args=args), imports


def client_lookup(walk, get: str, variable: str, temporary: str, within: tuple[bool] | None, awaited: bool) -> str:
    """The lookup `get` (a requests/httpx/aiohttp `.get(...)` call's source) made as the call it
    serves is made: as a `with` item (`within` = (asynchronous,)), awaited, or plain; its status
    checked and the first tracking's id taken into `variable`."""
    check = f"{temporary}.raise_for_status()\n"
    if within is not None:
        (asynchronous,) = within
        answer = f'({"await " if asynchronous else ""}{temporary}.json())["data"]["trackings"]'
        return f"{'async ' if asynchronous else ''}with {get} as {temporary}:\n    {check}    " + first_id(variable, answer)
    if awaited:
        # httpx answers .json() at once; aiohttp needs it awaited (seen in this function).
        body = f"(await {temporary}.json())" if walk.tracer.awaits_json else f"{temporary}.json()"
        return f"{temporary} = await {get}\n{check}" + first_id(variable, f'{body}["data"]["trackings"]')
    return checked_lookup(variable, temporary, get)


def wrapped_id_lookup(walk, original: cst.Call, updated: cst.Call, collection: str = "trackings",
                      path: cst.BaseExpression | None = None):
    """The same for a call through a request wrapper (`self._request("GET", path)`): the wrapper
    asked for `trackings?slug=...&tracking_numbers=...`, its answer read as the wrapper returns
    it (response, body, data or the list), the call sent to {id}. `path`: the path expression,
    when the call names it through a variable bound to it a line above."""
    summaries = walk.tracer.summaries
    wrapper = summaries.wrapper(original.func, walk.tracer)
    anchor = walk.anchor()
    if walk.nested_expression_scopes or not isinstance(anchor, cst.SimpleStatementLine):
        return None
    positions = flow.bound_positions(original, wrapper.scope)
    if wrapper.path is None or wrapper.path not in positions or (
            wrapper.body_param in positions and positions[wrapper.body_param] != len(original.args) - 1):
        return None
    variable = walk.fresh_name("tracking_id")
    path = path if path is not None else updated.args[positions[wrapper.path]].value
    split = split_by_id(walk, path, variable, collection)
    if split is None:
        return None
    list_url, slug, number, new_url = split
    encoded = f"urllib.parse.urlencode({query(slug, number)})"
    plain = list_url[:1] in "\"'"  # a plain literal takes the `?` inside its quotes
    lookup_path = f"{list_url[:-1]}?{list_url[-1]} + {encoded}" if plain else f'{list_url} + "?" + {encoded}'
    args = list(updated.args)
    args[positions[wrapper.path]] = args[positions[wrapper.path]].with_changes(value=cst.parse_expression(lookup_path))
    if wrapper.method_param in positions:
        index = positions[wrapper.method_param]
        args[index] = args[index].with_changes(value=cst.SimpleString('"GET"'))
    if wrapper.body_param in positions:
        args = args[:-1]
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    lookup = updated.with_changes(args=args)
    returned = summaries.returned_by_request(walk.tracer, lookup)
    call = f"(await {code_of(lookup)})" if id(original) in walk.scanner.awaited else code_of(lookup)
    trackings = _trackings(returned, call)
    if trackings is None:
        return None
    args = list(updated.args)
    args[positions[wrapper.path]] = args[positions[wrapper.path]].with_changes(value=new_url)
    return anchor, first_id(variable, trackings), updated.with_changes(args=args), ("urllib.parse",)


# From what a wrapper returns to its `data` object, None-safe: an error answer (`data: {}`) gives
# no tracking, so the call goes to /trackings/None and the wrapper answers it as it answered v4.
_DATA_FROM = {"response": '{}.json().get("data")', "body": '{}.get("data")', "data": "{}"}


def _trackings(returned, call: str) -> str | None:
    """The expression giving the list of trackings of the lookup `call` (source), from the shape
    the wrapper returns; a tuple's element holding the answer (`return r.status_code, r.json()`)
    is indexed first. None when the shape says nothing of where the trackings are."""
    if returned is not None and returned.kind == "tuple":
        # The element holding the answer may be None on an error branch (`return None, "failed"`).
        index = next((i for i, item in enumerate(returned.items)
                      if item is not None and item.kind in ("body", "data", "list")), None)
        empty = "[]" if index is not None and returned.items[index].kind == "list" else "{}"
        return None if index is None else _trackings(returned.items[index], f"({call}[{index}] or {empty})")
    if returned is None or returned.kind not in (*_DATA_FROM, "list"):
        return None
    if returned.kind == "list":
        return call
    return f'(({_DATA_FROM[returned.kind].format(call)} or {{}}).get("trackings") or [])'


def split_by_id(walk, url: cst.BaseExpression, variable: str, collection: str = "trackings"):
    """(list URL source, slug, number, new URL) for a `{collection}/{slug}/{number}` URL written
    as an f-string or built with +, % or .format (or a relative path handed to a request
    wrapper); the new URL, `trackings/{variable}`, is one f-string."""
    return None if walk.f_string_quotes else _split(walk.tracer, url, variable, collection)


def _split(tracer, url: cst.BaseExpression, variable: str, collection: str):
    found = pieces.pieces(url)
    split = pieces.split_slug_number(pieces.cut_segments(found, collection)) if found else None
    if split is None:
        return None
    head, slug, number, tail = split
    reached = "".join(p if isinstance(p, str) else tracer.template_of(p) or "{}" for p in head)
    if not (reached.endswith(f"/{collection}/") or reached == f"{collection}/"):
        return None
    if collection != "trackings":
        head = _renamed_collection(tracer, head, collection)
        if head is None:
            return None
    head = _rewritten(head)
    list_url = pieces.f_string(head[:-1] + ([head[-1][:-1]] if head[-1][:-1] else []), code_of)
    new_url = pieces.f_string([*head, cst.Name(variable), *tail], code_of)
    if list_url is None or new_url is None:
        return None
    return list_url, slug, number, cst.parse_expression(new_url)


def _rewritten(head: list) -> list:
    """URL pieces with their text in the 2025-01 form (it may come from a binding the walk has
    not rewritten yet, or be a removed endpoint's, whose base AS101 leaves)."""
    return [urls.rewrite_v4(p, i > 0 and not isinstance(head[i - 1], str)) if isinstance(p, str) else p
            for i, p in enumerate(head)]


def _renamed_collection(tracer, head: list, collection: str) -> list | None:
    """`head` with its last `collection` path part made `trackings`; a constant holding it is
    written out as its (fully known) text. None when the part lies in a value not known whole."""
    for index in range(len(head) - 1, -1, -1):
        piece = head[index]
        text = piece if isinstance(piece, str) else tracer.template_of(piece)
        if text is None or collection not in text:
            continue
        text = _written_text(tracer, piece)
        if text is None:
            return None
        at = text.rindex(collection)
        return [*head[:index], text[:at] + "trackings" + text[at + len(collection):], *head[index + 1:]]
    return None


def _written_text(tracer, piece: pieces.Piece) -> str | None:
    """The text of a piece that can be written out in its place: literal text, or a name bound
    once, in its function or the module, to a string literal. Not a name whose URL is an
    environment variable's default (`os.environ.get("URL", "...")`): the variable would be lost."""
    if isinstance(piece, str):
        return piece
    bound = tracer.bindings_of(piece.value) if isinstance(piece, cst.Name) else []
    if len(bound) != 1 or bound[0][0] != "value" or not isinstance(bound[0][1], cst.SimpleString):
        return None
    return string_value(bound[0][1])


def by_id_url(tracer, url: cst.BaseExpression, collection: str) -> cst.BaseExpression | None:
    """`{collection}/{id}` (`f"{LAST_CHECKPOINT_URL}/{tid}"`, `BASE + "/last_checkpoint/" + tid`)
    as `.../trackings/{id}`, one f-string on the 2025-01 base; None for any other shape."""
    found = pieces.pieces(url)
    if not found or len(found) < 2 or isinstance(found[-1], str):
        return None
    *head, ident = found
    reached = "".join(p if isinstance(p, str) else tracer.template_of(p) or "{}" for p in head)
    if not reached.endswith(f"/{collection}/"):
        return None
    head = _renamed_collection(tracer, head, collection)
    if head is None:
        return None
    new_url = pieces.f_string(_rewritten(head) + [ident], code_of)
    return None if new_url is None else cst.parse_expression(new_url)


def changes_to_id(tracer, url: cst.BaseExpression, endpoint: str, collection: str) -> bool:
    """Whether a URL bound above its call can be sent to /trackings/{id}: by id as it is, or by
    slug and number through the lookup (`endpoint`: the URL's family)."""
    if endpoint.endswith("slug-number"):
        return _split(tracer, url, "tracking_id", collection) is not None
    return by_id_url(tracer, url, collection) is not None


def bound_lookup(walk, call: cst.Call, url: cst.BaseExpression, collection: str = "trackings"):
    """For `url = <slug/number URL>` on its own line above `call` (a requests/httpx/aiohttp
    call given `url`): (the statement to insert before, the lookup's source, the by-id URL), the
    lookup made with the call's client and its headers, auth and timeout, as the call is made
    (a `with` item, awaited, or plain); None where that cannot be done safely."""
    anchor = walk.anchor()
    kept = [a for a in call.args if a.keyword is not None and a.keyword.value in KEPT_ARGUMENTS]
    if (walk.nested_expression_scopes or not isinstance(anchor, cst.SimpleStatementLine)
            or not isinstance(call.func, cst.Attribute)
            or any("ftership" in code_of(a) for a in kept)):  # a literal header would stay v4's
        return None
    variable, temporary = walk.fresh_name("tracking_id"), walk.fresh_name("lookup")
    split = split_by_id(walk, url, variable, collection)
    if split is None:
        return None
    list_url, slug, number, new_url = split
    extra = "".join(", " + code_of(a).strip().rstrip(",") for a in kept)
    get = f"{code_of(call.func.value)}.get({list_url}, params={query(slug, number)}{extra})"
    # Made as the call is made, which the walk has not reached yet: what the scan saw of it.
    scanner = walk.scanner
    within = (scanner.with_items[id(call)],) if id(call) in scanner.with_items else None
    return anchor, client_lookup(walk, get, variable, temporary, within, id(call) in scanner.awaited), new_url


class BoundUrls:
    """The bindings of a call's URL name that change before the walk reaches the call
    (`url = ...` a line above, or in each branch of an `if`): the call is settled, and keeps
    its `url` argument, only when every one of them changed."""

    def __init__(self) -> None:
        self.pending: dict[int, int] = {}  # id of a call -> its bindings not changed yet
        self.calls: dict[int, tuple[cst.Call, str]] = {}  # id of a bound expression -> (call, what it is)

    def plan(self, call: cst.Call, bound: list[tuple[cst.BaseExpression, str]]) -> None:
        """`bound`: (expression, what it is to the fixer) for each binding that must change."""
        if bound:
            self.pending[id(call)] = len(bound)
            self.calls.update((id(value), (call, kind)) for value, kind in bound)

    def binding(self, value: cst.BaseExpression) -> tuple[cst.Call, str] | None:
        """The call an expression being left is bound for, while that call is still to come."""
        found = self.calls.get(id(value))
        return found if found is not None and id(found[0]) in self.pending else None

    def changed(self, call: cst.Call) -> None:
        self.pending[id(call)] -= 1

    def settled(self, call: cst.Call) -> bool | None:
        """Whether every binding of the call changed (None: none was to); the call is past, so
        bindings after it stay as they are."""
        left = self.pending.pop(id(call), None)
        return None if left is None else left == 0


def value_bindings(tracer, url: cst.BaseExpression | None) -> list[cst.BaseExpression]:
    """What a URL name is bound to in its function when every binding is a plain value (one,
    or one per branch); [] otherwise (a parameter, an unpacking, `+=`, a global)."""
    if not isinstance(url, cst.Name):
        return []
    bound = tracer.bindings.values.get(url.value, ())
    return [value for how, value in bound] if bound and all(how == "value" for how, _ in bound) else []
