"""A v4 client, as a project's tests exercise it: its cassettes are recorded against the fake
v4 API, then it and its cassettes are rewritten together (tests/test_cassettes.py)."""
import requests

API = "https://api.aftership.com/v4"
STATUS = "https://status.example.com/ping"  # another service the same tests record
SESSION = requests.Session()
SESSION.headers["aftership-api-key"] = "test-key"


def add_tracking(number, slug, country, title):
    response = SESSION.post(f"{API}/trackings", json={"tracking": {"tracking_number": number, "slug": slug,
                                                                    "origin_country_iso3": country, "title": title}})
    response.raise_for_status()
    return response.json()["data"]["tracking"]["id"]


def rename(tracking_id, title):
    SESSION.put(f"{API}/trackings/{tracking_id}", json={"tracking": {"title": title}}).raise_for_status()


def describe(tracking_id):
    tracking = SESSION.get(f"{API}/trackings/{tracking_id}").json()["data"]["tracking"]
    return {"title": tracking["title"], "number": tracking["tracking_number"],
            "country": tracking["origin_country_iso3"]}


def courier_slugs():
    return [courier["slug"] for courier in SESSION.get(f"{API}/couriers").json()["data"]["couriers"]]


def first_page_numbers():
    data = SESSION.get(f"{API}/trackings", params={"limit": 2}).json()["data"]
    return [tracking["tracking_number"] for tracking in data["trackings"]]


def status():
    return SESSION.get(STATUS).json()


def scenario():
    """What a test suite asks of the client, in order; its answers are compared before and after."""
    tracking_id = add_tracking("1ZCASSETTE0000001", "ups", "USA", "Mug")
    rename(tracking_id, "Blue mug")
    return [tracking_id, describe(tracking_id), courier_slugs(), first_page_numbers(), status()]
