"""Fault injection (``/_emulator/faults``): rule validation, picking the rule a request meets, and its reply."""

import random
import re

from .common import is_int
from .limits import daily_headers, window_headers
from .replies import FAULT_CATEGORIES, Reply, bad_request, error_body, phrase, rate_limit_body

RULE_KEYS = frozenset(["method", "path_regex", "skip", "count", "rate", "action", "retry_after", "delay_ms", "policy", "body",
                       "match", "named"])
RULE_ACTIONS = ("reset", "malformed", "delay", "stored_nothing", "cut", "reject_input", "lost_answer")
# Actions under which the request is processed (``delay`` waits first); the others answer instead of the API.
PROCESSED_ACTIONS = ("stored_nothing", "reject_input", "cut", "lost_answer")
RULE_BODIES = ("json", "html", "no_category", "string_errors")
POLICIES = ("TEN_SECONDLY_ROLLING", "DAILY")
MALFORMED_BODY = b'{"status": "COMPLETE", "results": [{"vid": 10'
HTML_PAGE = ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n"
             "<hr><center>emulated proxy</center>\r\n</body>\r\n</html>\r\n")


class Faults(object):
    """The active rules (in order; the first that applies wins) and the seeded generator for ``rate`` rules."""

    def __init__(self):
        self.set([])

    def set(self, rules):
        """Replace the rules (already validated) and restart the generator, so runs repeat."""
        self.rules = rules
        self.rng = random.Random(1234)

    def listing(self):
        return {"rules": [dict((k, v) for k, v in rule.items() if k != "_regex") for rule in self.rules]}

    def pick(self, method, path):
        """Return the rule applying to this request (consuming a count), or None."""
        for rule in self.rules:
            if "method" in rule and rule["method"] != method:
                continue
            if not rule["_regex"].search(path):
                continue
            if rule.get("skip"):
                rule["skip"] -= 1  # let this one through: the rule applies from the next matching request
                continue
            if "count" in rule:
                if rule["count"] <= 0:
                    continue
                rule["count"] -= 1
                return rule
            if "rate" in rule and self.rng.random() >= rule["rate"]:
                continue
            return rule
        return None


# --------------------------------------------------------------------------- rule validation

def validate_rules(body):
    """The rules of a ``POST /_emulator/faults`` body, checked and normalised; raises a 400 ApiError."""
    if not isinstance(body, dict) or set(body) != {"rules"} or not isinstance(body["rules"], list):
        raise bad_request('faults body must be {"rules": [...]}')
    return [validate_rule(index, rule) for index, rule in enumerate(body["rules"])]


def validate_rule(index, rule):
    """One rule, normalised (``_regex`` compiled); the checks run in this order, the first failure is reported."""
    where = "rules[%d]" % index
    _check_keys(where, rule)
    out = {"action": rule["action"]}
    for step in (_rule_method, _rule_path, _rule_frequency, _rule_numbers, _rule_policy, _rule_reject, _rule_body):
        step(where, rule, out)
    return out


def _check_keys(where, rule):
    if not isinstance(rule, dict):
        raise bad_request("%s must be an object" % where)
    unknown = sorted(set(rule) - RULE_KEYS)
    if unknown:
        raise bad_request("%s: unknown key(s) %s (allowed: %s)" % (where, ", ".join(unknown), ", ".join(sorted(RULE_KEYS))))
    if "action" not in rule:
        raise bad_request("%s: 'action' is required" % where)
    action = rule["action"]
    if is_int(action):
        if not 400 <= action <= 599:
            raise bad_request("%s: status action must be between 400 and 599" % where)
    elif action not in RULE_ACTIONS:
        raise bad_request("%s: unknown action %r (use an HTTP status 400-599 or one of %s)" % (where, action, ", ".join(RULE_ACTIONS)))


def _rule_method(where, rule, out):
    if "method" in rule:
        if not isinstance(rule["method"], str) or not rule["method"]:
            raise bad_request("%s: method must be a string" % where)
        out["method"] = rule["method"].upper()


def _rule_path(where, rule, out):
    path_regex = rule.get("path_regex", "")
    if not isinstance(path_regex, str):
        raise bad_request("%s: path_regex must be a string" % where)
    try:
        out["_regex"] = re.compile(path_regex)
    except re.error as exc:
        raise bad_request("%s: invalid path_regex: %s" % (where, exc))
    out["path_regex"] = path_regex


