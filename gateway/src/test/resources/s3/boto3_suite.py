"""Drives Granary's S3 API with boto3 (Debian python3-boto3).

Environment: S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, optional S3_BUCKET_PREFIX.
Usage: boto3_suite.py [check ...]; without arguments runs every check of CHECKS in order, else
only the named ones (EXTRA checks, each pinning down a server bug, run only when named).
Prints "CHECK <name> ok" after each check and exits non-zero on the first failure.
"""
import hashlib
import io
import os
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["S3_ENDPOINT"]
ACCESS = os.environ["S3_ACCESS_KEY"]
SECRET = os.environ["S3_SECRET_KEY"]
PFX = os.environ.get("S3_BUCKET_PREFIX", "boto")
MiB = 1024 * 1024


def client(secret=SECRET):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 1, "mode": "standard"},
                      connect_timeout=10, read_timeout=60),
    )


s3 = client()


class CheckFailed(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed("%s: expected %r, got %r" % (what, expected, actual))


def client_error(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e
    raise CheckFailed("expected a ClientError from %s" % getattr(fn, "__name__", fn))


def err_code(e):
    return e.response.get("Error", {}).get("Code")


def status(e):
    return e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


B = PFX + "-main"


@check
def bucket_create_list_head():
    s3.create_bucket(Bucket=B)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    expect(B in names, "bucket %s not listed in %r" % (B, names))
    s3.head_bucket(Bucket=B)
    e = client_error(s3.head_bucket, Bucket=PFX + "-missing")
    eq(status(e), 404, "head_bucket of a missing bucket")


@check
def put_get_metadata_content_type():
    body = b"hello granary from boto3\n" * 100
    put = s3.put_object(Bucket=B, Key="docs/hello.txt", Body=body, ContentType="text/plain; charset=utf-8",
                        Metadata={"owner": "ana", "purpose": "train"})
    eq(put["ETag"], '"%s"' % hashlib.md5(body).hexdigest(), "put ETag")
    got = s3.get_object(Bucket=B, Key="docs/hello.txt")
    eq(got["Body"].read(), body, "get body")
    eq(got["ContentType"], "text/plain; charset=utf-8", "get ContentType")
    eq(got["Metadata"], {"owner": "ana", "purpose": "train"}, "get Metadata")
    eq(got["ETag"], put["ETag"], "get ETag")
    eq(got["ContentLength"], len(body), "get ContentLength")


@check
def head_object():
    h = s3.head_object(Bucket=B, Key="docs/hello.txt")
    eq(h["ContentLength"], 2500, "head ContentLength")
    eq(h["ContentType"], "text/plain; charset=utf-8", "head ContentType")
    eq(h["Metadata"], {"owner": "ana", "purpose": "train"}, "head Metadata")
    expect(h.get("LastModified") is not None, "head LastModified missing")
    e = client_error(s3.head_object, Bucket=B, Key="docs/nothing-here")
    eq(status(e), 404, "head of a missing key")


RANGE_DATA = os.urandom(3 * MiB + 12345)


@check
def ranged_get():
    s3.put_object(Bucket=B, Key="range.bin", Body=RANGE_DATA)
    r = s3.get_object(Bucket=B, Key="range.bin", Range="bytes=1048000-1049000")
    eq(r["Body"].read(), RANGE_DATA[1048000:1049001], "bytes=1048000-1049000 body")
    eq(r["ContentRange"], "bytes 1048000-1049000/%d" % len(RANGE_DATA), "ContentRange")
    eq(r["ResponseMetadata"]["HTTPStatusCode"], 206, "ranged status")
    eq(s3.get_object(Bucket=B, Key="range.bin", Range="bytes=0-0")["Body"].read(), RANGE_DATA[:1], "first byte")
    eq(s3.get_object(Bucket=B, Key="range.bin", Range="bytes=3000000-")["Body"].read(), RANGE_DATA[3000000:], "open range")
    e = client_error(s3.get_object, Bucket=B, Key="range.bin", Range="bytes=%d-" % (len(RANGE_DATA) + 10))
    eq(status(e), 416, "unsatisfiable range status")
    eq(err_code(e), "InvalidRange", "unsatisfiable range code")


@check
def ranged_get_suffix():
    r = s3.get_object(Bucket=B, Key="range.bin", Range="bytes=-777")
    eq(r["Body"].read(), RANGE_DATA[-777:], "suffix body")
    eq(r["ContentRange"], "bytes %d-%d/%d" % (len(RANGE_DATA) - 777, len(RANGE_DATA) - 1, len(RANGE_DATA)),
       "suffix ContentRange")


@check
def conditional_get():
    etag = s3.head_object(Bucket=B, Key="range.bin")["ETag"]
    e = client_error(s3.get_object, Bucket=B, Key="range.bin", IfNoneMatch=etag)
    eq(status(e), 304, "If-None-Match with the current ETag")
    e = client_error(s3.get_object, Bucket=B, Key="range.bin", IfMatch='"0123"')
    eq(status(e), 412, "If-Match with a wrong ETag")
    r = s3.get_object(Bucket=B, Key="range.bin", IfMatch=etag, Range="bytes=0-9")
    eq(r["Body"].read(), RANGE_DATA[:10], "If-Match with the current ETag")
    r = s3.get_object(Bucket=B, Key="range.bin", IfNoneMatch='"0123"', Range="bytes=0-9")
    eq(r["Body"].read(), RANGE_DATA[:10], "If-None-Match with another ETag")


@check
def copy_object_replace_metadata():
    src = s3.head_object(Bucket=B, Key="docs/hello.txt")
    r = s3.copy_object(Bucket=B, Key="docs/copy.txt", CopySource={"Bucket": B, "Key": "docs/hello.txt"},
                       MetadataDirective="REPLACE", Metadata={"stage": "copied"}, ContentType="application/x-copy")
    eq(r["CopyObjectResult"]["ETag"], src["ETag"], "copy ETag")
    h = s3.head_object(Bucket=B, Key="docs/copy.txt")
    eq(h["Metadata"], {"stage": "copied"}, "copied Metadata (REPLACE)")
    eq(h["ContentType"], "application/x-copy", "copied ContentType (REPLACE)")
    eq(s3.get_object(Bucket=B, Key="docs/copy.txt")["Body"].read(), b"hello granary from boto3\n" * 100, "copied body")
    # COPY (the default) keeps the source's metadata
    s3.copy_object(Bucket=B, Key="docs/copy2.txt", CopySource={"Bucket": B, "Key": "docs/hello.txt"})
    eq(s3.head_object(Bucket=B, Key="docs/copy2.txt")["Metadata"], {"owner": "ana", "purpose": "train"},
       "copied Metadata (COPY)")


L = PFX + "-list"
LIST_KEYS = sorted(["k/%03d/obj-%d" % (i // 10, i) for i in range(250)])


@check
def list_objects_v2_paginator():
    s3.create_bucket(Bucket=L)
    for k in LIST_KEYS:
        s3.put_object(Bucket=L, Key=k, Body=k.encode())
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=L, PaginationConfig={"PageSize": 100}))
    eq([len(p.get("Contents", [])) for p in pages], [100, 100, 50], "page sizes")
    eq([p["KeyCount"] for p in pages], [100, 100, 50], "KeyCount per page")
    eq([p["IsTruncated"] for p in pages], [True, True, False], "IsTruncated per page")
    keys = [o["Key"] for p in pages for o in p["Contents"]]
    eq(keys, LIST_KEYS, "v2 keys in order across pages")
    expect(all(o["Size"] == len(o["Key"]) for p in pages for o in p["Contents"]), "sizes")
    # explicit MaxKeys, ContinuationToken and StartAfter
    first = s3.list_objects_v2(Bucket=L, MaxKeys=100)
    eq(first["MaxKeys"], 100, "MaxKeys echoed")
    second = s3.list_objects_v2(Bucket=L, MaxKeys=100, ContinuationToken=first["NextContinuationToken"])
    eq(second["Contents"][0]["Key"], LIST_KEYS[100], "first key of the second page")
    after = s3.list_objects_v2(Bucket=L, MaxKeys=3, StartAfter=LIST_KEYS[246])
    eq([o["Key"] for o in after["Contents"]], LIST_KEYS[247:250], "StartAfter")
    d = s3.list_objects_v2(Bucket=L, Prefix="k/00", Delimiter="/")
    eq([c["Prefix"] for c in d["CommonPrefixes"]], ["k/%03d/" % i for i in range(10)], "v2 CommonPrefixes")


@check
def list_objects_v1_marker_delimiter():
    r = s3.list_objects(Bucket=L, Marker=LIST_KEYS[9], MaxKeys=5)
    eq([o["Key"] for o in r["Contents"]], LIST_KEYS[10:15], "v1 Marker page")
    eq(r["IsTruncated"], True, "v1 IsTruncated")
    d = s3.list_objects(Bucket=L, Delimiter="/", Prefix="k/")
    eq([c["Prefix"] for c in d["CommonPrefixes"]], ["k/%03d/" % i for i in range(25)], "v1 CommonPrefixes")
    expect("Contents" not in d or d["Contents"] == [], "v1 delimited has no direct objects")
    m = s3.list_objects(Bucket=L, Delimiter="/", Prefix="k/", Marker="k/020/", MaxKeys=3)
    eq([c["Prefix"] for c in m["CommonPrefixes"]], ["k/021/", "k/022/", "k/023/"], "v1 Marker + Delimiter")
    eq(m["IsTruncated"], True, "v1 Marker + Delimiter IsTruncated")
    eq(m.get("NextMarker"), "k/023/", "v1 NextMarker")
    # the paginator of v1 follows NextMarker / last key
    keys = [o["Key"] for p in s3.get_paginator("list_objects").paginate(Bucket=L, PaginationConfig={"PageSize": 100})
            for o in p.get("Contents", [])]
    eq(keys, LIST_KEYS, "v1 paginator keys in order")


@check
def delete_objects_quiet_and_verbose():
    victims = LIST_KEYS[:5]
    r = s3.delete_objects(Bucket=L, Delete={"Objects": [{"Key": k} for k in victims[:3]] + [{"Key": "no/such/key"}]})
    eq(sorted(d["Key"] for d in r["Deleted"]), sorted(victims[:3] + ["no/such/key"]), "verbose Deleted")
    expect(not r.get("Errors"), "verbose Errors: %r" % r.get("Errors"))
    q = s3.delete_objects(Bucket=L, Delete={"Quiet": True, "Objects": [{"Key": k} for k in victims[3:]]})
    expect(not q.get("Deleted"), "quiet mode must not list deleted keys: %r" % q.get("Deleted"))
    expect(not q.get("Errors"), "quiet Errors: %r" % q.get("Errors"))
    left = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=L) for o in p.get("Contents", [])]
    eq(left, LIST_KEYS[5:], "keys left after delete_objects")


@check
def tagging_put_get():
    s3.put_object(Bucket=B, Key="tagged", Body=b"t", Tagging="team=ml&tier=hot")
    eq(sorted((t["Key"], t["Value"]) for t in s3.get_object_tagging(Bucket=B, Key="tagged")["TagSet"]),
       [("team", "ml"), ("tier", "hot")], "tags from the put")
    s3.put_object_tagging(Bucket=B, Key="tagged", Tagging={"TagSet": [{"Key": "state", "Value": "done ok"}]})
    eq(s3.get_object_tagging(Bucket=B, Key="tagged")["TagSet"], [{"Key": "state", "Value": "done ok"}],
       "tags after put_object_tagging")
    eq(s3.get_object(Bucket=B, Key="tagged").get("TagCount"), 1, "TagCount")


@check
def multipart_upload_fileobj():
    data = os.urandom(12 * MiB)
    cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=2)
    s3.upload_fileobj(io.BytesIO(data), B, "big/multipart.bin", Config=cfg,
                      ExtraArgs={"ContentType": "application/octet-stream", "Metadata": {"kind": "multi"}})
    h = s3.head_object(Bucket=B, Key="big/multipart.bin")
    eq(h["ContentLength"], len(data), "multipart ContentLength")
    digests = b"".join(hashlib.md5(data[i:i + 5 * MiB]).digest() for i in range(0, len(data), 5 * MiB))
    eq(h["ETag"], '"%s-3"' % hashlib.md5(digests).hexdigest(), "multipart ETag")
    eq(h["Metadata"], {"kind": "multi"}, "multipart Metadata")
    out = io.BytesIO()
    s3.download_fileobj(B, "big/multipart.bin", out, Config=cfg)
    got = out.getvalue()
    eq(len(got), len(data), "downloaded length")
    expect(got == data, "downloaded bytes differ (sha256 %s vs %s)"
           % (hashlib.sha256(got).hexdigest(), hashlib.sha256(data).hexdigest()))
    eq(s3.list_multipart_uploads(Bucket=B).get("Uploads", []), [], "no uploads left in progress")


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@check
def presigned_get():
    url = s3.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "docs/hello.txt"}, ExpiresIn=300)
    expect("X-Amz-Signature=" in url, "not a SigV4 presigned url: " + url)
    code, body = fetch(url)
    eq(code, 200, "presigned GET status")
    eq(body, b"hello granary from boto3\n" * 100, "presigned GET body")


