"""URL pieces: every way code builds a slug/number URL splits alike, and comes back as one f-string."""

from __future__ import annotations

import libcst as cst
import pytest

from migrator.api import rewrite_code
from migrator.codemod.pieces import cut_segments, f_string, pieces, split_slug_number

code = cst.Module(body=[]).code_for_node
SAME = [
    'f"{BASE}/trackings/{slug}/{n}"',
    'BASE + "/trackings/" + slug + "/" + n',
    '"%s/trackings/%s/%s" % (BASE, slug, n)',
    '"{}/trackings/{}/{}".format(BASE, slug, n)',
    '"{0}/trackings/{1}/{2}".format(BASE, slug, n)',
]


@pytest.mark.parametrize("source", SAME)
def test_forms_split_alike(source):
    found = pieces(cst.parse_expression(source))
    head, slug, number, tail = split_slug_number(found)
    assert [p if isinstance(p, str) else code(p) for p in head] == ["BASE", "/trackings/"]
    assert (code(slug), code(number), tail) == ("slug", "n", [])
    assert f_string([*head, cst.Name("tracking_id")], code) == 'f"{BASE}/trackings/{tracking_id}"'


@pytest.mark.parametrize("source", ['f"trackings/{s!r}/{n}"', '"trackings/%d/%s" % (s, n)', 'b"trackings/x"',
                                    '"trackings/{a}/{b}".format(a=s, b=n)'])
def test_forms_that_cannot_be_split_safely(source):
    assert pieces(cst.parse_expression(source)) is None


def test_text_is_escaped_for_the_f_string():
    text = 'say "{hi}" \\ \n'
    source = f_string([text, cst.Name("x")], code)
    assert eval(source, {"x": 1}) == text + "1"


def test_unsafe_lookup_for_a_concatenated_url():
    source = ('import requests\nAPI = "https://api.aftership.com/v4"\n\n'
              'def get(slug, n):\n    return requests.get(API + "/trackings/" + slug + "/" + n).json()\n')
    result = rewrite_code(source, unsafe_fixes=True)
    assert 'requests.get(f"{API}/trackings/{tracking_id}")' in result.code
    assert 'lookup = requests.get(API + "/trackings", params={"slug": slug, "tracking_numbers": n})' not in result.code
    assert 'params={"slug": slug, "tracking_numbers": n}' in result.code
    assert not [f for f in result.findings if f.code == "AS201"]


def test_unsafe_lookup_for_a_url_bound_above_the_call():
    source = ('import requests\nAPI = "https://api.aftership.com/v4"\n\n\ndef get(slug, n):\n'
              '    url = "%s/trackings/%s/%s" % (API, slug, n)\n    r = requests.get(url, timeout=5)\n'
              '    return r.json()\n')
    result = rewrite_code(source, unsafe_fixes=True)
    assert ('    lookup = requests.get(f"{API}/trackings", params={"slug": slug, "tracking_numbers": n}, timeout=5)\n'
            '    lookup.raise_for_status()\n') in result.code
    assert '    url = f"{API}/trackings/{tracking_id}"\n    r = requests.get(url, timeout=5)\n' in result.code
    assert result.findings == []
    assert rewrite_code(source).findings  # reported without --unsafe-fixes


def test_detect_slug_constant_split_at_its_use_is_not_reported_unless_the_use_is_kept():
    head = 'import requests\nAPI = "https://api.aftership.com/v4"\nSLUGS = "ups,fedex"\n\n\ndef detect(n, slugs=SLUGS):\n'
    call = '    return requests.post(API + "/couriers/detect", json={"tracking": {"tracking_number": n, "slug": slugs}})'
    caller = '\n\n\ndef main():\n    return detect("1Z999"), detect("1Z998", "dhl,usps")\n'
    split = rewrite_code(head + call + "\n" + caller)
    assert '"slug": [part.strip() for part in slugs.split(",") if part.strip()]' in split.code
    assert split.findings == []
    kept = rewrite_code(head + call + "  # aftership-migrate: ignore[AS303]\n" + caller)
    # The constant and the caller's literal are reported, since the use stays a string.
    assert [(f.line, f.code) for f in kept.findings] == [(3, "AS303"), (12, "AS303")]


def test_a_slug_parameter_without_a_default_is_not_split_when_a_caller_passes_a_list():
    source = ('import requests\nAPI = "https://api.aftership.com/v4"\nslug = "ups"\n\n\n'
              'def detect(number, slug):\n'
              '    return requests.post(API + "/couriers/detect", json={"tracking": {"tracking_number": number, "slug": slug}})\n'
              '\n\ndef main():\n    return detect("1Z", ["ups", "fedex"])\n')
    result = rewrite_code(source, unsafe_fixes=True)
    assert ".split(" not in result.code
    assert (7, "AS303") in [(f.line, f.code) for f in result.findings]


def test_two_lookups_before_one_statement_keep_their_own_ids():
    """Both calls of one statement get a lookup inserted before it: each must keep its own id."""
    source = ('import requests\nAPI = "https://api.aftership.com/v4"\n\n\ndef both(s1, a, s2, b):\n'
              '    return (requests.get(f"{API}/trackings/{s1}/{a}").json(),\n'
              '            requests.get(f"{API}/trackings/{s2}/{b}").json())\n')
    code = rewrite_code(source, unsafe_fixes=True).code
    assert '"slug": s1, "tracking_numbers": a' in code and '"slug": s2, "tracking_numbers": b' in code
    assert 'trackings/{tracking_id}")' in code and 'trackings/{tracking_id_2}")' in code
    order = [code.index('"slug": s1'), code.index("tracking_id = next("), code.index('"slug": s2'),
             code.index("tracking_id_2 = next("), code.index('trackings/{tracking_id}")'),
             code.index('trackings/{tracking_id_2}")')]
    assert order == sorted(order)


def test_no_lookup_before_a_line_of_several_statements():
    """`s = pick(); r = get(...)`: a lookup before the line would read `s` before it is set."""
    source = ('import requests\nAPI = "https://api.aftership.com/v4"\n\n\ndef f(pick, n):\n'
              '    s = pick(); r = requests.get(f"{API}/trackings/{s}/{n}")\n    return r\n')
    result = rewrite_code(source, unsafe_fixes=True)
    assert "tracking_numbers" not in result.code
    assert [f.code for f in result.findings] == ["AS201"]


@pytest.mark.parametrize(("source", "slug", "number", "tail"), [
    ('"/trackings/ups/1Z9"', '"ups"', '"1Z9"', []),
    ('f"{BASE}/trackings/ups/{n}/retrack"', '"ups"', "n", ["/retrack"]),
    ('BASE + "/trackings/" + slug + "/1Z9?lang=en"', "slug", '"1Z9"', ["?lang=en"]),
])
def test_slug_and_number_written_in_the_text_split_as_literals(source, slug, number, tail):
    head, found_slug, found_number, found_tail = split_slug_number(cut_segments(pieces(cst.parse_expression(source)),
                                                                                "trackings"))
    assert (code(found_slug), code(found_number), found_tail) == (slug, number, tail)
    assert head[-1].endswith("/trackings/")


@pytest.mark.parametrize("source", ['f"/trackings/{tid}/retrack"', '"/trackings/abc/mark-as-completed"',
                                    '"/trackings/abc"', '"/couriers/ups/x"'])
def test_an_action_or_a_single_segment_is_not_a_slug_and_number(source):
    assert split_slug_number(cut_segments(pieces(cst.parse_expression(source)), "trackings")) is None
