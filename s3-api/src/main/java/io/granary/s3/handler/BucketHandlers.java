package io.granary.s3.handler;

import io.granary.s3.S3Backend;
import io.granary.s3.S3Backend.ListQuery;
import io.granary.s3.S3Backend.ListResult;
import io.granary.s3.S3Backend.ObjectInfo;
import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import io.granary.s3.http.S3Exchange;
import io.granary.s3.http.S3Request;
import io.granary.s3.xml.XmlWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/** Service and bucket operations: authenticate (done), call the backend, render. */
public final class BucketHandlers {
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IP_LIKE = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");
  static final String OWNER_ID = "granary";

  private final S3Backend backend;

  public BucketHandlers(S3Backend backend) {
    this.backend = backend;
  }

  /** S3's bucket naming rules (the general-purpose bucket subset). */
  public static void checkBucketName(String name) {
    if (name == null || !BUCKET_NAME.matcher(name).matches() || name.contains("..") || IP_LIKE.matcher(name).matches()
        || name.startsWith("xn--") || name.endsWith("-s3alias") || name.startsWith("sthree-")) {
      throw new S3Exception(S3ErrorCode.INVALID_BUCKET_NAME, "invalid bucket name: " + name);
    }
  }

  public void listBuckets(S3Exchange ex) {
    XmlWriter w = XmlWriter.document("ListAllMyBucketsResult");
    w.open("Owner").element("ID", OWNER_ID).element("DisplayName", OWNER_ID).close("Owner");
    w.open("Buckets");
    for (S3Backend.BucketInfo b : backend.listBuckets()) {
      w.open("Bucket").element("Name", b.name()).element("CreationDate", S3Exchange.isoDate(b.createdMs())).close("Bucket");
    }
    w.close("Buckets");
    ex.xml(200, w.finish());
  }

  public void createBucket(S3Exchange ex) {
    String bucket = ex.request().bucket();
    checkBucketName(bucket);
    backend.createBucket(bucket);
    ex.response().putHeader("Location", "/" + bucket);
    ex.empty(200);
  }

  public void deleteBucket(S3Exchange ex) {
    backend.deleteBucket(ex.request().bucket());
    ex.empty(204);
  }

  public void headBucket(S3Exchange ex) {
    backend.headBucket(ex.request().bucket());
    ex.response().putHeader("x-amz-bucket-region", ex.region());
    ex.empty(200);
  }

  public void location(S3Exchange ex) {
    backend.headBucket(ex.request().bucket());
    String region = ex.region();
    ex.xml(200, XmlWriter.document("LocationConstraint").finish().replace("</LocationConstraint>",
        ("us-east-1".equals(region) ? "" : region) + "</LocationConstraint>"));
  }

  public void listObjects(S3Exchange ex, boolean v2) {
    S3Request req = ex.request();
    String bucket = req.bucket();
    String prefix = orEmpty(req.query("prefix"));
    String delimiter = orEmpty(req.query("delimiter"));
    String encoding = req.query("encoding-type");
    if (encoding != null && !encoding.equals("url")) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Invalid Encoding Method specified in Request");
    }
    boolean url = "url".equals(encoding);
    int maxKeys = maxKeys(req.query("max-keys"));
    String startAfter;
    String token = null;
    if (v2) {
      token = req.query("continuation-token");
      startAfter = token != null ? decodeToken(token) : orEmpty(req.query("start-after"));
    } else {
      startAfter = orEmpty(req.query("marker"));
    }
    ListResult result = maxKeys == 0
        ? new ListResult(java.util.List.of(), java.util.List.of(), false, null)
        : backend.list(bucket, new ListQuery(prefix, delimiter, startAfter, maxKeys));
    boolean fetchOwner = !v2 || "true".equals(req.query("fetch-owner"));

    XmlWriter w = XmlWriter.document("ListBucketResult");
    w.element("Name", bucket).element("Prefix", enc(prefix, url));
    if (v2) {
      if (token != null) {
        w.element("ContinuationToken", token);
      }
      if (req.query("start-after") != null) {
        w.element("StartAfter", enc(req.query("start-after"), url));
      }
      w.element("KeyCount", result.objects().size() + result.commonPrefixes().size());
    } else {
      w.element("Marker", enc(startAfter, url));
    }
    w.element("MaxKeys", maxKeys);
    if (!delimiter.isEmpty()) {
      w.element("Delimiter", enc(delimiter, url));
    }
    if (url) {
      w.element("EncodingType", "url");
    }
    w.element("IsTruncated", result.truncated());
    if (result.truncated()) {
      if (v2) {
        w.element("NextContinuationToken", encodeToken(result.nextMarker()));
      } else if (!delimiter.isEmpty()) {
        w.element("NextMarker", enc(result.nextMarker(), url));
      }
    }
    for (ObjectInfo o : result.objects()) {
      w.open("Contents")
          .element("Key", enc(o.key(), url))
          .element("LastModified", S3Exchange.isoDate(o.lastModifiedMs()))
          .element("ETag", "\"" + o.etag() + "\"")
          .element("Size", o.size())
          .element("StorageClass", "STANDARD");
      if (fetchOwner) {
        w.open("Owner").element("ID", OWNER_ID).element("DisplayName", OWNER_ID).close("Owner");
      }
      w.close("Contents");
    }
    for (String p : result.commonPrefixes()) {
      w.open("CommonPrefixes").element("Prefix", enc(p, url)).close("CommonPrefixes");
    }
    ex.xml(200, w.finish());
  }

  static int maxKeys(String raw) {
    if (raw == null) {
      return 1000;
    }
    try {
      int n = Integer.parseInt(raw.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Math.min(n, 1000);
    } catch (NumberFormatException e) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "max-keys must be a non-negative integer: " + raw);
    }
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  /** encoding-type=url: percent-encode as S3 does (space as %20), keeping "/" readable. */
  static String enc(String s, boolean url) {
    if (!url || s == null) {
      return s;
    }
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/").replace("*", "%2A")
        .replace("%7E", "~");
  }

  static String encodeToken(String key) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }

  static String decodeToken(String token) {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The continuation token provided is incorrect");
    }
  }
}
