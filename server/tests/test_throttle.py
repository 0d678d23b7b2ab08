"""Logins are throttled per address and per account, and nobody can lock a real user out for long
(issue 12, item 5). Over a real socket: the server runs behind a proxy on the same host, which
reports each client's address in X-Forwarded-For (uvicorn trusts 127.0.0.1 by default)."""

from __future__ import annotations

import os
import time

import pytest
import requests
from shuibao_server.config import Settings
from shuibao_server.testing.helpers import PASSWORD
from shuibao_server.testing.server import ServerProcess
from shuibao_server.throttle import Limit, wait_after

ATTACKER, USER = "203.0.113.7", "198.51.100.2"


@pytest.fixture
def server(api, database_url, settings):
    api.user("li")
    env = dict(os.environ, SHUIBAO_DATABASE_URL=database_url, SHUIBAO_DATA_DIR=str(settings.data_dir))
    with ServerProcess(env) as running:
        yield running


def _login(server: ServerProcess, password: str, address: str, client_id: str = "laptop-x") -> requests.Response:
    body = {"username": "li", "password": password, "client_id": client_id}
    return requests.post(server.url + "/auth/login", json=body, headers={"X-Forwarded-For": address}, timeout=10)


def _waits(r: requests.Response, seconds: int) -> None:
    assert r.status_code == 429, r.text
    assert r.headers["Retry-After"] == str(seconds)
    problem = r.json()
    assert problem["type"].endswith("/too-many-attempts") and problem["retry_after"] == seconds
    assert f"{seconds} 秒后再试" in problem["errors"][0]["zh"], problem


def test_wrong_passwords_from_one_address_wait_longer_each_time(server):
    assert [_login(server, "wrong", ATTACKER).status_code for _ in range(5)] == [401] * 5
    _waits(_login(server, PASSWORD, ATTACKER), 1)  # even the right password waits: no oracle
    time.sleep(1.1)
    assert _login(server, "wrong", ATTACKER).status_code == 401
    _waits(_login(server, "wrong", ATTACKER), 2)
    time.sleep(2.1)
    assert _login(server, PASSWORD, ATTACKER).status_code == 200  # after the wait, the right one works
    # the 200 wrong passwords in a row: one is answered, the rest wait
    answers = [_login(server, "wrong", ATTACKER).status_code for _ in range(200)]
    assert answers.count(401) == 1 and answers.count(429) == 199


def test_the_address_limit_bites_first_so_the_user_logs_in(server):
    answers = [_login(server, "wrong", ATTACKER).status_code for _ in range(30)]
    assert answers == [401] * 5 + [429] * 25
    assert _login(server, PASSWORD, USER, client_id="new-laptop").status_code == 200


def test_many_addresses_slow_the_account_but_not_the_users_own_laptop(server):
    assert _login(server, PASSWORD, USER, client_id="laptop-1").status_code == 200
    spread = [_login(server, "wrong", f"192.0.2.{i}").status_code for i in range(1, 11)]
    assert spread == [401] * 10  # one guess per address: no address waits, the account counts 10
    _waits(_login(server, PASSWORD, "192.0.2.200", client_id="someone-new"), 1)
    time.sleep(1.1)
    assert _login(server, "wrong", "192.0.2.11").status_code == 401
    _waits(_login(server, PASSWORD, "192.0.2.200", client_id="someone-new"), 2)  # the account's wait grows
    r = _login(server, PASSWORD, USER, client_id="laptop-1")  # the user's own laptop is not held up,
    assert r.status_code == 200
    assert _login(server, PASSWORD, USER, client_id="laptop-2").status_code == 200  # and its login clears the count


def test_a_wrong_old_password_counts_as_a_failed_login(api):
    c = api.client("li")
    body = {"old_password": "wrong-password", "new_password": "a-new-password"}
    answers = [api.http.post("/api/v1/auth/password", json=body, headers=c.headers).status_code for _ in range(6)]
    assert answers == [403] * 5 + [429]
    r = api.http.post("/api/v1/auth/password", json={**body, "old_password": PASSWORD}, headers=c.headers)
    assert r.status_code == 429 and r.json()["errors"][0]["zh"]


def test_waits_double_and_are_capped():
    s = Settings()
    account = Limit("account:li", s.login_free_per_account, s.login_max_wait_account)
    address = Limit("address:x", s.login_free_per_address, s.login_max_wait_address)
    assert [wait_after(n, address) for n in range(1, 9)] == [0, 0, 0, 0, 1, 2, 4, 8]
    assert address.free < account.free  # the address limit bites first
    assert max(wait_after(n, account) for n in range(1000)) == 60  # an account never waits long
    assert max(wait_after(n, address) for n in range(1000)) == 900
