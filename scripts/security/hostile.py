#!/usr/bin/env python3
"""Helper of scripts/security/hostile-scan.sh and scripts/ci/hostile.sh
(issue 12, item 4). Python 3 standard library only.

Subcommands:
  login BASE USER PASSWORD           log a demo staff member in (sets up TOTP
                                     for roles that must have it) and print
                                     the session cookie "gk_session=…"
  targets BASE OUT.json [--session NAME=COOKIE …] [--max-per-route N]
                                     crawl the portal and, with each session,
                                     the console; write every <form> of the
                                     portal (GET and POST) and every GET form
                                     of the console, with values that pass
                                     validation, and the public query
                                     parameters of /api/v1/openapi.json
  coverage TARGETS.json ROUTES.txt   fail if a public POST route of the route
                                     table has no form target
  reach BASE TARGETS.json            submit every POST target once, as the
                                     scan will, and record whether it passed
                                     the form guard and validation
  sqlmap BASE TARGETS.json OUTDIR    run sqlmap per target parameter; see the
                                     flags below
  wapiti REPORT.json                 count wapiti findings by severity
  ffuf RESULT.json ALLOW.txt         list ffuf hits that are not allowed
"""

import argparse
import base64
import hashlib
import hmac
import html.parser
import http.client
import json
import os
import random
import re
import struct
import subprocess
import sys
import time
import urllib.parse

# ---------------------------------------------------------------- HTTP


class Client:
    """A tiny HTTP/1.1 client with a cookie and an X-Forwarded-For per
    request (the server trusts X-Forwarded-For from loopback when started
    with --trusted-proxies, so each request counts as a new client address
    for the per-address rate limits)."""

    def __init__(self, base, cookie=""):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.base = base.rstrip("/")
        self.cookie = cookie

    def request(self, method, path, body=None, ctype=None, xff=True):
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = {"User-Agent": "gongkai-hostile-scan", "Origin": self.base}
        if self.cookie:
            h["Cookie"] = self.cookie
        if xff:
            h["X-Forwarded-For"] = random_ip()
        if body is not None:
            h["Content-Type"] = ctype or "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        setc = r.msg.get_all("Set-Cookie") or []
        c.close()
        return r.status, hdrs, data.decode("utf-8", "replace"), setc


def random_ip():
    # Public-looking IPv4 addresses from a documentation-free random range.
    return "%d.%d.%d.%d" % (random.randint(11, 99), random.randint(0, 255), random.randint(0, 255), random.randint(1, 254))


# ---------------------------------------------------------------- login