def _rule_frequency(where, rule, out):
    if "skip" in rule:
        if not is_int(rule["skip"]) or rule["skip"] < 0:
            raise bad_request("%s: skip must be a non-negative integer" % where)
        out["skip"] = rule["skip"]
    if "count" in rule and "rate" in rule:
        raise bad_request("%s: use either count or rate, not both" % where)
    if "count" in rule:
        if not is_int(rule["count"]) or rule["count"] < 1:
            raise bad_request("%s: count must be a positive integer" % where)
        out["count"] = rule["count"]
    if "rate" in rule:
        rate = rule["rate"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise bad_request("%s: rate must be a number between 0 and 1" % where)
        out["rate"] = float(rate)


def _rule_numbers(where, rule, out):
    for key in ("retry_after", "delay_ms"):
        if key in rule:
            if not is_int(rule[key]) or rule[key] < 0:
                raise bad_request("%s: %s must be a non-negative integer" % (where, key))
            out[key] = rule[key]
    if out["action"] == "delay":
        out.setdefault("delay_ms", 1000)


def _rule_policy(where, rule, out):
    if "policy" in rule:
        if rule["policy"] not in POLICIES:
            raise bad_request("%s: policy must be one of %s" % (where, ", ".join(POLICIES)))
        out["policy"] = rule["policy"]


def _rule_reject(where, rule, out):
    if out["action"] == "reject_input":
        if not isinstance(rule.get("match"), str) or not rule["match"]:
            raise bad_request("%s: reject_input needs match, the email or vid (as a string) of the input to reject" % where)
        if not isinstance(rule.get("named", True), bool):
            raise bad_request("%s: named must be a boolean" % where)
        out["match"] = rule["match"].strip().lower()
        out["named"] = rule.get("named", True)
    elif "match" in rule or "named" in rule:
        raise bad_request("%s: match and named go with action reject_input only" % where)


def _rule_body(where, rule, out):
    if "body" in rule:
        if rule["body"] not in RULE_BODIES:
            raise bad_request("%s: body must be one of %s" % (where, ", ".join('"%s"' % b for b in RULE_BODIES)))
        out["body"] = rule["body"]


# --------------------------------------------------------------------------- replies

def lost_answer(rule):
    """The rule of the gateway timeout that replaces the answer of a request processed under ``lost_answer``:
    a 504 whose body has no ``category`` unless the rule picks another body (CONTRACT.md section 12, row 13)."""
    return dict(rule, action=504, body=rule.get("body", "no_category"))


def fault_reply(rule, config):
    """The answer a rule makes instead of the API's (``config`` gives the limits a 429 announces)."""
    action = rule["action"]
    if action == "reset":
        return Reply(0, drop=True)
    if action == "malformed":
        return Reply(200, MALFORMED_BODY)
    headers = {}
    if "retry_after" in rule:
        headers["Retry-After"] = str(rule["retry_after"])
    if rule.get("body") == "html":
        text = phrase(action)
        return Reply(action, (HTML_PAGE % (action, text, action, text)).encode("ascii"), headers, content_type="text/html; charset=utf-8")
    if action == 429:
        body = _rate_limited(rule, config, headers)
    else:
        category = FAULT_CATEGORIES.get(action, phrase(action).upper().replace(" ", "_") or "ERROR")
        body = error_body(category, "Emulated fault: %d %s" % (action, phrase(action)))
    variant = rule.get("body")
    if variant == "no_category":
        del body["category"]
    elif variant == "string_errors":
        body["errors"] = [body.pop("message"), "Emulated fault: errors given as plain strings"]
    return Reply(action, body, headers)


def _rate_limited(rule, config, headers):
    """The body of an emulated 429; adds the exhausted policy's headers."""
    policy = rule.get("policy", "TEN_SECONDLY_ROLLING")
    if policy == "DAILY":
        daily_headers(headers, config["daily_limit"] or 250000, 0)
    else:
        window_headers(headers, config["rate_limit"] or 100, 0)
    return rate_limit_body(policy, "emulated-fault")
