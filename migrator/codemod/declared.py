"""The code behaviour of every rule whose change is declared data: a key `Rename`, a `code_reads`
template for a restructured read, a reshaped request value, a renamed enum value.

Such a rule needs no fixer of its own, as it needs no translator code of its own: its
declaration in `rules/` says what changes, and this one fixer applies it to code, as
`migrator.payload.ops` applies it to JSON (`ruleset.CodeRules` indexes the declarations by
catalogue scope). A request body literal a rule restructures is handed to the payload translator
itself (`bodies.translate_literal`), so code and JSON get the same transformation.
"""

from __future__ import annotations

from keyword import iskeyword

import libcst as cst

from migrator.catalogue import FIXERS, Fixer
from migrator.codemod.bodies import KINDS as BODY_KINDS, laid_out_like, literal_items, translate_literal, value_conforms
from migrator.codemod.edits import KeyAccess, code_of, with_text
from migrator.codemod.ruleset import keys_of_2025_01
from migrator.codemod.shapes import is_name, iter_nodes, method_call, root_name, string_key


class DeclaredChangesFixer(Fixer):
    """Renames keys, rewrites restructured reads, checks reshaped values, renames enum values;
    reports what a declaration consumes but cannot rewrite at the site."""

    rule = None  # serves every rule with declared changes: each edit names its own rule

    def __init__(self, file) -> None:
        super().__init__(file)
        self.rules = file.rules
        self.structured: set[int] = set()  # reads already in the 2025-01 structure (visit_Call)
        self.keyword_bodies: dict[int, str] = {}  # id of the tracer of a function whose **extra is a body's -> scope

    def visit_Call(self, node: cst.Call) -> None:
        # `(t.get("shipment_weight") or {}).get("unit")` is how a migrated read looks (the rules'
        # read templates): its inner read is already 2025-01's, whatever the key's name.
        if method_call(node, "get") and isinstance(node.func.value, cst.BooleanOperation) \
                and isinstance(node.func.value.operator, cst.Or):
            self.structured.add(id(node.func.value.left))

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.SimpleString:
        """An enum value that is no field name anywhere ("AI Predictive EDD")."""
        entry = self.rules.standalone_values.get(string_key(original))
        if entry is not None and self.file.fix(original, entry[1]):
            return with_text(updated, entry[0])
        return updated

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.Comparison:
        """`"tracking_origin_country" in courier["required_fields"]`: the enum value was renamed."""
        value = string_key(original.left)
        if value not in self.rules.value_renames or len(original.comparisons) != 1:
            return updated
        shape = self.file.tracer.shape_of(original.comparisons[0].comparator)
        new, rule = self.rules.value_renames[value]
        if shape is None or shape.kind != "courier-fields" or not self.file.fix(original, rule):
            return updated
        # The string is also a v4 field name: the residue of that name is resolved here too.
        key_rule = self.rules.residual_keys.get(value)
        if key_rule is not None:
            self.file.covered(original, key_rule)
        return updated.with_changes(left=with_text(updated.left, new))

    # Reads and writes of keys on traced data ---------------------------------------------------
    def leave_access(self, access: KeyAccess) -> cst.BaseExpression:
        scope, key, original = access.scope, access.key, access.original
        if scope is None:
            return access.updated
        if key in self.rules.renames.get(scope, {}):
            renamed = self._rename(original, scope, key)
            return access.with_key(renamed) if renamed is not None else access.updated
        if access.is_write:
            reshaped = self.rules.reshaped_values.get(scope, {}).get(key)
            # A rule with a fixer of its own (AS303 splits a detect slug) judges its own writes.
            if reshaped is not None and reshaped.code not in FIXERS and access.assigned is not None \
                    and not value_conforms(access.assigned, key, scope, reshaped):
                self.file.report(original, reshaped, f"`{key}` as set here may not be what 2025-01 takes: "
                                                     f"{reshaped.title}")
            self._report_write(original, scope, key)
            return access.updated
        read = self._read(original, scope, key, access.receiver, allow=not access.has_default)
        return read if read is not None else access.updated

    def _rename(self, node: cst.CSTNode, scope: str, key: str) -> str | None:
        """The new key when a rename applies and may be fixed (it is reported otherwise)."""
        entry = self.rules.renames.get(scope, {}).get(key)
        if entry is None:
            return None
        new, rule = entry
        return new if self.file.fix(node, rule) else None

    def _report_write(self, node: cst.CSTNode, scope: str, key: str) -> None:
        """Writing a key that 2025-01 restructured: the code that builds it needs a person."""
        rule = self.rules.reads.get(scope, {}).get(key, (None, None))[1] or self.rules.reported.get(scope, {}).get(key)
        if rule is not None:
            self.file.report(node, rule, f"`{key}` written: {rule.title}")

    def _read(self, node: cst.CSTNode, scope: str, key: str, receiver: cst.BaseExpression,
              allow: bool) -> cst.BaseExpression | None:
        entry = self.rules.reads.get(scope, {}).get(key)
        if entry is None:
            reported = self.rules.reported.get(scope, {}).get(key)
            if reported is not None:
                self.file.report(node, reported, f"`{key}`: {reported.title}")
            return None
        template, rule = entry
        if id(node) in self.structured or (key in keys_of_2025_01() and not self.file.on_v4):
            # A key 2025-01 also has (shipment_weight) is v4's only in code that talks to v4.
            return None
        if not allow:
            self.file.report(node, rule, f"`{key}` read with a default: {rule.title}")
            return None
        if id(node) in self.file.write_targets:
            return None
        template = self.file.fit_quotes(template)
        if template is None:
            self.file.report(node, rule, f"`{key}` read inside nested f-strings: {rule.title}")
            return None
        if template.count("{obj}") > 1 and any(isinstance(n, (cst.Call, cst.Await)) for n in iter_nodes(receiver)):
            # The template reads the object more than once: a call would be made more than once.
            self.file.report(node, rule, f"`{key}` read on a call's result: {rule.title}")
            return None
        if not self.file.fix(node, rule):
            return None
        receiver_code = code_of(receiver)
        if not isinstance(receiver, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
            receiver_code = f"({receiver_code})"
        return cst.parse_expression(template.format(obj=receiver_code))

    # Request bodies ----------------------------------------------------------------------------
    def leave_body(self, original: cst.Dict | cst.Call, updated: cst.Dict | cst.Call, how: str,
                   scope: str) -> cst.BaseExpression:
        """A body literal a rule restructures, as the payload translator makes it."""
        if how != "request" or scope not in BODY_KINDS or not self._reshapes(original, scope):
            return updated
        translated = self._translated_body(original, updated, scope)
        return translated if translated is not None else updated

    def plan_body(self, tracer, literal: cst.Dict | cst.Call, how: str, scope: str) -> None:
        """A body the function's `**extra` goes into (`{..., **extra}`, `dict(..., **extra)`,
        `body.update(extra)`, `body["tracking"].update(extra)`): its callers' extra keywords are
        body items (leave_Call)."""
        extra = tracer.keywords_param
        # A literal that restructures keys itself (`customer_name` there, `emails` passed) would have
        # its `customers` replaced by the callers': their keywords stay as they are, reported.
        restructured = self.rules.reads.get(scope, {})
        if extra is None or scope not in BODY_KINDS or any(key in restructured for key, _ in literal_items(literal)):
            return
        elements = literal.elements if isinstance(literal, cst.Dict) else literal.args
        spread = any(is_name(e.value, extra) and (isinstance(e, cst.StarredDictElement) or getattr(e, "star", "") == "**")
                     for e in elements)
        names = {name for name, bound in tracer.bindings.values.items() if any(v is literal for _, v in bound)}
        updated = any(method_call(call, "update") and len(call.args) == 1 and is_name(call.args[0].value, extra)
                      and root_name(call.func.value) in names for call in tracer.calls)
        if spread or updated:
            self.keyword_bodies[id(tracer)] = scope

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """`client.create_tracking(slug, number, customer_name=name)` into `**extra` of a body:
        the extra keywords translated as the body's items (`customers=[{"name": name}]`)."""
        summaries = self.file.tracer.summaries
        callee = summaries.callee(original.func, self.file.tracer) if summaries is not None and self.keyword_bodies else None
        scope = self.keyword_bodies.get(id(summaries.tracers[id(callee.node)])) if callee is not None else None
        if scope is None or any(arg.star for arg in updated.args):
            return updated
        named = set(callee.params)
        extras = [i for i, arg in enumerate(updated.args) if arg.keyword is not None and arg.keyword.value not in named]
        if not extras or extras != list(range(extras[0], extras[-1] + 1)):
            return updated  # the extra keywords apart from each other: their order is the caller's
        items = [updated.args[i] for i in extras]
        as_body = cst.Call(func=cst.Name("dict"), args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in items])
        translated = self._translated_body(original, as_body, scope, check=lambda keys: all(
            key.isidentifier() and not iskeyword(key) and key not in named for key in keys))
        if translated is None:
            return updated
        new = [(string_key(e.key), e.value) for e in translated.elements]
        spaced = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args = [items[min(i, len(items) - 1)].with_changes(
            keyword=cst.Name(key), value=value,
            comma=items[-1].comma if i == len(new) - 1 else (items[i].comma if i < len(items) - 1 else spaced))
            for i, (key, value) in enumerate(new)]
        return updated.with_changes(args=[*updated.args[:extras[0]], *args, *updated.args[extras[-1] + 1:]])

    def _reshapes(self, literal: cst.Dict | cst.Call, scope: str) -> bool:
        """Whether a key of the body is one a rule restructures (not just renames)."""
        consumed = {**self.rules.reads.get(scope, {}), **self.rules.reported.get(scope, {}),
                    **self.rules.reshaped_values.get(scope, {})}
        if isinstance(literal, cst.Call):  # dict(k=...) has no key-by-key rewrite: renames count too
            consumed.update(self.rules.renames.get(scope, {}))
        return any(key in consumed for key, _ in literal_items(literal))

    def _translated_body(self, original: cst.Dict | cst.Call, updated: cst.Dict | cst.Call,
                         scope: str, check=None) -> cst.BaseExpression | None:
        """The body literal as the payload translator makes it, when it can be made exactly and
        every rule that changes it may fix here (and `check` accepts its keys); None leaves it to
        the key-by-key rewrite."""
        if self.file.f_string_quotes or "#" in code_of(original):  # a rewritten literal would lose its comments
            return None
        result = translate_literal(updated, scope, code_of)
        if result is None:
            return None
        source, codes = result
        new = cst.parse_expression(source)
        if check is not None and not (isinstance(new, cst.Dict) and check([string_key(e.key) or "" for e in new.elements])):
            return None
        rules = [self.rules.catalogue[code] for code in sorted(codes)]
        if not all(self.rules.may_fix(rule) and self.file.allowed(rule.code, original) for rule in rules):
            return None
        for rule in rules:
            self.file.fix(original, rule)
        return laid_out_like(new, original) if isinstance(original, cst.Dict) else new

    def leave_body_item(self, original: cst.DictElement, element: cst.DictElement, key: str,
                        scope: str) -> cst.DictElement:
        if scope == "list-query":
            return self._query_item(original, element, key)
        new = self._rename(original, scope, key)
        if new is not None:
            return element.with_changes(key=with_text(element.key, new))
        rule = self.rules.reshaped_values.get(scope, {}).get(key)
        # A rule with a fixer of its own (AS303 splits a detect slug) judges its own values.
        if rule is not None and rule.code not in FIXERS and not value_conforms(element.value, key, scope, rule):
            self.file.report(original, rule, f"`{key}` as sent here may not be what 2025-01 takes: {rule.title}")
        self._report_write(original, scope, key)
        return element

    def _query_item(self, original: cst.DictElement, element: cst.DictElement, key: str) -> cst.DictElement:
        """GET /trackings query parameters: renamed keys and renamed `fields=` values."""
        new = self._rename(original, "list-query", key)
        if new is not None:
            return element.with_changes(key=with_text(element.key, new))
        if key == "fields" and isinstance(element.value, cst.SimpleString):
            fields = {**self.rules.renames.get("tracking", {}), **self.rules.renames.get("list-query", {})}
            parts = [p.strip() for p in (string_key(element.value) or "").split(",")]
            changed = [fields[p] for p in parts if p in fields]
            if changed and all(self.file.fix(original, rule) for _, rule in changed):
                renamed = [fields[p][0] if p in fields else p for p in parts]
                return element.with_changes(value=with_text(element.value, ",".join(renamed)))
        return element
