"""Issue 19 finding #9 in the notifier: a message uses its nearest ancestor office's wording."""

from types import SimpleNamespace

from notifier.events import nearest_templates


def test_finding_09_nearest_ancestor_template_wins():
    rows = [
        SimpleNamespace(event_type="e", channel="sms", org_path="/", body="old default"),
        SimpleNamespace(event_type="e", channel="sms", org_path="/1/", body="root"),
        SimpleNamespace(event_type="e", channel="sms", org_path="/1/5/", body="league"),
        SimpleNamespace(event_type="e", channel="sms", org_path="/2/", body="other tree"),
    ]
    assert nearest_templates(rows, "/1/5/9/")[("e", "sms")].body == "league"
    assert nearest_templates(rows, "/1/6/")[("e", "sms")].body == "root"
    assert nearest_templates(rows, "/3/")[("e", "sms")].body == "old default"
    assert nearest_templates(rows[3:], "/1/5/") == {}  # another tree's wording never applies
