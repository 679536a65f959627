"""Logging in as people expect: the login name in any case, and a wrong password keeps the name typed."""

import pytest
from django.test import Client

from gongzhi import demo


@pytest.mark.parametrize("typed", ["wangayi", "WangAyi", "WANGAYI"])
def test_the_login_name_in_any_case(db, world, typed):
    client = Client()
    answer = client.post("/login/", {"username": typed, "password": demo.DEMO_PASSWORD})
    assert answer.status_code == 302
    assert client.get("/").context["user"].username == "wangayi"


def test_the_api_token_takes_the_name_in_any_case(db, world):
    answer = Client().post("/api/v1/auth/token", {"username": "ZhaoZhuRen", "password": demo.DEMO_PASSWORD},
                           content_type="application/json")
    assert answer.status_code == 201


def test_two_logins_differing_only_in_case_each_need_their_own_spelling(db, world, django_user_model):
    django_user_model.objects.create_user(username="WangAyi", password="another-secret")
    assert Client().login(username="wangayi", password=demo.DEMO_PASSWORD)
    assert Client().login(username="WangAyi", password="another-secret")
    assert not Client().login(username="WANGAYI", password=demo.DEMO_PASSWORD)  # ambiguous: no guess


def test_a_wrong_password_keeps_the_name_and_says_so(db, world):
    page = Client().post("/login/", {"username": "wangayi", "password": "wrong"})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'value="wangayi"' in text and "用户名或密码不正确" in text
    assert 'name="password" autocomplete="current-password" required autofocus' in text