def totp(secret_b32, t=None):
    key = base64.b32decode(secret_b32.replace(" ", "").upper() + "=" * (-len(secret_b32.replace(" ", "")) % 8))
    step = int((t or time.time()) // 30)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % code


def cookie_of(setc, name="gk_session"):
    for s in setc:
        m = re.match(r"\s*%s=([^;]*)" % name, s)
        if m and m.group(1):
            return "%s=%s" % (name, m.group(1))
    return None


def login(base, user, password):
    c = Client(base)
    body = urllib.parse.urlencode({"username": user, "password": password, "next": "/console/"})
    st, h, _, setc = c.request("POST", "/console/login", body, xff=False)
    ck = cookie_of(setc)
    if st != 303 or not ck:
        raise SystemExit("login %s: status %d" % (user, st))
    c.cookie = ck
    loc = h.get("location", "")
    if "/2fa/setup" in loc:
        _, _, page, _ = c.request("GET", "/console/2fa/setup", xff=False)
        m = re.search(r"<code>([A-Z2-7 ]{16,})", page)
        if not m:
            raise SystemExit("login %s: no TOTP secret on the setup page" % user)
        st, h, page, setc = c.request("POST", "/console/2fa/setup", urllib.parse.urlencode({"code": totp(m.group(1))}), xff=False)
        c.cookie = cookie_of(setc) or c.cookie
        if st not in (200, 303):
            raise SystemExit("login %s: 2FA setup status %d" % (user, st))
    elif "/login/2fa" in loc:
        raise SystemExit("login %s: TOTP already set up; start from an empty data folder" % user)
    st, _, page, _ = c.request("GET", "/console/", xff=False)
    if st != 200:
        raise SystemExit("login %s: console answers %d" % (user, st))
    return c.cookie


# ---------------------------------------------------------------- crawl


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms = [], []
        self.form = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict((k, v if v is not None else "") for k, v in attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.form = {"method": a.get("method", "get").upper(), "action": a.get("action", ""),
                         "enctype": a.get("enctype", ""), "fields": []}
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input":
            t = a.get("type", "text").lower()
            if t == "file" and a.get("name") and "required" in a:
                self.form.setdefault("files", []).append(a["name"])
            if not a.get("name") or t in ("submit", "button", "image", "reset"):
                return
            self.form["fields"].append({"name": a["name"], "type": t, "value": a.get("value", ""),
                                        "checked": "checked" in a, "required": "required" in a,
                                        "pattern": a.get("pattern", ""), "maxlength": a.get("maxlength", "")})
        elif tag == "button" and a.get("name"):
            self.form["fields"].append({"name": a["name"], "type": "button", "value": a.get("value", "")})
        elif tag == "select" and a.get("name"):
            self.select = {"name": a["name"], "type": "select", "options": [], "required": "required" in a}
            self.form["fields"].append(self.select)
        elif tag == "option" and self.select is not None:
            self.select["options"].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self.form["fields"].append({"name": a["name"], "type": "textarea", "value": "", "required": "required" in a})

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


SKIP_EXT = re.compile(r"\.(pdf|xlsx|docx|csv|png|jpe?g|gif|svg|ico|css|js|zip|ofd|doc|xls|atom|xml|json|txt|woff2?)$", re.I)


def route_of(path):
    """The route a portal path belongs to: /o/{slug}/…, /o/{slug}/gk/{col}."""
    path = re.sub(r"^/o/[^/]+", "/o/{slug}", pattern(path))
    return re.sub(r"^/o/\{slug\}/gk/[^/]+$", "/o/{slug}/gk/{col}", path)


def pattern(path):
    """Route-like pattern of a path: numbers and numbers-with-letters become {n}."""
    segs = []
    for s in path.split("/"):
        if re.fullmatch(r"[0-9]+|[A-Z0-9]{2,}-?[0-9A-Z-]*[0-9][0-9A-Z-]*|[0-9a-f]{8,}", s):
            s = "{n}"
        segs.append(s)
    return "/".join(segs)


def crawl(c, starts, inside, max_per_route, max_pages):
    seen, queue, per = set(), list(starts), {}
    forms = []
    while queue and len(seen) < max_pages:
        path = queue.pop(0)
        if path in seen:
            continue
        p = urllib.parse.urlsplit(path)
        pat = pattern(p.path) + ("?" if p.query else "")
        if per.get(pat, 0) >= max_per_route:
            continue
        per[pat] = per.get(pat, 0) + 1
        seen.add(path)
        try:
            st, h, body, _ = c.request("GET", path)
        except Exception:
            continue
        if st != 200 or "text/html" not in h.get("content-type", ""):
            continue
        pg = Page()
        try:
            pg.feed(body)
        except Exception:
            continue
        for f in pg.forms:
            f["page"] = path
            forms.append(f)
        for href in pg.links:
            u = urllib.parse.urlsplit(urllib.parse.urljoin(c.base + path, href))
            if u.netloc and u.netloc != "%s:%d" % (c.host, c.port):
                continue
            if not inside(u.path) or SKIP_EXT.search(u.path) or "logout" in u.path:
                continue
            q = u.path + ("?" + u.query if u.query else "")
            if q not in seen:
                queue.append(q)
    return forms, seen


# ---------------------------------------------------------------- values

def id_number():
    area = random.choice(["310101", "310104", "310115", "110105"])
    birth = "19%02d%02d%02d" % (random.randint(50, 99), random.randint(1, 12), random.randint(1, 28))
    body = area + birth + "%03d" % random.randint(100, 999)
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(d) * k for d, k in zip(body, w))
    return body + "10X98765432"[s % 11]


def mobile():
    return "139%08d" % random.randint(0, 99999999)


# Values by field name (regular expressions on the name), chosen so that the
# public forms validate and the parameter under test reaches the service and
# database code. Identity-like fields get a fresh random value per request
# (see EVAL_RANDOM) so that the per-contact limits do not trip.
VALUES = [
    (r"^(website|_ft|_ct|_ca)$", None),
    (r"id_?number|idno|id_no|证件", "{id}"),
    (r"phone|mobile|tel", "{mobile}"),
    (r"e-?mail", "hostile-scan@example.com"),
    (r"postcode|zip", "200000"),
    (r"^url$|page_url|link", "http://127.0.0.1/o/mzzj/"),
    (r"date|_from$|_to$|^from$|^to$|since|until", "2026-11-01"),
    (r"year", "2026"),
    (r"^q$|query|keyword", "宗教"),
    (r"name", "测试"),
    (r"number|^no$", "GK2026-00001"),
    (r"code", "ABCDEF"),
]


def fill(field):
    t, n = field.get("type"), field["name"]
    if t == "select":
        opts = [o for o in field.get("options", []) if o]
        return opts[0] if opts else ""
    if t in ("checkbox", "radio"):
        return field.get("value") or "1"
    if t == "hidden":
        return field.get("value", "")
    if t == "file":
        return None
    if field.get("value"):
        return field["value"]
    for rx, v in VALUES:
        if re.search(rx, n, re.I):
            if v is None:
                return field.get("value", "")
            return v.replace("{id}", id_number()).replace("{mobile}", mobile())
    if t == "number":
        return "1"
    if t == "date":
        return "2026-11-01"
    if t == "email":
        return "hostile-scan@example.com"
    if t == "tel":
        return mobile()
    if t == "textarea":
        return "安全扫描测试内容。请忽略。"
    return "测试" if field.get("required") else "1"


GUARD = {"_ft", "website", "_ct", "_ca"}


def targets_from_forms(forms, kind, session):
    out, seen = [], {}
    for f in forms:
        if kind == "console" and f["method"] != "GET":
            continue
        action = f["action"] or f["page"]
        u = urllib.parse.urlsplit(urllib.parse.urljoin("http://x" + f["page"], action))
        if kind == "portal" and (u.path.startswith("/console") or u.path == "/apply/status/logout"):
            continue
        names = sorted(set(x["name"] for x in f["fields"] if x.get("type") != "file"))
        if any(x.get("type") == "select" and x.get("required") and not any(x.get("options", [])) for x in f["fields"]):
            continue  # e.g. a mailbox of an agency without leaders: never valid
        # One target per route (the first agency's page; a later page of
        # the same route is taken only if it has more parameters).
        key = (f["method"], route_of(u.path))
        if key in seen and (len(names), "/o/mzzj/" in u.path + "/") <= (len(seen[key]["params"]), "/o/mzzj/" in seen[key]["path"] + "/"):
            continue
        data, radios = [], set()
        for x in f["fields"]:
            if x.get("type") == "radio":
                if x["name"] in radios:
                    continue
                radios.add(x["name"])
            v = fill(x)
            if v is None:
                continue
            data.append((x["name"], v))
        params = [n for n in names if n not in GUARD]
        if not params:
            continue
        t = {"kind": kind, "session": session, "method": f["method"], "path": u.path,
             "query": u.query, "page": f["page"], "data": data, "params": params,
             "multipart": "multipart" in f.get("enctype", ""), "files": f.get("files", []),
             "route": f["method"] + " " + route_of(u.path)}
        if key in seen:
            out[out.index(seen[key])] = t
        else:
            out.append(t)
        seen[key] = t
    return out


def first_id(c, list_path):
    """The id of the first record of an API list (for /…/{id} paths)."""
    st, _, body, _ = c.request("GET", list_path + "?agency=mzzj")
    try:
        js = json.loads(body) if st == 200 else {}
        items = js.get("items", js) if isinstance(js, dict) else js
        return str(items[0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        return "1"


def api_targets(c):
    st, _, body, _ = c.request("GET", "/api/v1/openapi.json")
    if st != 200:
        return []
    doc = json.loads(body)
    out = []
    for path, ops in sorted(doc.get("paths", {}).items()):
        op = ops.get("get")
        if not op or path.startswith("/api/v1/staff"):
            continue
        params = [p for p in op.get("parameters", []) if p.get("in") == "query"]
        if not params:
            continue
        real = path
        for pp in op.get("parameters", []):
            if pp.get("in") == "path":
                real = real.replace("{%s}" % pp["name"], "mzzj" if "slug" in pp["name"] else first_id(c, path.split("/{")[0]))
        data = []
        for p in params:
            sch = p.get("schema", {})
            v = sch.get("example") or (sch.get("enum") or [None])[0]
            if v is None:
                v = fill({"name": p["name"], "type": "number" if sch.get("type") == "integer" else "text", "required": True})
                if p["name"] == "agency":
                    v = "mzzj"
            data.append((p["name"], str(v)))
        out.append({"kind": "api", "session": "", "method": "GET", "path": real, "query": "", "page": "",
                    "data": data, "params": [p["name"] for p in params], "multipart": False,
                    "route": "GET " + path})
    return out


CANDIDATES = ["mzzj", "1", "2026", "宗教", "浦东新区", "valid", ""]


def repair_api(c, t):
    """Give each query parameter of an API target a value the endpoint
    accepts (200) on its own, so that sqlmap's base request is a valid one
    and every tested parameter reaches the query. None: needs credentials."""
    def ok(data):
        st, _, _, _ = c.request("GET", t["path"] + "?" + urllib.parse.urlencode(data))
        return st
    if ok(t["data"]) == 200:
        return t
    if ok([]) == 401:
        return None
    data = []
    for n, v in t["data"]:
        for cand in [v] + CANDIDATES:
            if ok(data + [(n, cand)]) == 200:
                data.append((n, cand))
                break
        else:
            data.append((n, v))  # left as is: sqlmap still tests it
    t["data"] = data
    return t


def json_targets(c):
    """The public JSON POST endpoints whose body is a few strings."""
    out = []
    for path, body in (("/api/v1/applications/status", {"number": "GK-2026-000001", "code": "ABCD-EFGH"}),
                       ("/api/v1/clergy/verify", {"name": "测试", "number": "310000000001"})):
        out.append({"kind": "api", "session": "", "method": "POST", "path": path, "query": "", "page": "",
                    "data": list(body.items()), "params": list(body), "multipart": False, "json": True,
                    "route": "POST " + path})
    # The application API (the same service as the form /o/{slug}/apply):
    # a nested body; a passport number (no check digit) that --eval renews
    # per request, since ten submissions per identity a day are allowed.
    app = {"agency": "mzzj",
           "applicant": {"type": "natural", "name": "测试", "id_type": "passport", "id_number": "E12345678",
                         "contact": "测试", "phone": mobile(), "email": "hostile-scan@example.com",
                         "address": "上海市测试路1号", "postcode": "200000"},
           "request": {"title": "测试", "doc_number": "沪民宗〔2026〕1号", "description": "安全扫描测试内容。请忽略。",
                       "purpose": "安全扫描测试", "form": "electronic", "delivery": "email"},
           "declaration": True,
           "identity_proof": {"file_name": "proof.pdf", "content_base64": base64.b64encode(PDF.encode()).decode()}}
    out.append({"kind": "api", "session": "", "method": "POST", "path": "/api/v1/applications", "query": "", "page": "",
                "data": [], "json_body": app, "json": True, "multipart": False, "route": "POST /api/v1/applications",
                "params": ["agency", "name", "id_number", "contact", "email", "address", "postcode", "title",
                           "doc_number", "description", "purpose", "file_name"]})
    return out


def cmd_targets(a):
    random.seed(12)
    c = Client(a.base)
    all_t = []
    st, _, body, _ = c.request("GET", "/api/v1/agencies")
    slugs = []
    if st == 200:
        try:
            js = json.loads(body)
            items = js.get("items", js) if isinstance(js, dict) else js
            slugs = [x.get("slug") for x in items if isinstance(x, dict) and x.get("slug")]
        except ValueError:
            pass
    slugs.sort(key=lambda x: x != "mzzj")  # the main agency's pages first
    starts = ["/", "/apply", "/apply/status", "/concern/status", "/report-error", "/search?q=宗教", "/items"] + \
        ["/o/%s/" % s for s in slugs]
    forms, seen = crawl(c, starts, lambda p: not p.startswith(("/console", "/api/", "/static/")), a.max_per_route, a.max_pages)
    pt = targets_from_forms(forms, "portal", "")
    print("portal: %d pages crawled, %d forms, %d distinct form targets" % (len(seen), len(forms), len(pt)), file=sys.stderr)
    all_t += pt
    at = [x for x in (repair_api(c, t) for t in api_targets(c)) if x]
    print("api: %d public GET operations with query parameters" % len(at), file=sys.stderr)
    all_t += at + json_targets(c)
    cseen = set((t["route"], tuple(t["params"])) for t in all_t)
    for s in a.session or []:
        name, cookie = s.split("=", 1)
        cc = Client(a.base, cookie)
        forms, seen = crawl(cc, ["/console/"], lambda p: p.startswith("/console"), a.max_per_route, a.max_pages)
        ct = [t for t in targets_from_forms(forms, "console", name) if (t["route"], tuple(t["params"])) not in cseen]
        for t in ct:
            cseen.add((t["route"], tuple(t["params"])))
        print("console as %s: %d pages crawled, %d GET forms, %d new targets" % (name, len(seen), sum(1 for f in forms if f["method"] == "GET"), len(ct)), file=sys.stderr)
        all_t += ct
    for i, t in enumerate(all_t):
        t["id"] = "%03d" % (i + 1)
    with open(a.out, "w") as f:
        json.dump(all_t, f, ensure_ascii=False, indent=1)
    n = sum(len(t["params"]) for t in all_t)
    print("targets: %d (%d portal, %d api, %d console), parameters: %d" % (
        len(all_t), sum(t["kind"] == "portal" for t in all_t), sum(t["kind"] == "api" for t in all_t),
        sum(t["kind"] == "console" for t in all_t), n), file=sys.stderr)


def cmd_coverage(a):
    ts = json.load(open(a.targets))
    have = set(t["route"] for t in ts)
    exempt = {}
    if a.exempt and os.path.exists(a.exempt):
        for line in open(a.exempt):
            line = line.split("#", 1)
            if line[0].strip():
                exempt[line[0].strip()] = line[1].strip() if len(line) > 1 else ""
    missing = []
    for r in open(a.routes):
        r = r.strip()
        if not r.startswith("POST /") or r.startswith(("POST /console", "POST /api/")):
            continue
        pat = "POST " + re.sub(r"\{[^}]+\}", "{n}", r[5:])
        ok = any(re.fullmatch(re.escape(pat).replace(r"\{n\}", "[^/]+"), h) for h in have)
        if not ok and r not in exempt:
            missing.append(r)
    for r, why in exempt.items():
        print("  exempt: %s  (%s)" % (r, why))
    if missing:
        for r in missing:
            print("  NOT COVERED: %s" % r)
        sys.exit(1)
    print("coverage: every public POST route has a form target (%d exempt)" % len(exempt))


# ---------------------------------------------------------------- reach

# Answers of a lookup that ran and found nothing (wrong number or code).
LOOKUP_MISS = ["不正确", "未查询到", "没有这条记录", "未找到", "不相符"]
GUARD_MSGS = ["表单校验失败", "提交过快", "页面已过期", "请回答验证问题", "过多", "请稍后再试"]


def encode(t, data):
    if t.get("json_body"):
        return json.dumps(t["json_body"], ensure_ascii=False).encode(), "application/json"
    if t.get("json"):
        return json.dumps(dict(data), ensure_ascii=False).encode(), "application/json"
    # Multipart forms are sent URL-encoded, as sqlmap sends them.
    return urllib.parse.urlencode([tuple(x) for x in data]).encode(), "application/x-www-form-urlencoded"


def fresh(t, c):
    """Data of a target with a fresh form token (POST forms)."""
    data = list(t["data"])
    if t["method"] == "POST" and any(k == "_ft" for k, _ in data):
        st, _, body, _ = c.request("GET", t["page"])
        pg = Page()
        pg.feed(body)
        tok = None
        for f in pg.forms:
            if urllib.parse.urlsplit(urllib.parse.urljoin("http://x" + t["page"], f["action"] or t["page"])).path == t["path"]:
                for x in f["fields"]:
                    if x["name"] == "_ft":
                        tok = x["value"]
        if tok:
            data = [(k, tok if k == "_ft" else v) for k, v in data]
    return data


PDF = "%PDF-1.4\r\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\r\ntrailer<</Root 1 0 R>>\r\n%%EOF\r\n"


def multipart(t, data):
    b = "hostilescan7f3a9c"
    parts = []
    for k, v in data:
        # sqlmap refuses a command line with U+FF0C (full-width comma).
        parts.append("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (b, k, v.replace("\uff0c", "、")))
    for k in t.get("files", []):
        parts.append("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"proof.pdf\"\r\n"
                     "Content-Type: application/pdf\r\n\r\n%s\r\n" % (b, k, PDF))
    parts.append("--%s--\r\n" % b)
    return "".join(parts), "multipart/form-data; boundary=" + b


def cmd_reach(a):
    ts = json.load(open(a.targets))
    c = Client(a.base)
    posts = [t for t in ts if t["method"] == "POST"]
    for t in posts:
        t["data"] = fresh(t, c)
    if posts:
        time.sleep(3.5)  # the forms' minimum fill time
    bad = 0
    for t in ts:
        t["data"] = [(k, id_number() if re.search(r"id_?number", k) else mobile() if re.search(r"phone|mobile", k) else v)
                     for k, v in t["data"]]
        c.cookie = a.cookies.get(t["session"], "") if hasattr(a, "cookies") else ""
        if t["method"] == "GET":
            q = urllib.parse.urlencode([tuple(x) for x in t["data"]])
            st, h, body, _ = c.request("GET", t["path"] + "?" + q)
        else:
            if t.get("files"):
                body, ct = multipart(t, t["data"])
                body = body.encode()
            else:
                body, ct = encode(t, t["data"])
            st, h, body, _ = c.request("POST", t["path"], body, ct)
        guard = [m for m in GUARD_MSGS if m in body]
        ok = (st in (200, 201, 303) or (st in (400, 404, 422) and any(m in body for m in LOOKUP_MISS))) and not guard
        if st == 200 and t["method"] == "POST" and re.search(r'class="[^"]*(field-error|error-summary|form-errors)', body):
            ok = False
        t["reach"] = {"status": st, "ok": ok, "guard": guard}
        if not ok:
            bad += 1
        print("  %s %-6s %-4s %s -> %d%s" % (t["id"], t["kind"], t["method"], t["path"], st, "" if ok else "  (not accepted: %s)" % (",".join(guard) or "validation")))
    json.dump(ts, open(a.targets, "w"), ensure_ascii=False, indent=1)
    print("reach: %d of %d targets accepted as submitted" % (len(ts) - bad, len(ts)))


# ---------------------------------------------------------------- sqlmap

IDENTITY = [  # fields given a fresh value per request unless under test
    (r"id_?number", "b='310101%04d%02d%02d%03d' % (random.randint(1950,1999),random.randint(1,12),random.randint(1,28),random.randint(100,999)); {n}=b+'10X98765432'[sum(int(d)*w for d,w in zip(b,[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]))%11]"),
    (r"phone|mobile|^tel$", "{n}='139%08d' % random.randint(0,99999999)"),
    (r"e-?mail", "{n}='s%d@example.com' % random.randint(0,10**9)"),
    # a lookup's number: five wrong codes lock a number for 15 minutes
    (r"^(number|cancel_code)$", "{n}='GK2026-%05d' % random.randint(0,99999)"),
]
XFF = "_locals['auxHeaders']['X-Forwarded-For']='%d.%d.%d.%d' % (random.randint(11,99),random.randint(0,255),random.randint(0,255),random.randint(1,254))"


def eval_code(t, param):
    parts = ["import random", XFF]
    if t.get("json_body"):
        if param != "id_number":
            parts.append("id_number='E%08d' % random.randint(0,99999999)")
        return "; ".join(parts)
    # sqlmap 1.7's --eval garbles multipart parts it rewrites (it re.escapes
    # the value), so a multipart target gets only the random address.
    if t["method"] == "POST" and not t.get("files"):
        for n, _ in t["data"]:
            if n == param:
                continue
            for rx, code in IDENTITY:
                if re.search(rx, n, re.I):
                    parts.append(code.replace("{n}", n))
                    break
    return "; ".join(parts)


def log_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def statuses(logpath, start, route):
    """Statuses the server logged for route since byte offset start."""
    out = {}
    with open(logpath, "rb") as f:
        f.seek(start)
        for line in f:
            line = line.decode("utf-8", "replace")
            if 'msg=request ' not in line:
                if "panic" in line.lower():
                    out["panic"] = out.get("panic", 0) + 1
                continue
            m = re.search(r'route="([^"]*)".* status=(\d+)', line)
            if m and route_of_logged(m.group(1)) == route:
                out[m.group(2)] = out.get(m.group(2), 0) + 1
    return out


def route_of_logged(r):
    m = r.split(" ", 1)
    if len(m) != 2:
        return r
    path = re.sub(r"\{[^}]+\}", "{n}", m[1])
    path = path.replace("/o/{n}", "/o/{slug}").replace("/o/{slug}/gk/{n}", "/o/{slug}/gk/{col}")
    return m[0] + " " + path


def norm_route(r):
    m, p = r.split(" ", 1)
    return m + " " + re.sub(r"\{(?!slug\}|col\})[^}]+\}", "{n}", p)


FREE_TEXT = re.compile(r"^(q|text|body|name|subject|title|description|purpose|doc_number|number|code|actor|object|"
                       r"address|contact|issuer|page_url|group|clause|cancel_code)$")


def cmd_sqlmap(a):
    ts = json.load(open(a.targets))
    cookies = dict(s.split("=", 1) for s in (a.session or []))
    only = re.compile(a.only) if a.only else None
    c = Client(a.base)
    os.makedirs(a.outdir, exist_ok=True)
    resf = open(os.path.join(a.outdir, "results.tsv"), "a")
    deadline = time.time() + a.budget if a.budget else None
    jobs = []
    for t in ts:
        for p in t["params"]:
            if only and not only.search("%s %s %s" % (t["id"], t["route"], p)):
                continue
            jobs.append((t, p))
    # Breadth first: every target's first parameter, then every second one…
    # so that a time budget covers every form and filter at least once.
    # Free-text parameters first: they are the ones validation lets through
    # to a query (an agency, a year or an enumerated filter is refused first).
    order = {id(t): i for i, t in enumerate(ts)}

    def rank(t, p):
        ps = sorted(t["params"], key=lambda x: (not FREE_TEXT.search(x), t["params"].index(x)))
        return ps.index(p)
    jobs.sort(key=lambda j: (rank(j[0], j[1]), order[id(j[0])]))
    if a.params_per_target:
        jobs = [j for j in jobs if rank(j[0], j[1]) < a.params_per_target]
    if a.after_params:
        # Resume a scan that ran with --params-per-target N.
        jobs = [j for j in jobs if rank(j[0], j[1]) >= a.after_params]
    print("sqlmap: %d runs (target parameters) at level %d, risk %d" % (len(jobs), a.level, a.risk), flush=True)
    tok_at = {}
    n_inj = 0
    done = 0
    for t, p in jobs:
        if deadline and time.time() > deadline:
            print("  budget of %ds used: %d of %d runs not started" % (a.budget, len(jobs) - done, len(jobs)), flush=True)
            resf.write("SKIPPED\t%d\n" % (len(jobs) - done))
            break
        done += 1
        # Sessions end after 15 minutes without a request: keep every one
        # alive, and check the target's own before using it.
        for name, ck in cookies.items():
            try:
                st, _, _, _ = Client(a.base, ck).request("GET", "/console/", xff=False)
            except OSError:
                st = 0
            if st != 200:
                print("  session %s has ended (GET /console/ answers %d)" % (name, st), flush=True)
        data = t["data"]
        if t["method"] == "POST" and not t.get("json"):
            # A fresh form token, older than the 3 s minimum fill time by the
            # time sqlmap sends it, valid for 24 h (one per target per hour).
            if t["id"] not in tok_at or time.time() - tok_at[t["id"]][0] > 3600:
                tok_at[t["id"]] = (time.time(), fresh(t, c))
            data = tok_at[t["id"]][1]
            wait = 3.5 - (time.time() - tok_at[t["id"]][0])
            if wait > 0:
                time.sleep(wait)
        url = a.base + t["path"]
        cmd = ["sqlmap", "--batch", "--disable-coloring", "--flush-session", "--level", str(a.level), "--risk", str(a.risk),
               "--technique", a.technique, "--threads", str(a.threads), "--timeout", "20", "--retries", "2",
               "--output-dir", os.path.join(a.outdir, "sqlmap"), "-p", p, "--eval", eval_code(t, p),
               "--user-agent", "gongkai-hostile-scan (sqlmap)"]
        if t["session"]:
            cmd += ["--cookie", cookies[t["session"]]]
        if t["method"] == "GET":
            cmd += ["-u", url + "?" + urllib.parse.urlencode([tuple(x) for x in data])]
        elif t.get("json_body"):
            cmd += ["-u", url, "--data", json.dumps(t["json_body"], ensure_ascii=False)]
        elif t.get("json"):
            cmd += ["-u", url, "--data", json.dumps(dict(data), ensure_ascii=False)]
        elif t.get("files"):
            # A form with a required file: a multipart body (sqlmap marks
            # its parts as MULTIPART parameters) with a small PDF.
            body, ct = multipart(t, data)
            cmd += ["-u", url, "--data", body, "-H", "Content-Type: " + ct]
        else:
            # Multipart forms without a required file accept URL-encoded
            # bodies too (web.ParseForm).
            cmd += ["-u", url, "--data", urllib.parse.urlencode([tuple(x) for x in data])]
        if a.extra:
            cmd += a.extra.split()
        start = log_size(a.server_log)
        t0 = time.time()
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=a.run_timeout)
            out = r.stdout.decode("utf-8", "replace")
            timed_out = False
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            timed_out = True
        dt = time.time() - t0
        reqs = sum(int(x) for x in re.findall(r"(\d+) HTTP\(s\) requests", out)) if "HTTP(s) requests" in out else None
        codes = re.findall(r"^(\d{3}) \([^)]*\) - (\d+) times", out, re.M)
        injectable = bool(re.search(r"identified the following injection point|parameter '[^']*' is vulnerable|appears to be injectable|is '.*' injectable", out))
        clean = "do not appear to be injectable" in out or "does not seem to be injectable" in out
        st = statuses(a.server_log, start, norm_route(t["route"])) if a.server_log else {}
        if injectable:
            verdict = "INJECTABLE"
            n_inj += 1
        elif timed_out:
            verdict = "timeout"
        elif clean:
            verdict = "clean"
        else:
            verdict = "error"
        n_req = sum(int(v) for k, v in st.items() if k.isdigit())
        if t["session"] and verdict == "clean" and st and set(st) <= {"303"}:
            verdict = "error"  # every answer a redirect to the login page: nothing was tested
        reach = "reach=" + ("ok" if t.get("reach", {}).get("ok") else "no")
        line = "%s\t%s\t%s\t%s\t%.0f\t%d\t%s\t%s %s" % (t["id"], t["kind"], t["route"], p, dt, n_req, verdict, reach,
                                                       " ".join("%s×%s" % (k, v) for k, v in sorted(st.items())))
        resf.write(line + "\n")
        resf.flush()
        print("  " + line.replace("\t", "  "), flush=True)
        if verdict in ("INJECTABLE", "error"):
            with open(os.path.join(a.outdir, "sqlmap-%s-%s.log" % (t["id"], p)), "w") as f:
                f.write(" ".join(cmd) + "\n\n" + out)
    resf.close()
    sys.exit(1 if n_inj else 0)


# ---------------------------------------------------------------- wapiti / ffuf


def csrf_refused(base, cookie, method, path):
    """True if the server refuses a cross-site request to path (Go's
    http.CrossOriginProtection answers 403 when Sec-Fetch-Site or Origin
    says the request comes from another site)."""
    c = Client(base, cookie)
    u = urllib.parse.urlsplit(path)
    conn = http.client.HTTPConnection(c.host, c.port, timeout=30)
    h = {"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site",
         "Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        h["Cookie"] = cookie
    conn.request(method or "POST", u.path + ("?" + u.query if u.query else ""), body="x=1", headers=h)
    st = conn.getresponse().status
    conn.close()
    return st == 403


def cmd_wapiti(a):
    rep = json.load(open(a.report))
    base = a.base
    if not base:
        t = urllib.parse.urlsplit((rep.get("infos") or {}).get("target", ""))
        base = "%s://%s" % (t.scheme, t.netloc)
    counts = {}
    lines = []
    for section in ("vulnerabilities", "anomalies", "additionals"):
        for cat, items in (rep.get(section) or {}).items():
            for v in items:
                # wapiti's levels: 4 critical, 3 high, 2 medium, 1 low, 0 info
                lvl = {4: "high", 3: "high", 2: "medium", 1: "low", 0: "info"}.get(int(v.get("level") or 0), "info")
                note = ""
                if cat == "Cross Site Request Forgery" and lvl in ("high", "medium") and \
                        csrf_refused(base, a.cookie, v.get("method"), v.get("path", "")):
                    # wapiti looks for a token field in the form; gongkai
                    # refuses cross-site requests instead (checked here).
                    note = "  [false positive: a cross-site %s is refused with 403]" % v.get("method")
                    lvl = "fp"
                counts[lvl] = counts.get(lvl, 0) + 1
                lines.append("%s\t%s\t%s\t%s %s\t%s%s" % (lvl, section, cat, v.get("method", ""), v.get("path", ""),
                                                          (v.get("info") or "").replace("\n", " ")[:200], note))
    for l in sorted(lines):
        print("  " + l)
    print("wapiti findings: " + ", ".join("%s %d" % (k, counts.get(k, 0)) for k in ("high", "medium", "low", "info")) +
          ", verified false positives %d" % counts.get("fp", 0))
    sys.exit(1 if counts.get("high") or counts.get("medium") else 0)


def cmd_ffuf(a):
    allow = []
    if a.allow and os.path.exists(a.allow):
        for line in open(a.allow):
            line = line.split("#", 1)[0].strip()
            if line:
                allow.append(re.compile(line))
    res = json.load(open(a.result)).get("results", [])
    hits = []
    for r in res:
        path = urllib.parse.urlsplit(r["url"]).path
        ok = any(x.fullmatch("%s %s" % (r["status"], path)) for x in allow)
        print("  %s %d %s %d bytes" % ("allowed" if ok else "FINDING", r["status"], path, r.get("length", 0)))
        if not ok:
            hits.append(r)
    print("ffuf: %d answers other than 404, %d findings" % (len(res), len(hits)))
    sys.exit(1 if hits else 0)


# ---------------------------------------------------------------- self-test


def cmd_selftest(a):
    """Negative control: the sqlmap step must report an injectable
    parameter of a deliberately vulnerable page (a query built by string
    concatenation on SQLite), or the scan proves nothing."""
    import sqlite3
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    con = sqlite3.connect(":memory:", check_same_thread=False)
    con.execute("CREATE TABLE items (id INTEGER, title TEXT)")
    con.executemany("INSERT INTO items VALUES (?, ?)", [(i, "item %d" % i) for i in range(1, 20)])
    lock = threading.Lock()

    class Vulnerable(BaseHTTPRequestHandler):
        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            if path != "/items":
                st = 200 if path in ("/.env", "/backup.sql") else 404  # planted exposed files
                self.send_response(st)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"SECRET=planted" if st == 200 else b"not found")
                return
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            sql = "SELECT title FROM items WHERE id = " + q.get("id", ["1"])[0]  # deliberately injectable
            try:
                with lock:
                    rows = con.execute(sql).fetchall()
                body, st = "<ul>%s</ul>" % "".join("<li>%s</li>" % r[0] for r in rows), 200
            except Exception:
                body, st = "<p>error</p>", 200
            self.send_response(st)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Vulnerable)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    t = [{"id": "000", "kind": "selftest", "session": "", "method": "GET", "path": "/items", "query": "", "page": "",
          "data": [["id", "1"]], "params": ["id"], "multipart": False, "route": "GET /items", "reach": {"ok": True}}]
    os.makedirs(a.outdir, exist_ok=True)
    tf = os.path.join(a.outdir, "selftest-targets.json")
    json.dump(t, open(tf, "w"))
    r = subprocess.run([sys.executable, __file__, "sqlmap", base, tf, a.outdir, "--level", "1", "--risk", "1",
                        "--technique", "B", "--threads", "2", "--run-timeout", "120"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode("utf-8", "replace")
    ok = r.returncode == 1 and "INJECTABLE" in out
    if ok:
        print("self-test: sqlmap step reports the planted injectable parameter (exit 1), as it must")
    else:
        print(out)
    fj = os.path.join(a.outdir, "selftest-ffuf.json")
    words = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hidden-paths.txt")
    subprocess.run(["ffuf", "-s", "-u", base + "/FUZZ", "-w", words, "-mc", "all", "-fc", "404", "-t", "4",
                    "-o", fj, "-of", "json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    allow = os.path.join(os.path.dirname(words), "ffuf-allow.txt")
    r = subprocess.run([sys.executable, __file__, "ffuf", fj, allow], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    fout = r.stdout.decode("utf-8", "replace")
    srv.shutdown()
    if r.returncode == 1 and "FINDING 200 /.env" in fout and "FINDING 200 /backup.sql" in fout:
        print("self-test: ffuf step reports the planted /.env and /backup.sql (exit 1), as it must")
    else:
        print(fout)
        ok = False
    if not ok:
        raise SystemExit("self-test FAILED: a planted problem was not reported")


def main():
    p = argparse.ArgumentParser()
    sp = p.add_subparsers(dest="cmd", required=True)
    x = sp.add_parser("login")
    x.add_argument("base")
    x.add_argument("user")
    x.add_argument("password")
    x = sp.add_parser("targets")
    x.add_argument("base")
    x.add_argument("out")
    x.add_argument("--session", action="append")
    x.add_argument("--max-per-route", type=int, default=3)
    x.add_argument("--max-pages", type=int, default=600)
    x = sp.add_parser("coverage")
    x.add_argument("targets")
    x.add_argument("routes")
    x.add_argument("--exempt")
    x = sp.add_parser("reach")
    x.add_argument("base")
    x.add_argument("targets")
    x.add_argument("--session", action="append")
    x = sp.add_parser("sqlmap")
    x.add_argument("base")
    x.add_argument("targets")
    x.add_argument("outdir")
    x.add_argument("--session", action="append")
    x.add_argument("--level", type=int, default=5)
    x.add_argument("--risk", type=int, default=3)
    x.add_argument("--technique", default="BEUSTQ")
    x.add_argument("--threads", type=int, default=3)
    x.add_argument("--only", help="regular expression on 'ID ROUTE PARAM'")
    x.add_argument("--params-per-target", type=int, default=0)
    x.add_argument("--after-params", type=int, default=0)
    x.add_argument("--budget", type=int, default=0, help="seconds; runs not started by then are skipped")
    x.add_argument("--run-timeout", type=int, default=1800, help="seconds per sqlmap run")
    x.add_argument("--server-log", default="")
    x.add_argument("--extra", default="")
    x = sp.add_parser("wapiti")
    x.add_argument("report")
    x.add_argument("--base", default="")
    x.add_argument("--cookie", default="")
    x = sp.add_parser("ffuf")
    x.add_argument("result")
    x.add_argument("allow")
    x = sp.add_parser("selftest")
    x.add_argument("outdir")
    a = p.parse_args()
    if a.cmd == "login":
        print(login(a.base, a.user, a.password))
    elif a.cmd == "targets":
        cmd_targets(a)
    elif a.cmd == "coverage":
        cmd_coverage(a)
    elif a.cmd == "reach":
        a.cookies = dict(s.split("=", 1) for s in (a.session or []))
        cmd_reach(a)
    elif a.cmd == "sqlmap":
        cmd_sqlmap(a)
    elif a.cmd == "wapiti":
        cmd_wapiti(a)
    elif a.cmd == "selftest":
        cmd_selftest(a)
    elif a.cmd == "ffuf":
        cmd_ffuf(a)


if __name__ == "__main__":
    main()
