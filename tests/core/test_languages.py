"""Languages are BCP 47 tags: accepted when valid, stored canonical, compared by whole subtags, shown by name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.core.languages import (
    OFFERED,
    LanguageTagError,
    bridges,
    interpreter_needed,
    language_label,
    language_tag,
    language_tag_problem,
    shared_languages,
    tags_match,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("en", "en"),
        ("yue", "yue"),
        ("cmn", "cmn"),
        ("ZH-hant-hk", "zh-Hant-HK"),
        ("en-us", "en-US"),
        ("es-419", "es-419"),
        ("no", "no"),
        ("iw", "he"),  # deprecated code → its preferred value
        ("spa", "es"),  # an over-long code → the shortest
        ("zh-yue", "yue"),  # an extended language subtag is the language itself
        ("zh-cmn", "cmn"),  # … and is never folded into its macrolanguage
        ("x-klingon", "x-klingon"),
    ],
)
def test_a_valid_tag_is_stored_in_its_canonical_form(typed, stored):
    assert language_tag(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "e",
        "zz",
        "jp",
        "en_US",
        "en-",
        "en--US",
        "spa-MX-Latn",
        " en",
        "en\n",
        "a" * 36,
        "und",
        "zxx",
        "mul",
    ],
)
def test_a_value_that_is_not_a_language_tag_is_refused_with_examples(typed):
    problem = language_tag_problem(typed)
    assert problem
    assert "e.g. en, es, yue, zh-Hant" in problem
    with pytest.raises(LanguageTagError):
        language_tag(typed)


def test_a_value_that_is_not_a_string_is_refused():
    assert language_tag_problem(False)  # YAML 1.1's `no`
    assert language_tag_problem(None)


@pytest.mark.parametrize(
    ("first", "second", "share"),
    [
        ("zh", "zh-Hant", True),
        ("zh-hant", "ZH-Hant-HK", True),
        ("en", "en-US", True),
        ("es", "ES", True),
        ("zh", "yue", False),
        ("zh", "cmn", False),
        ("yue", "cmn", False),
        ("en-US", "en-GB", False),
        ("zh-Hant", "zh-Hans", False),
        ("es", "est", False),  # a prefix by characters, not by whole subtags
    ],
)
def test_two_tags_share_a_language_when_one_is_a_prefix_of_the_other_by_whole_subtags(first, second, share):
    assert tags_match(first, second) is share
    assert tags_match(second, first) is share


def test_an_interpreter_bridges_when_they_speak_one_language_of_each_side():
    assert bridges(["en", "es"], ["es-MX"], ["en-US"])
    assert not bridges(["en", "zh"], ["yue"], ["en"])  # Chinese is not Cantonese
    assert not bridges(["es", "ti"], ["es"], ["en"])


def test_an_interpreter_is_needed_only_when_no_language_is_shared():
    assert not interpreter_needed(["es", "en"], ["en"])
    assert interpreter_needed(["yue"], ["en", "zh"])
    assert interpreter_needed([], ["en"])
    assert shared_languages(["yue", "es", "zh-Hant"], ["zh", "es-MX"]) == ["es", "zh-Hant"]


@pytest.mark.parametrize(
    ("tag", "label"),
    [
        ("yue", "Cantonese (yue)"),
        ("cmn", "Mandarin Chinese (cmn)"),
        ("es", "Spanish (es)"),
        ("zh-Hant", "Chinese (Traditional) (zh-Hant)"),
        ("qaa", "qaa"),  # valid, reserved for local use: no name
        ("x-klingon", "x-klingon"),
        ("not a tag", "not a tag"),
    ],
)
def test_a_language_is_shown_by_name_and_tag_and_an_unnamed_tag_as_itself(tag, label):
    assert language_label(tag) == label


def test_every_offered_language_is_canonical_and_named():
    assert len(set(OFFERED)) == len(OFFERED)
    for tag in OFFERED:
        assert language_tag(tag) == tag
        assert language_label(tag) != tag


_subtag = st.sampled_from(["en", "es", "zh", "yue", "cmn", "Hant", "Hans", "US", "HK", "419", "fr", "CA"])


@given(
    st.lists(_subtag, min_size=1, max_size=3).map("-".join),
    st.lists(_subtag, min_size=1, max_size=3).map("-".join),
)
def test_matching_is_symmetric_and_ignores_case(first, second):
    assert tags_match(first, second) == tags_match(second, first) == tags_match(first.upper(), second.lower())


@given(st.sampled_from(OFFERED), st.sampled_from(["", "-US", "-Hant", "-419", "-HK", "-Latn-US"]))
def test_canonical_form_is_stable(language, rest):
    typed = language + rest
    if language_tag_problem(typed):
        return
    stored = language_tag(typed)
    assert language_tag(stored) == stored
    assert language_tag(typed.upper()) == stored
