"""Documentation generated from the catalogue (the README's rules table)."""

from __future__ import annotations

from migrator.catalogue import Catalogue

BEGIN, END = "<!-- rules-table:begin -->", "<!-- rules-table:end -->"


def rules_table(catalogue: Catalogue) -> str:
    rows = ["| Code | Name | What changes | Guide | Engines | Fix |", "|---|---|---|---|---|---|"]
    for rule in catalogue:
        title = rule.title.replace("|", "\\|") + ("" if rule.default else " *(off by default)*")
        guide = rule.guide.replace("|", "\\|")
        rows.append(f"| {rule.code} | `{rule.name}` | {title} | {guide} | {', '.join(sorted(rule.engines))} "
                    f"| {rule.safety} |")
    return "\n".join(rows)


def with_rules_table(readme: str, catalogue: Catalogue) -> str:
    """The README text with the block between the markers regenerated."""
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:start] + "\n" + rules_table(catalogue) + "\n" + readme[end:]


if __name__ == "__main__":  # python -m migrator.docs README.md: regenerate the table in place
    import sys
    from pathlib import Path

    from migrator.catalogue import load_catalogue

    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    readme.write_text(with_rules_table(readme.read_text(encoding="utf-8"), load_catalogue()), encoding="utf-8")