@check
def presigned_get_tampered():
    url = s3.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "docs/hello.txt"}, ExpiresIn=300)
    parts = urllib.parse.urlsplit(url)
    q = urllib.parse.parse_qsl(parts.query)
    sig = dict(q)["X-Amz-Signature"]
    bad_sig = ("0" if sig[0] != "0" else "1") + sig[1:]
    tampered = [(k, bad_sig if k == "X-Amz-Signature" else v) for k, v in q]
    code, body = fetch(urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(tampered))))
    eq(code, 403, "tampered signature status")
    expect(b"SignatureDoesNotMatch" in body, "tampered signature body: %r" % body[:300])
    # a different key with the signature of docs/hello.txt
    other = urllib.parse.urlunsplit(parts._replace(path=parts.path.replace("hello.txt", "copy.txt")))
    code, body = fetch(other)
    eq(code, 403, "signature for another key status")
    # an extended expiry with the old signature
    longer = [(k, "600" if k == "X-Amz-Expires" else v) for k, v in q]
    code, body = fetch(urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(longer))))
    eq(code, 403, "changed X-Amz-Expires status")


@check
def error_no_such_key():
    e = client_error(s3.get_object, Bucket=B, Key="no/such/key")
    eq(err_code(e), "NoSuchKey", "get of a missing key")
    eq(status(e), 404, "NoSuchKey status")


