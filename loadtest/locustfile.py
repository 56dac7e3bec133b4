"""Deadline night under load: each simulated delegate (already signed in, one account each) opens the form, saves a
draft, opens and saves it again, files it, then keeps reading its positions list until the run ends.

Run through ``make load-deadline`` (``manage.py load_deadline``): it seeds the accounts into a throwaway database,
starts gunicorn with 12 workers on a loopback port and runs this file headless for a bounded time. The accounts
come from the JSON file named by ``LOAD_ACCOUNTS``: {"round": id, "chapter": id, "delegates": [session keys]}.
"""

from __future__ import annotations

import json
import os
import re

from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLIENT_TOKEN = re.compile(r'name="client_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
POSITION = re.compile(r"/positions/(\d+)/$")

with open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8") as accounts_file:
    ACCOUNTS = json.load(accounts_file)
SESSIONS = iter(ACCOUNTS["delegates"])


def _hidden(text: str) -> dict[str, str]:
    values = {}
    for name, pattern in (("csrfmiddlewaretoken", CSRF), ("client_token", CLIENT_TOKEN), ("version", VERSION)):
        if match := pattern.search(text):
            values[name] = match.group(1)
    return values


def _content(title: str) -> dict[str, str]:
    return {
        "chapter": str(ACCOUNTS["chapter"]),
        "round": str(ACCOUNTS["round"]),
        "title": title,
        "summary": "Posición de la prueba de carga de la noche del cierre.",
        "body": "Texto completo.",
        "stance": "offensive",
        "priority": "medium",
        "confidentiality": "government",
        "hs_lines": "8703.23",
        "exports_usd": "250000",
        "jobs": "40",
    }


class Delegate(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        session_key = next(SESSIONS, None)
        if session_key is None:  # more users than accounts: this one only reads
            self.filed = True
            return
        self.client.cookies.set("sessionid", session_key)
        self.filed = False

    @task
    def deadline_night(self) -> None:
        if self.filed:
            self.client.get("/positions/", name="/positions/")
            return
        self.filed = True
        form = self.client.get("/positions/new/", name="open form")
        data = _content("Prueba de carga") | _hidden(form.text)
        with self.client.post(
            "/positions/new/", data=data, allow_redirects=False, name="save draft", catch_response=True
        ) as saved:
            match = POSITION.search(saved.headers.get("Location", ""))
            if saved.status_code != 302 or not match:
                saved.failure(f"draft not saved: {saved.status_code}")
                return
        pk = match.group(1)
        form = self.client.get(f"/positions/{pk}/edit/", name="open draft")
        data = _content("Prueba de carga (revisada)") | _hidden(form.text)
        self.client.post(f"/positions/{pk}/edit/", data=data, allow_redirects=False, name="save draft again")
        page = self.client.get(f"/positions/{pk}/", name="open position")
        with self.client.post(
            f"/positions/{pk}/file/", data=_hidden(page.text), allow_redirects=False, name="file", catch_response=True
        ) as filed:
            if filed.status_code != 302:
                filed.failure(f"not filed: {filed.status_code}")
