"""The AS201 id lookup, built in the HTTP library a call already uses: the statements that find
a tracking's id by slug and number, inserted before the call, and the call sent to
/trackings/{id}. Used for /trackings/{slug}/{number}[/action] (AS201) and for
/last_checkpoint/{slug}/{number} (AS202), whose 2025-01 replacement is the same tracking."""

from __future__ import annotations

import libcst as cst

from migrator.codemod import flow, pieces, urls
from migrator.codemod.edits import checked_lookup, code_of, first_id
from migrator.codemod.shapes import dotted

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
        index = next((i for i, item in enumerate(returned.items)
                      if item is not None and item.kind in (*_DATA_FROM, "list")), None)
        return None if index is None else _trackings(returned.items[index], f"{call}[{index}]")
    if returned is None or returned.kind not in (*_DATA_FROM, "list"):
        return None
    if returned.kind == "list":
        return call
    return f'(({_DATA_FROM[returned.kind].format(call)} or {{}}).get("trackings") or [])'


def split_by_id(walk, url: cst.BaseExpression, variable: str, collection: str = "trackings"):
    """(list URL source, slug, number, new URL) for a `{collection}/{slug}/{number}` URL written
    as an f-string or built with +, % or .format (or a relative path handed to a request
    wrapper); the new URL, `trackings/{variable}`, is one f-string."""
    found = pieces.pieces(url)
    split = pieces.split_slug_number(found) if found and not walk.f_string_quotes else None
    if split is None:
        return None
    head, slug, number, tail = split
    reached = "".join(p if isinstance(p, str) else walk.tracer.template_of(p) or "{}" for p in head)
    if not (reached.endswith(f"/{collection}/") or reached == f"{collection}/"):
        return None
    if collection != "trackings":
        head = _renamed_collection(walk, head, collection)
        if head is None:
            return None
    # Text taken from a binding the walk has not rewritten yet: its v4 base is rewritten here.
    head = [urls.rewrite_base(p) if isinstance(p, str) else p for p in head]
    list_url = pieces.f_string(head[:-1] + ([head[-1][:-1]] if head[-1][:-1] else []), code_of)
    new_url = pieces.f_string([*head, cst.Name(variable), *tail], code_of)
    if list_url is None or new_url is None:
        return None
    return list_url, slug, number, cst.parse_expression(new_url)


def _renamed_collection(walk, head: list, collection: str) -> list | None:
    """`head` with its last `collection` path part made `trackings`; a constant holding it is
    written out as its (fully known) text. None when the part lies in a value not known whole."""
    for index in range(len(head) - 1, -1, -1):
        piece = head[index]
        text = piece if isinstance(piece, str) else walk.tracer.template_of(piece)
        if text is None or collection not in text:
            continue
        if "{}" in text:
            return None
        at = text.rindex(collection)
        return [*head[:index], text[:at] + "trackings" + text[at + len(collection):], *head[index + 1:]]
    return None