@check
def error_no_such_bucket():
    e = client_error(s3.list_objects_v2, Bucket=PFX + "-nope")
    eq(err_code(e), "NoSuchBucket", "listing a missing bucket")
    e = client_error(s3.put_object, Bucket=PFX + "-nope", Key="x", Body=b"x")
    eq(err_code(e), "NoSuchBucket", "put into a missing bucket")


@check
def error_bucket_not_empty():
    e = client_error(s3.delete_bucket, Bucket=B)
    eq(err_code(e), "BucketNotEmpty", "delete of a non-empty bucket")
    eq(status(e), 409, "BucketNotEmpty status")


@check
def error_signature_does_not_match():
    bad = client(secret="not-the-secret")
    e = client_error(bad.list_objects_v2, Bucket=B)
    eq(err_code(e), "SignatureDoesNotMatch", "wrong secret on a GET")
    eq(status(e), 403, "SignatureDoesNotMatch status")
    e = client_error(bad.put_object, Bucket=B, Key="forged", Body=b"nope")
    eq(err_code(e), "SignatureDoesNotMatch", "wrong secret on a PUT")
    client_error(s3.head_object, Bucket=B, Key="forged")


F = PFX + "-flat"


@check
def bucket_delete():
    s3.create_bucket(Bucket=F)
    for k in ("a", "b", "c"):
        s3.put_object(Bucket=F, Key=k, Body=k.encode())
    e = client_error(s3.delete_bucket, Bucket=F)
    eq(err_code(e), "BucketNotEmpty", "delete of a non-empty flat bucket")
    r = s3.delete_objects(Bucket=F, Delete={"Objects": [{"Key": k} for k in ("a", "b", "c")]})
    expect(not r.get("Errors"), "errors emptying %s: %r" % (F, r.get("Errors")))
    eq(s3.list_objects_v2(Bucket=F)["KeyCount"], 0, "KeyCount of the emptied bucket")
    s3.delete_bucket(Bucket=F)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    expect(F not in names, "deleted bucket still listed: %r" % names)
    eq(status(client_error(s3.head_bucket, Bucket=F)), 404, "head of a deleted bucket")
    eq(err_code(client_error(s3.list_objects_v2, Bucket=F)), "NoSuchBucket", "listing a deleted bucket")


