"""Languages as BCP 47 tags (RFC 5646): what every part of Haven accepts, stores, compares and shows.

Pure Python, below everything that names a language — the plan file, accounts, persons, needs, information,
the interview guardrails and the solver — so that "do these two share a language?" is decided here once.

- **Accepted**: a well-formed, valid tag of at most 35 characters (RFC 5646 §4.4.1): `en`, `es`, `zh`,
  `yue`, `cmn`, `zh-Hant`, `es-419`, `no`. Tags that name no language (`und`, `mul`, `zxx`, `mis`) are
  refused: nobody can be matched to them. Validation is langcodes' (the IANA subtag registry).
- **Stored** canonical: case per RFC 5646 §2.1.1 (`zh-Hant-HK`, `en-US`), deprecated and over-long codes
  replaced by their preferred form (`iw` → `he`, `spa` → `es`, `en-Latn` → `en`), and an extended language
  subtag by that language itself (`zh-yue` → `yue`, `zh-cmn` → `cmn`). A macrolanguage never replaces one of
  its languages: `yue` and `cmn` stay themselves and are not `zh`.
- **Compared** case-insensitively by RFC 4647 basic filtering in either direction: two tags share a language
  when they are equal or one is a prefix of the other by whole subtags (`zh` ~ `zh-Hant`, `en` ~ `en-US`;
  `zh` ≁ `yue`, `zh` ≁ `cmn`, `en-US` ≁ `en-GB`, `zh-Hant` ≁ `zh-Hans`).
- **Shown** by name and tag: "Cantonese (yue)"; a valid tag without a known name is shown as the tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Final

import langcodes

#: The longest tag Haven stores (RFC 5646 §4.4.1: at least 35 characters should be accommodated).
MAX_TAG_LENGTH: Final = 35

#: Valid subtags that name no language anyone speaks: undetermined, multiple, no linguistic content,
#: uncoded. A person "speaking" `und` would share it with an interviewer "speaking" `und`.
NOT_A_LANGUAGE: Final = frozenset({"und", "mul", "zxx", "mis"})

#: Offered first where a page lets one choose a language from a list (any valid tag can be typed
#: elsewhere): every ISO 639-1 language (Tagalog as `fil`, its canonical form), and languages without a two-letter code that task forces meet
#: and need interpreters for — Cantonese, Mandarin, Min Nan, Hakka, Wu, Hmong and Guatemala's Mam, Kʼicheʼ,
#: Qʼanjobʼal.
OFFERED: Final = [
    "aa",
    "ab",
    "ae",
    "af",
    "ak",
    "am",
    "an",
    "ar",
    "as",
    "av",
    "ay",
    "az",
    "ba",
    "be",
    "bg",
    "bi",
    "bm",
    "bn",
    "bo",
    "br",
    "bs",
    "ca",
    "ce",
    "ch",
    "co",
    "cr",
    "cs",
    "cu",
    "cv",
    "cy",
    "da",
    "de",
    "dv",
    "dz",
    "ee",
    "el",
    "en",
    "eo",
    "es",
    "et",
    "eu",
    "fa",
    "ff",
    "fi",
    "fj",
    "fo",
    "fr",
    "fy",
    "ga",
    "gd",
    "gl",
    "gn",
    "gu",
    "gv",
    "ha",
    "he",
    "hi",
    "ho",
    "hr",
    "ht",
    "hu",
    "hy",
    "hz",
    "ia",
    "id",
    "ie",
    "ig",
    "ii",
    "ik",
    "io",
    "is",
    "it",
    "iu",
    "ja",
    "jv",
    "ka",
    "kg",
    "ki",
    "kj",
    "kk",
    "kl",
    "km",
    "kn",
    "ko",
    "kr",
    "ks",
    "ku",
    "kv",
    "kw",
    "ky",
    "la",
    "lb",
    "lg",
    "li",
    "ln",
    "lo",
    "lt",
    "lu",
    "lv",
    "mg",
    "mh",
    "mi",
    "mk",
    "ml",
    "mn",
    "mr",
    "ms",
    "mt",
    "my",
    "na",
    "nb",
    "nd",
    "ne",
    "ng",
    "nl",
    "nn",
    "no",
    "nr",
    "nv",
    "ny",
    "oc",
    "oj",
    "om",
    "or",
    "os",
    "pa",
    "pi",
    "pl",
    "ps",
    "pt",
    "qu",
    "rm",
    "rn",
    "ro",
    "ru",
    "rw",
    "sa",
    "sc",
    "sd",
    "se",
    "sg",
    "si",
    "sk",
    "sl",
    "sm",
    "sn",
    "so",
    "sq",
    "sr",
    "ss",
    "st",
    "su",
    "sv",
    "sw",
    "ta",
    "te",
    "tg",
    "th",
    "ti",
    "tk",
    "fil",
    "tn",
    "to",
    "tr",
    "ts",
    "tt",
    "tw",
    "ty",
    "ug",
    "uk",
    "ur",
    "uz",
    "ve",
    "vi",
    "vo",
    "wa",
    "wo",
    "xh",
    "yi",
    "yo",
    "za",
    "zh",
    "zu",
    "yue",
    "cmn",
    "nan",
    "hak",
    "wuu",
    "hmn",
    "mam",
    "quc",
    "kjb",
]

_WELL_FORMED_CHARACTERS = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")

EXAMPLES: Final = "e.g. en, es, yue, zh-Hant"


class LanguageTagError(ValueError):
    """A value that is not a BCP 47 language tag Haven accepts; the message says what would be."""


def language_tag(value: str) -> str:
    """The canonical form of a BCP 47 tag (see the module's docstring), or `LanguageTagError`."""
    problem = language_tag_problem(value)
    if problem:
        raise LanguageTagError(problem)
    return _canonical(value)


def language_tag_problem(value: object) -> str:
    """What is wrong with `value` as a language tag, or "" when it is one Haven accepts."""
    if not isinstance(value, str):
        return f"{value!r} is not a BCP 47 language tag ({EXAMPLES})"
    if len(value) > MAX_TAG_LENGTH:
        return f"{value[:40]!r} is longer than {MAX_TAG_LENGTH} characters: give a BCP 47 language tag ({EXAMPLES})"
    if not _WELL_FORMED_CHARACTERS.fullmatch(value) or not _valid(value):
        return f"{value!r} is not a BCP 47 language tag ({EXAMPLES})"
    if _canonical(value).lower() in NOT_A_LANGUAGE:
        return f"{value!r} names no language: give the language the person speaks ({EXAMPLES})"
    return ""


def is_language_tag(value: object) -> bool:
    return not language_tag_problem(value)


@lru_cache(maxsize=4096)
def _valid(value: str) -> bool:
    return bool(langcodes.tag_is_valid(value))


@lru_cache(maxsize=4096)
def _canonical(value: str) -> str:
    canonical = str(langcodes.standardize_tag(value, macro=False))
    subtags = value.split("-")
    # An extended language subtag is the language itself (RFC 5646 §2.2.2: `zh-yue` is `yue`); langcodes
    # folds some of them into the macrolanguage (`zh-cmn` into `zh`), the very distinction kept here.
    folded = canonical.split("-", maxsplit=1)[0].lower() == subtags[0].lower()
    if folded and len(subtags) >= 2 and re.fullmatch(r"[A-Za-z]{3}", subtags[1]):
        return str(langcodes.standardize_tag("-".join(subtags[1:]), macro=False))
    return canonical


def tags_match(first: str, second: str) -> bool:
    """Whether two tags share a language: equal, or one a prefix of the other by whole subtags, ignoring
    case (RFC 4647 §3.3.1 basic filtering, in either direction)."""
    a, b = first.lower(), second.lower()
    return a == b or a.startswith(b + "-") or b.startswith(a + "-")


def shared_languages(first: Iterable[str], second: Iterable[str]) -> list[str]:
    """The tags of `first`, in order, that share a language with some tag of `second`."""
    others = list(second)
    return [tag for tag in first if any(tags_match(tag, other) for other in others)]


def speaks_any(spoken: Iterable[str], wanted: Iterable[str]) -> bool:
    """Whether someone who speaks `spoken` shares a language with someone who speaks `wanted`."""
    return bool(shared_languages(spoken, wanted))


def bridges(interpreter: Iterable[str], person: Sequence[str], interviewer: Sequence[str]) -> bool:
    """Whether an interpreter can carry an interview between the two: they speak one of the person's
    languages and one of the interviewer's (interview-scheduling.md, rule 4)."""
    spoken = list(interpreter)
    return speaks_any(spoken, person) and speaks_any(spoken, interviewer)


def interpreter_needed(person: Sequence[str], interviewer: Sequence[str]) -> bool:
    """Rule 4's first half: no interpreter when the person and the interviewer share a language."""
    return not speaks_any(person, interviewer)


@lru_cache(maxsize=4096)
def language_name(tag: str) -> str:
    """`yue` → `Cantonese`, `zh-Hant` → `Chinese (Traditional)`; a tag without a known name (`qaa`,
    `x-klingon`, or anything not a tag) is returned unchanged."""
    if not tag or not _valid(tag):
        return tag
    name = str(langcodes.Language.get(tag, normalize=False).display_name())
    return tag if name.startswith("Unknown language") else name


def language_label(tag: str) -> str:
    """`yue` → `Cantonese (yue)`; a tag without a known name is shown as the tag alone."""
    name = language_name(tag)
    return tag if name == tag else f"{name} ({tag})"


def languages_label(tags: Iterable[str]) -> str:
    """`["es", "yue"]` → `Spanish (es), Cantonese (yue)`; "" for none."""
    return ", ".join(language_label(tag) for tag in tags)
