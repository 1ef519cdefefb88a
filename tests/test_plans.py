"""The generated plan functions (migrator.payload.plans) on layouts and changes built for the
purpose: each way a change can end a step, at the top of a body, in a list's elements and in a
list nested in a list's elements, gives the documented result, reports and rule marks."""

from __future__ import annotations

from migrator.payload.kinds import Node
from migrator.payload.ops import Context, Remove, Rename, Renames, Reshape, Unwrap
from migrator.payload.plans import build_plan, compile_plan


def compiled(node: Node, by_scope: dict):
    return compile_plan(build_plan(node, by_scope), "test")


def run(apply, document):
    ctx = Context()
    result = apply(document, (), ctx)
    events = sorted((e.rule, e.action, e.where) for e in ctx.events)
    return result, events, ctx.applied


def to_text(obj, path, ctx):
    """A Reshape that turns its object into something that is no object."""
    return f"was {obj['old']}"


def keep_key(obj, path, ctx):
    """A Reshape that edits a value and keeps its key: no change of its rule unless it says so."""
    obj["kept"] = str(obj["kept"])
    return obj


def drop_key(obj, path, ctx):
    obj.pop("gone")
    return obj


def report_here(obj, path, ctx):
    ctx.report("dropped", path + ("note",), obj.pop("note"), "no place")
    return obj


ITEM = Node(("item",), each=True)
LAYOUT = Node(("top",), {"items": ITEM, "groups": Node(("group",), {"items": ITEM}, each=True)})
BY_SCOPE = {
    "top": [("R1", Unwrap("wrap", ("top",))), ("R2", Reshape(("kept",), keep_key, ("top",))),
            ("R3", Reshape(("gone",), drop_key, ("top",)))],
    "item": [("R4", Reshape(("old",), to_text, ("item",))),
             ("", Renames().add("R5", Rename("a", "b", ("item",))).add("R6", Rename("c", "d", ("item",)))),
             ("R7", Reshape(("note",), report_here, ("item",)))],
    "group": [("R8", Unwrap("inner", ("group",))), ("R9", Remove(("x",), "removed", ("group",)))],
}


def test_a_wrapper_is_taken_off_and_later_reports_name_the_input_place():
    apply = compiled(LAYOUT, BY_SCOPE)
    document = {"wrap": {"kept": 1, "gone": 2, "items": [{"note": "n", "a": 1}]}}
    result, events, applied = run(apply, document)
    assert result == {"kept": "1", "items": [{"b": 1}]}
    # The item's report names its place in the input, inside the wrapper.
    assert events == [("R7", "dropped", ("wrap", "items", 0, "note"))]
    assert applied == {"R1", "R3", "R5", "R7"}  # R2 kept its key and said nothing: no change


def test_elements_in_a_list_each_take_their_own_way():
    apply = compiled(LAYOUT, BY_SCOPE)
    items = [{"old": 1, "a": 2}, "text", {"a": 1, "b": 2}, {"c": 3}, {"z": 0}]
    result, events, applied = run(apply, {"items": items})
    # The first became no object: its renames never ran. The third had both keys: the rename
    # itself decided (the new key wins) and reported the old value.
    assert result["items"] == ["was 1", "text", {"b": 2}, {"d": 3}, {"z": 0}]
    assert events == [("R5", "dropped", ("items", 2, "a"))]
    assert applied == {"R4", "R5", "R6"}


def test_lists_nested_in_list_elements():
    apply = compiled(LAYOUT, BY_SCOPE)
    groups = [{"inner": {"x": 5, "items": [{"a": 1}, {"note": "n"}]}}, {"items": [{"c": 1}]}, 7]
    result, events, applied = run(apply, {"groups": groups})
    assert result["groups"] == [{"items": [{"b": 1}, {}]}, {"items": [{"d": 1}]}, 7]
    assert events == [("R7", "dropped", ("groups", 0, "inner", "items", 1, "note")),
                      ("R9", "dropped", ("groups", 0, "inner", "x"))]
    assert applied == {"R5", "R6", "R7", "R8", "R9"}


def test_a_body_with_no_trigger_key_is_left_as_it_is():
    apply = compiled(LAYOUT, BY_SCOPE)
    document = {"kept2": 1, "items": [{"b": 1}, {"d": 2}], "groups": [{"items": []}]}
    result, events, applied = run(apply, document)
    assert result is document and result == {"kept2": 1, "items": [{"b": 1}, {"d": 2}], "groups": [{"items": []}]}
    assert events == [] and applied == set()


def test_a_top_level_list_kind():
    apply = compiled(ITEM, BY_SCOPE)
    result, events, applied = run(apply, [{"a": 1}, {"old": 2}])
    assert result == [{"b": 1}, "was 2"]
    assert applied == {"R4", "R5"}
    assert run(apply, {"a": 1})[0] == {"a": 1}  # not a list: not this layout's, left alone
