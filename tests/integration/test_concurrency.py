"""Concurrent writers (8 clients, 2000 mixed mutations per service): every status is the
one implied by the client's own history, the final state equals the model, and the
discovery ETag advanced exactly once per successful mutation."""

import json
import random
import threading
from collections import Counter

import harness as H
from harness import backend, expected_backend_text, new_uuid, node_key

CLIENTS = 8
OWN_OPS = 190          # per client, on keys only this client touches (exact model)
SHARED_OPS = 60        # per client, on keys every client touches (counts only)
TOTAL = CLIENTS * (OWN_OPS + SHARED_OPS)
assert TOTAL == 2000


def run_clients(target):
    results, errors = [None] * CLIENTS, []

    def wrap(i):
        try:
            results[i] = target(i)
        except Exception as e:  # noqa: BLE001
            errors.append(f"client {i}: {type(e).__name__}: {e}")

    ts = [threading.Thread(target=wrap, args=(i,)) for i in range(CLIENTS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(300)
    assert not errors, errors[:5]
    return results


# ----------------------------------------------------------------------------- discovery

def _random_backend(rng, pk):
    return backend(pk=pk, name=rng.choice([None, f"n{rng.randrange(1000)}", "x'y"]),
                   partitions=rng.sample(["a", "b", "c", "d"], rng.randrange(0, 4)),
                   weight=rng.randrange(0, 100), enabled=rng.random() < 0.5,
                   impl={"type": "clnGrpc", "v": rng.randrange(10**6)})


def _disc_client(env, i, own_keys, shared_keys):
    rng = random.Random(1000 + i)
    api = H.Api(env.stack.url("discovery"), env.tokens["discovery"])
    model = {k: None for k in own_keys}
    mismatches, successes = [], 0
    shared = Counter()
    for n in range(OWN_OPS + SHARED_OPS):
        own = n < OWN_OPS
        pk = rng.choice(own_keys if own else shared_keys)
        op = rng.choice(["POST", "PUT", "PATCH", "DELETE"])
        cur = model.get(pk) if own else None
        if op == "POST":
            b = _random_backend(rng, pk)
            r = api.post("/discovery", b)
            want = (409 if cur else 201) if own else None
            allowed = {201, 409}
            new = expected_backend_text(b) if r.status_code == 201 else cur
        elif op == "PUT":
            b = _random_backend(rng, pk)
            r = api.put(f"/discovery/{pk}", {k: v for k, v in b.items() if k != "publicKey"})
            want = (204 if cur else 201) if own else None
            allowed = {201, 204}
            new = expected_backend_text(b) if r.status_code in (201, 204) else cur
        elif op == "PATCH":
            body = {}
            if rng.random() < 0.5:
                body["weight"] = rng.randrange(100)
            if rng.random() < 0.5:
                body["enabled"] = rng.random() < 0.5
            if rng.random() < 0.3:
                body["name"] = f"p{rng.randrange(100)}"
            if rng.random() < 0.3:
                body["partitions"] = rng.sample(["a", "b", "c"], rng.randrange(0, 3))
            r = api.patch(f"/discovery/{pk}", body)
            want = (204 if cur else 404) if own else None
            allowed = {204, 404}
            new = cur
            if r.status_code == 204 and cur:
                new = dict(cur)
                for k, v in body.items():
                    new[k] = sorted(set(v)) if k == "partitions" else v
                # field order of the output is fixed; rebuild in order
                new = {k: new[k] for k in ("publicKey", "name", "partitions", "weight", "enabled",
                                           "implementation") if k in new}
        else:
            r = api.delete(f"/discovery/{pk}")
            want = (204 if cur else 404) if own else None
            allowed = {204, 404}
            new = None if r.status_code == 204 else cur
        st = r.status_code
        if st not in allowed or (want is not None and st != want):
            mismatches.append((op, pk[:10], "own" if own else "shared", st, want))
        if st in (201, 204):
            successes += 1
        if own:
            model[pk] = new
        else:
            if st == 201:
                shared[(pk, "created")] += 1
            if op == "DELETE" and st == 204:
                shared[(pk, "deleted")] += 1
    return model, mismatches, successes, shared


def test_concurrent_discovery_mutations(env):
    own = [[node_key() for _ in range(6)] for _ in range(CLIENTS)]
    shared_keys = [node_key() for _ in range(5)]
    e0 = H.etag(env.disc)
    results = run_clients(lambda i: _disc_client(env, i, own[i], shared_keys))
    mismatches = [m for r in results for m in r[1]]
    assert mismatches == [], f"{len(mismatches)} unexpected statuses, e.g. {mismatches[:10]}"
    successes = sum(r[2] for r in results)
    e1 = H.etag(env.disc)
    assert e1 - e0 == successes, (e1 - e0, successes)

    listing = {x["publicKey"]: x for x in json.loads(env.disc.get("/discovery").text)}
    for model, *_ in results:
        for pk, want in model.items():
            r = env.disc.get(f"/discovery/{pk}")
            if want is None:
                assert r.status_code == 404, pk
                assert pk not in listing
            else:
                assert r.status_code == 200, pk
                assert r.text == H.compact(want), pk
                assert listing[pk] == want
    shared = Counter()
    for r in results:
        shared.update(r[3])
    for pk in shared_keys:
        exists = env.disc.get(f"/discovery/{pk}").status_code == 200
        assert shared[(pk, "created")] - shared[(pk, "deleted")] == int(exists), (pk, shared, exists)


# ----------------------------------------------------------------------------- offers

def _offer_client(env, i, part, mids, oids, shared_part, shared_mids, shared_oids):
    rng = random.Random(2000 + i)
    api = H.Api(env.stack.url("offer"), env.tokens["offer"])
    meta = {m: None for m in mids}      # id -> text
    offers = {o: None for o in oids}    # id -> (maxSendable, metadataId)
    mismatches = []
    shared = Counter()

    def body(mid, mx):
        return {"maxSendable": mx, "minSendable": 1, "metadataId": mid, "timestamp": "2024-01-01T00:00:00Z"}

    for n in range(OWN_OPS + SHARED_OPS):
        if n >= OWN_OPS:
            oid = rng.choice(shared_oids)
            mid = rng.choice(shared_mids)
            op = rng.choice(["POST", "PUT", "DELETE"])
            mx = rng.randrange(1, 10**9)
            if op == "POST":
                r = api.post("/offers", dict(body(mid, mx), partition=shared_part, id=oid))
                allowed = {201, 409}
            elif op == "PUT":
                r = api.put(f"/offers/{shared_part}/{oid}", body(mid, mx))
                allowed = {201, 204}
            else:
                r = api.delete(f"/offers/{shared_part}/{oid}")
                allowed = {204, 404}
            if r.status_code not in allowed:
                mismatches.append(("shared " + op, r.status_code))
            if r.status_code == 201:
                shared[(oid, "created")] += 1
            if op == "DELETE" and r.status_code == 204:
                shared[(oid, "deleted")] += 1
            continue
        x = rng.random()
        if x < 0.6:
            oid = rng.choice(oids)
            mid = rng.choice(mids)
            mx = rng.randrange(1, 10**9)
            op = rng.choice(["POST", "PUT", "DELETE"])
            cur = offers[oid]
            if op == "POST":
                r = api.post("/offers", dict(body(mid, mx), partition=part, id=oid))
                if cur is not None and meta[mid] is None:
                    want = {409, 400}           # either check may come first; nothing changes
                else:
                    want = {409} if cur is not None else ({400} if meta[mid] is None else {201})
                if r.status_code == 201:
                    offers[oid] = (mx, mid)
            elif op == "PUT":
                r = api.put(f"/offers/{part}/{oid}", body(mid, mx))
                want = {400} if meta[mid] is None else ({204} if cur is not None else {201})
                if r.status_code in (201, 204):
                    offers[oid] = (mx, mid)
            else:
                r = api.delete(f"/offers/{part}/{oid}")
                want = {204} if cur is not None else {404}
                if r.status_code == 204:
                    offers[oid] = None
        else:
            mid = rng.choice(mids)
            cur = meta[mid]
            op = rng.choices(["POST", "PUT", "DELETE"], [3, 3, 2])[0]
            text = f"t{rng.randrange(10**6)}"
            if op == "POST":
                r = api.post("/metadata", {"id": mid, "partition": part, "text": text})
                want = {409} if cur is not None else {201}
                if r.status_code == 201:
                    meta[mid] = text
            elif op == "PUT":
                r = api.put(f"/metadata/{part}/{mid}", {"text": text})
                want = {204} if cur is not None else {201}
                if r.status_code in (201, 204):
                    meta[mid] = text
            else:
                r = api.delete(f"/metadata/{part}/{mid}")
                referenced = any(v is not None and v[1] == mid for v in offers.values())
                want = {404} if cur is None else ({400} if referenced else {204})
                if r.status_code == 204:
                    meta[mid] = None
        if r.status_code not in want:
            mismatches.append((op, r.status_code, sorted(want)))
    return meta, offers, mismatches, shared


def test_concurrent_offer_mutations(env):
    parts = [f"conc-{i}-{new_uuid()[:8]}" for i in range(CLIENTS)]
    mids = [[new_uuid() for _ in range(3)] for _ in range(CLIENTS)]
    oids = [[new_uuid() for _ in range(6)] for _ in range(CLIENTS)]
    shared_part = f"conc-shared-{new_uuid()[:8]}"
    shared_mids = [new_uuid() for _ in range(2)]
    shared_oids = [new_uuid() for _ in range(4)]
    for m in shared_mids:
        assert env.offers.post("/metadata", {"id": m, "partition": shared_part, "text": "s"}).status_code == 201
    results = run_clients(lambda i: _offer_client(env, i, parts[i], mids[i], oids[i], shared_part,
                                                  shared_mids, shared_oids))
    mismatches = [m for r in results for m in r[2]]
    assert mismatches == [], f"{len(mismatches)} unexpected statuses, e.g. {mismatches[:10]}"
    for i, (meta, offers, _, _) in enumerate(results):
        got_meta = {m["id"]: m for m in json.loads(env.offers.get(f"/metadata/{parts[i]}").text)}
        want_meta = {k: {"id": k, "partition": parts[i], "text": v} for k, v in meta.items() if v is not None}
        assert got_meta == want_meta, parts[i]
        got_off = {o["id"]: o for o in json.loads(env.offers.get(f"/offers/{parts[i]}").text)}
        want_off = {k: {"partition": parts[i], "id": k, "maxSendable": v[0], "minSendable": 1,
                        "metadataId": v[1], "timestamp": "2024-01-01T00:00:00Z"}
                    for k, v in offers.items() if v is not None}
        assert got_off == want_off, parts[i]
    shared = Counter()
    for r in results:
        shared.update(r[3])
    listed = {o["id"] for o in json.loads(env.offers.get(f"/offers/{shared_part}").text)}
    for oid in shared_oids:
        assert shared[(oid, "created")] - shared[(oid, "deleted")] == int(oid in listed), (oid, shared)
