"""Small helpers for tests that go through the public surface: a client signed in as someone,
speaking a language, and JSON bodies for the API."""

import json

from django.test import Client


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def put_json(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")
