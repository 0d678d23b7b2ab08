"""Changing one's own password (POST /auth/password) and the same policy in the CLI."""

from __future__ import annotations

from shuibao_server.cli import main
from shuibao_server.testing.helpers import PASSWORD, Client

NEW = "a-new-password-1"


def _change(api, client: Client, old: str, new: str):
    body = {"old_password": old, "new_password": new}
    return api.http.post("/api/v1/auth/password", json=body, headers={"Authorization": f"Bearer {client.token}"})


def _me(api, client: Client) -> int:
    return api.http.get("/api/v1/auth/me", headers=client.headers).status_code


def _login(api, username: str, password: str) -> int:
    body = {"username": username, "password": password, "client_id": "probe"}
    return api.http.post("/api/v1/auth/login", json=body).status_code


def test_change_password_revokes_the_other_tokens(api):
    laptop = api.client("ann")
    office = Client(api, "ann")  # another device of the same user
    again = Client(api, "ann", client_id=laptop.client_id)  # a second token of the same device
    other_user = api.client("bob")
    r = _change(api, laptop, PASSWORD, NEW)
    assert r.status_code == 204 and r.content == b""
    assert _me(api, laptop) == 200  # the token of the request stays valid
    assert _me(api, office) == 401 and _me(api, again) == 401
    assert _me(api, other_user) == 200
    assert _login(api, "ann", PASSWORD) == 401 and _login(api, "ann", NEW) == 200


def test_wrong_old_password_changes_nothing(api):
    laptop = api.client("ann")
    office = Client(api, "ann")
    r = _change(api, laptop, "not-my-password", NEW)
    assert r.status_code == 403
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["type"].endswith("/bad-credentials") and body["errors"][0]["zh"] == "原密码不正确"
    assert _me(api, office) == 200 and _login(api, "ann", PASSWORD) == 200 and _login(api, "ann", NEW) == 401


def test_weak_new_passwords_are_refused_with_the_reason(api):
    laptop = api.client("ann-lee")
    office = Client(api, "ann-lee")
    cases = [("short12", "too_short", "至少需要 8 个字符"), ("", "too_short", "至少需要 8 个字符"),
             (PASSWORD, "unchanged", "不能与原密码相同")]  # fmt: skip
    for new, code, zh in cases:
        r = _change(api, laptop, PASSWORD, new)
        assert r.status_code == 422, (new, r.text)
        body = r.json()
        assert body["type"].endswith("/weak-password") and body["errors"][0]["code"] == code, body
        assert zh in body["errors"][0]["zh"] and body["errors"][0]["field"] == "new_password"
    assert _me(api, office) == 200 and _login(api, "ann-lee", PASSWORD) == 200


def test_new_password_equal_to_the_user_name(api):
    api.user("lee-long-name")
    client = Client(api, "lee-long-name")
    r = _change(api, client, PASSWORD, "lee-long-name")
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "equals_username"
    assert "用户名" in r.json()["errors"][0]["zh"]


def test_password_change_needs_a_token(api):
    r = api.http.post("/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": NEW})
    assert r.status_code == 401 and r.json()["errors"][0]["zh"]


def test_cli_password_rules(database_url, api, capsys):
    base = ["--database-url", database_url]
    assert main([*base, "user", "add", "kim", "--role", "inspector", "--county", "360721", "--password", "short"]) == 1
    assert "8 characters" in capsys.readouterr().err
    args = ["--role", "inspector", "--county", "360721", "--password", "longname1"]
    assert main([*base, "user", "add", "longname1", *args]) == 1
    assert "user name" in capsys.readouterr().err
    laptop = api.client("ann")
    assert main([*base, "user", "passwd", "ann", "--password", PASSWORD]) == 1  # unchanged
    assert "differ" in capsys.readouterr().err and _me(api, laptop) == 200
    assert main([*base, "user", "passwd", "ann", "--password", NEW]) == 0
    assert "1 token(s) revoked" in capsys.readouterr().out
    assert _me(api, laptop) == 401 and _login(api, "ann", NEW) == 200
    assert main([*base, "user", "passwd", "nobody", "--password", NEW]) == 1
