"""A user's spoken languages are BCP 47 tags (exercise.md): stored canonical, refused by field otherwise."""

from __future__ import annotations

import pytest

from haven.accounts import services
from haven.accounts.models import SpokenLanguage
from haven.core.errors import ValidationFailed
from tests.personas import PASSWORD, agency

pytestmark = pytest.mark.django_db


def test_an_interpreter_speaks_cantonese_and_traditional_chinese_not_just_chinese():
    user = services.user_create(
        actor=None, username="kam.interpreter", name="Kam Interpreter", agency=agency("lingua"),
        password=PASSWORD, languages=["en", "YUE", "zh-hant-hk", "zh-cmn"],
    )  # fmt: skip
    assert sorted(user.language_codes) == ["cmn", "en", "yue", "zh-Hant-HK"]
    services.user_update(actor=None, user=user, languages=["yue", "iw"])
    assert sorted(user.language_codes) == ["he", "yue"]


@pytest.mark.parametrize("typed", ["english", "en_US", "zz", "und", "x" * 40])
def test_a_value_that_is_not_a_language_tag_is_refused_naming_the_field_and_nothing_is_stored(typed):
    with pytest.raises(ValidationFailed) as refused:
        services.user_create(
            actor=None, username="lan.bad", name="Lan Bad", agency=agency("lingua"), password=PASSWORD,
            languages=["en", typed],
        )  # fmt: skip
    assert [p.path for p in refused.value.problems] == ["languages"]
    assert not SpokenLanguage.objects.exists()


def test_the_longest_tag_fits_the_column():
    tag = "zh-Hant-HK-x-abcdefgh-abcdefgh-abcd"  # 35 characters
    assert len(tag) == 35
    user = services.user_create(
        actor=None, username="long.tag", name="Long Tag", agency=agency("lingua"), password=PASSWORD,
        languages=[tag],
    )  # fmt: skip
    SpokenLanguage.objects.get(user=user).full_clean()
    assert user.language_codes == [tag]