# Checks run only when named on the command line (each one pins down a server bug found by this suite).
EXTRA = []


def extra(fn):
    EXTRA.append(fn)
    return fn


@extra
def emptied_prefix_leaves_no_object():
    """S3 has no directories: once the last key under "dir/" is deleted, nothing is left under it."""
    bucket = PFX + "-prefix"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/sub/obj", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="dir/sub/obj")
    listing = s3.list_objects_v2(Bucket=bucket)
    eq([o["Key"] for o in listing.get("Contents", [])], [], "keys listed after deleting the only object dir/sub/obj")
    eq(status(client_error(s3.head_object, Bucket=bucket, Key="dir/")), 404, "head of dir/ (never put)")
    s3.delete_bucket(Bucket=bucket)


@extra
def rejected_expect_continue_closes_connection():
    """A PUT refused before its body (here: wrong secret) while the client waits for 100-continue.

    boto3 sends "Expect: 100-continue" on PUTs. The server answers the error with "Connection: close"
    and, as it does not read the body, must then close the connection itself.
    """
    import socket
    import time
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    bucket = PFX + "-expect"
    s3.create_bucket(Bucket=bucket)
    url = "%s/%s/expect-continue" % (ENDPOINT, bucket)
    body = b"0123456789" * 100
    req = AWSRequest(method="PUT", url=url, data=body,
                     headers={"Expect": "100-continue", "Content-Length": str(len(body))})
    S3SigV4Auth(Credentials(ACCESS, "not-the-secret"), "s3", "us-east-1").add_auth(req)
    prepared = req.prepare()
    parts = urllib.parse.urlsplit(url)
    head = "PUT %s HTTP/1.1\r\nHost: %s\r\n" % (parts.path, parts.netloc)
    head += "".join("%s: %s\r\n" % (k, v) for k, v in prepared.headers.items() if k.lower() != "host")
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    try:
        sock.sendall((head + "\r\n").encode())
        data, start = b"", time.time()
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            raise CheckFailed("the server answered %r but had not closed the connection %.1f s later"
                              % (data.decode(errors="replace")[:400], time.time() - start))
    finally:
        sock.close()
    text = data.decode(errors="replace")
    expect(text.startswith("HTTP/1.1 403"), "status line: %r" % text[:200])
    expect("SignatureDoesNotMatch" in text, "error code: %r" % text[:400])
    eq(status(client_error(s3.head_object, Bucket=bucket, Key="expect-continue")), 404, "nothing was written")


def main(argv):
    by_name = {fn.__name__: fn for fn in CHECKS + EXTRA}
    unknown = [a for a in argv if a not in by_name]
    if unknown:
        print("unknown checks %r; known: %r" % (unknown, sorted(by_name)), flush=True)
        return 2
    selected = [by_name[a] for a in argv] if argv else CHECKS
    for fn in selected:
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - report every failure the same way
            extra = ""
            if isinstance(e, ClientError):
                extra = " response=%r" % ({k: v for k, v in e.response.items() if k != "ResponseMetadata"},)
                extra += " status=%s" % status(e)
            print("CHECK %s FAILED: %s: %s%s" % (fn.__name__, type(e).__name__, e, extra), flush=True)
            traceback.print_exc()
            return 1
        print("CHECK %s ok" % fn.__name__, flush=True)
    print("ALL %d CHECKS PASSED" % len(selected), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
