package io.granary.s3.handler;

import com.fasterxml.jackson.databind.JsonNode;
import io.granary.s3.S3Backend;
import io.granary.s3.S3Backend.ObjectData;
import io.granary.s3.S3Backend.ObjectInfo;
import io.granary.s3.S3Backend.ObjectMetadata;
import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import io.granary.s3.auth.PayloadStream;
import io.granary.s3.http.S3Exchange;
import io.granary.s3.http.S3Request;
import io.granary.s3.xml.XmlReader;
import io.granary.s3.xml.XmlWriter;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Object operations: authenticate (done), call the backend, render the result or the error. */
public final class ObjectHandlers {
  /** Largest single PUT S3 accepts. */
  public static final long MAX_PUT = 5L << 30;
  /** S3's limit on user metadata (names and values of x-amz-meta-*). */
  static final int MAX_USER_METADATA = 2048;
  /** Attribute holding the tag set, URL-query encoded. */
  public static final String TAGGING = "x-granary-tagging";
  static final List<String> SYSTEM_HEADERS = List.of("content-type", "content-encoding", "content-disposition",
      "content-language", "cache-control", "expires");
  private static final List<String> OVERRIDES = List.of("content-type", "content-language", "expires", "cache-control",
      "content-disposition", "content-encoding");

  private final S3Backend backend;

  public ObjectHandlers(S3Backend backend) {
    this.backend = backend;
  }

  static void checkKey(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > S3Request.MAX_KEY_BYTES) {
      throw new S3Exception(S3ErrorCode.KEY_TOO_LONG, "key longer than " + S3Request.MAX_KEY_BYTES + " bytes");
    }
    if (key.indexOf('\0') >= 0) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "key contains NUL");
    }
    for (String part : key.split("/", -1)) {
      if (part.equals("..") || part.equals(".")) {
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "key must not contain '.' or '..' segments: " + key);
      }
    }
    if (key.startsWith("/") || key.contains("//")) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "key must not contain empty segments ('//' or a leading '/'): " + key);
    }
  }

  /** Request options the gateway understands: per-request read and write types. */
  static Map<String, String> options(S3Request req) {
    Map<String, String> o = new LinkedHashMap<>();
    String wt = req.header("x-granary-write-type");
    String rt = req.header("x-granary-read-type");
    if (wt != null) {
      o.put("write-type", wt);
    }
    if (rt != null) {
      o.put("read-type", rt);
    }
    return o;
  }

  /** System headers and x-amz-meta-* of a PUT, POST uploads or COPY with REPLACE. */
  static ObjectMetadata metadata(S3Request req) {
    Map<String, String> attrs = new LinkedHashMap<>();
    for (String h : SYSTEM_HEADERS) {
      String v = req.header(h);
      if (v != null) {
        attrs.put(h, v);
      }
    }
    String ce = attrs.get("content-encoding");
    if (ce != null) { // aws-chunked is transport framing, not the object's encoding
      String rest = String.join(",", java.util.Arrays.stream(ce.split(",")).map(String::trim)
          .filter(t -> !t.equalsIgnoreCase("aws-chunked") && !t.isEmpty()).toList());
      if (rest.isEmpty()) {
        attrs.remove("content-encoding");
      } else {
        attrs.put("content-encoding", rest);
      }
    }
    int userBytes = 0;
    for (String name : req.headerNames()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith("x-amz-meta-")) {
        String v = String.join(",", req.headers(name));
        userBytes += lower.length() - "x-amz-meta-".length() + v.length();
        attrs.put(lower, v);
      }
    }
    if (userBytes > MAX_USER_METADATA) {
      throw new S3Exception(S3ErrorCode.METADATA_TOO_LARGE, "user metadata is " + userBytes + " bytes; the limit is " + MAX_USER_METADATA);
    }
    String tagging = req.header("x-amz-tagging");
    if (tagging != null) {
      attrs.put(TAGGING, canonicalTags(parseTagQuery(tagging)));
    }
    return new ObjectMetadata(attrs);
  }

  // ---- PUT --------------------------------------------------------------------------------

  public void put(S3Exchange ex) throws IOException {
    S3Request req = ex.request();
    checkKey(req.key());
    long length = ex.declaredLength();
    if (length > MAX_PUT) {
      throw new S3Exception(S3ErrorCode.ENTITY_TOO_LARGE, "a single PUT is limited to 5 GiB; use a multipart upload");
    }
    ObjectMetadata meta = metadata(req);
    PayloadStream body = ex.body();
    ObjectInfo info = backend.put(req.bucket(), req.key(), body, length, meta, options(req), () -> {
      Map<String, String> fin = new LinkedHashMap<>(body.checksums());
      fin.put("etag", body.md5Hex());
      return fin;
    });
    HttpServerResponse r = ex.response();
    r.putHeader("ETag", "\"" + info.etag() + "\"");
    body.checksums().forEach(r::putHeader);
    ex.empty(200);
  }

  // ---- GET / HEAD -------------------------------------------------------------------------

  public void get(S3Exchange ex, boolean head) throws IOException {
    S3Request req = ex.request();
    checkKey(req.key());
    ObjectInfo info = backend.head(req.bucket(), req.key());
    HttpServerResponse r = ex.response();
    if (!preconditions(req, info, r)) {
      ex.empty(304);
      return;
    }
    long size = info.size();
    long offset = 0;
    long length = size;
    int status = 200;
    long[] range = parseRange(req.header("Range"), size);
    if (range != null) {
      offset = range[0];
      length = range[1] - range[0] + 1;
      status = 206;
      r.putHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
    }
    objectHeaders(r, info);
    for (String o : OVERRIDES) {
      String v = req.query("response-" + o);
      if (v != null) {
        r.putHeader(o, v);
      }
    }
    if (range == null && "ENABLED".equalsIgnoreCase(req.header("x-amz-checksum-mode"))) {
      info.attributes().forEach((k, v) -> {
        if (k.startsWith("x-amz-checksum-")) {
          r.putHeader(k, v);
        }
      });
    }
    r.setStatusCode(status);
    if (head) {
      r.putHeader("Content-Length", Long.toString(length));
      ex.empty(status);
      return;
    }
    if (length == 0) {
      r.putHeader("Content-Length", "0");
      ex.empty(status);
      return;
    }
    ObjectData data = backend.get(info, req.bucket(), req.key(), offset, length, options(req));
    if (data.file().isPresent()) {
      try {
        if (data.stream() != null) {
          data.stream().close();
        }
      } catch (IOException ignored) {
        // nothing to release
      }
      if (ex.sendFile(data.file().get().toString(), data.fileOffset(), length)) {
        return;
      }
      data = backend.get(req.bucket(), req.key(), offset, length, Map.of("zero-copy", "false"));
    }
    try (InputStream in = data.stream()) {
      ex.stream(in, length);
    }
  }

  /**
   * Serves a GET or HEAD on the event loop when the object is known and, for a GET, the range lies
   * in one cached block: no worker hop, sendfile straight from the block file. Returns false,
   * having sent nothing, when it cannot (conditional headers, an unknown or uncached object, a
   * range across blocks); the caller then takes the ordinary path. If the block file vanishes
   * before sendfile opens it (eviction), {@code fallback} serves the request the ordinary way.
   */
  public boolean tryCachedGet(S3Request req, boolean head, Runnable fallback) {
    String key = req.key();
    if (key == null || req.header("x-granary-read-type") != null || req.header("If-Match") != null
        || req.header("If-None-Match") != null || req.header("If-Modified-Since") != null
        || req.header("If-Unmodified-Since") != null || req.header("x-amz-checksum-mode") != null
        || req.hasQuery("partNumber") || req.hasQuery("versionId")) {
      return false;
    }
    try {
      checkKey(key);
    } catch (S3Exception e) {
      return false;
    }
    Optional<ObjectInfo> found = backend.headIfCached(req.bucket(), key);
    if (found.isEmpty()) {
      return false;
    }
    ObjectInfo info = found.get();
    long[] range;
    try {
      range = parseRange(req.header("Range"), info.size());
    } catch (S3Exception e) {
      return false;
    }
    long offset = range == null ? 0 : range[0];
    long length = range == null ? info.size() : range[1] - range[0] + 1;
    Optional<ObjectData> data = Optional.empty();
    if (!head) {
      if (length == 0) {
        return false;
      }
      data = backend.fileIfCached(info, offset, length);
      if (data.isEmpty()) {
        return false;
      }
    }
    HttpServerResponse r = req.http().response();
    objectHeaders(r, info);
    for (String o : OVERRIDES) {
      String v = req.query("response-" + o);
      if (v != null) {
        r.putHeader(o, v);
      }
    }
    if (range != null) {
      r.putHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + info.size());
    }
    r.setStatusCode(range == null ? 200 : 206);
    req.http().resume(); // no body to read; let the connection go on
    if (head) {
      r.putHeader("Content-Length", Long.toString(length)).end();
      return true;
    }
    ObjectData d = data.get();
    r.sendFile(d.file().get().toString(), d.fileOffset(), length).onFailure(t -> {
      if (r.headWritten()) {
        r.reset();
      } else {
        fallback.run();
      }
    });
    return true;
  }

  static void objectHeaders(HttpServerResponse r, ObjectInfo info) {
    r.putHeader("ETag", "\"" + info.etag() + "\"");
    r.putHeader("Last-Modified", S3Exchange.httpDate(info.lastModifiedMs()));
    r.putHeader("Accept-Ranges", "bytes");
    r.putHeader("Content-Type", info.attributes().getOrDefault("content-type", "binary/octet-stream"));
    for (Map.Entry<String, String> e : info.attributes().entrySet()) {
      String k = e.getKey();
      if (k.startsWith("x-amz-meta-") || (SYSTEM_HEADERS.contains(k) && !k.equals("content-type"))) {
        r.putHeader(k, e.getValue());
      }
    }
    String tags = info.attributes().get(TAGGING);
    if (tags != null && !tags.isEmpty()) {
      r.putHeader("x-amz-tagging-count", Integer.toString(tags.split("&").length));
    }
  }

  /**
   * Applies If-Match, If-Unmodified-Since (412) and If-None-Match, If-Modified-Since (304) as S3
   * and RFC 7232 order them. Returns false when the answer is 304.
   */
  static boolean preconditions(S3Request req, ObjectInfo info, HttpServerResponse r) {
    String etag = info.etag();
    long modified = info.lastModifiedMs() / 1000;
    String ifMatch = req.header("If-Match");
    String ifNoneMatch = req.header("If-None-Match");
    Long ifModifiedSince = parseDate(req.header("If-Modified-Since"));
    Long ifUnmodifiedSince = parseDate(req.header("If-Unmodified-Since"));
    if (ifMatch != null) {
      if (!etagMatches(ifMatch, etag)) {
        throw new S3Exception(S3ErrorCode.PRECONDITION_FAILED, "If-Match did not match the ETag");
      }
    } else if (ifUnmodifiedSince != null && modified > ifUnmodifiedSince) {
      throw new S3Exception(S3ErrorCode.PRECONDITION_FAILED, "the object was modified after If-Unmodified-Since");
    }
    if (ifNoneMatch != null) {
      if (etagMatches(ifNoneMatch, etag)) {
        r.putHeader("ETag", "\"" + etag + "\"");
        return false;
      }
    } else if (ifModifiedSince != null && modified <= ifModifiedSince) {
      r.putHeader("ETag", "\"" + etag + "\"");
      return false;
    }
    return true;
  }

  static boolean etagMatches(String header, String etag) {
    for (String t : header.split(",")) {
      String v = t.trim();
      if (v.startsWith("W/")) {
        v = v.substring(2);
      }
      if (v.equals("*") || v.replace("\"", "").equals(etag)) {
        return true;
      }
    }
    return false;
  }

  static Long parseDate(String s) {
    if (s == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(s.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
    } catch (DateTimeParseException e) {
      return null; // an unparsable date is ignored, as HTTP says
    }
  }

  /**
   * A single byte range as [first, last], or null for none (or a form S3 ignores, such as
   * several ranges). InvalidRange when it cannot be satisfied.
   */
  static long[] parseRange(String header, long size) {
    if (header == null) {
      return null;
    }
    String h = header.trim();
    if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
      return null;
    }
    String spec = h.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).trim();
      String b = spec.substring(dash + 1).trim();
      long first;
      long last;
      if (a.isEmpty()) {
        long suffix = Long.parseLong(b);
        if (suffix <= 0 || size == 0) {
          throw unsatisfiable(size);
        }
        first = Math.max(0, size - suffix);
        last = size - 1;
      } else {
        first = Long.parseLong(a);
        last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
        if (!b.isEmpty() && Long.parseLong(b) < first) {
          return null; // syntactically invalid: ignored
        }
        if (first >= size) {
          throw unsatisfiable(size);
        }
      }
      return new long[] {first, last};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static S3Exception unsatisfiable(long size) {
    return new S3Exception(S3ErrorCode.INVALID_RANGE, "The requested range is not satisfiable (object size " + size + ")");
  }

  // ---- COPY -------------------------------------------------------------------------------

  /** The source of x-amz-copy-source: [bucket, key]. */
  static String[] copySource(S3Request req) {
    String raw = req.header("x-amz-copy-source");
    String src = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    int q = src.indexOf("?versionId=");
    if (q >= 0) {
      src = src.substring(0, q);
    }
    if (src.startsWith("/")) {
      src = src.substring(1);
    }
    int slash = src.indexOf('/');
    if (slash <= 0 || slash == src.length() - 1) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
    }
    String key = src.substring(slash + 1);
    checkKey(key);
    return new String[] {src.substring(0, slash), key};
  }

  /** x-amz-copy-source-if-* against the source object: 412 when one fails. */
  static void copyPreconditions(S3Request req, ObjectInfo src) {
    String ifMatch = req.header("x-amz-copy-source-if-match");
    String ifNoneMatch = req.header("x-amz-copy-source-if-none-match");
    Long ifModified = parseDate(req.header("x-amz-copy-source-if-modified-since"));
    Long ifUnmodified = parseDate(req.header("x-amz-copy-source-if-unmodified-since"));
    long modified = src.lastModifiedMs() / 1000;
    boolean ok = true;
    if (ifMatch != null) {
      ok = etagMatches(ifMatch, src.etag());
    } else if (ifUnmodified != null) {
      ok = modified <= ifUnmodified;
    }
    if (ok && ifNoneMatch != null) {
      ok = !etagMatches(ifNoneMatch, src.etag());
    } else if (ok && ifModified != null && ifNoneMatch == null) {
      ok = modified > ifModified;
    }
    if (!ok) {
      throw new S3Exception(S3ErrorCode.PRECONDITION_FAILED, "a copy-source precondition did not hold");
    }
  }

  public void copy(S3Exchange ex) throws IOException {
    S3Request req = ex.request();
    checkKey(req.key());
    String[] src = copySource(req);
    ObjectInfo source = backend.head(src[0], src[1]);
    copyPreconditions(req, source);
    String directive = req.header("x-amz-metadata-directive");
    boolean replace = directive != null && directive.equalsIgnoreCase("REPLACE");
    if (directive != null && !replace && !directive.equalsIgnoreCase("COPY")) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Unknown metadata directive: " + directive);
    }
    boolean sameObject = src[0].equals(req.bucket()) && src[1].equals(req.key());
    if (sameObject && !replace) {
      throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "This copy request is illegal because it is trying to copy an object "
          + "to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
    }
    Map<String, String> attrs = new LinkedHashMap<>();
    if (replace) {
      attrs.putAll(metadata(req).attributes());
    } else {
      source.attributes().forEach((k, v) -> {
        if (SYSTEM_HEADERS.contains(k) || k.startsWith("x-amz-meta-") || k.equals(TAGGING)) {
          attrs.put(k, v);
        }
      });
    }
    String taggingDirective = req.header("x-amz-tagging-directive");
    if (taggingDirective != null && taggingDirective.equalsIgnoreCase("REPLACE")) {
      String t = req.header("x-amz-tagging");
      attrs.put(TAGGING, t == null ? "" : canonicalTags(parseTagQuery(t)));
    }
    ObjectInfo written;
    if (sameObject) {
      written = backend.updateMetadata(req.bucket(), req.key(), attrs);
    } else {
      ObjectData data = backend.get(src[0], src[1], 0, source.size(), Map.of("zero-copy", "false"));
      MessageDigest md5 = md5();
      try (InputStream in = new DigestInputStream(data.stream(), md5)) {
        written = backend.put(req.bucket(), req.key(), in, source.size(), new ObjectMetadata(attrs), options(req),
            () -> Map.of("etag", HexFormat.of().formatHex(md5.digest())));
      }
    }
    ex.xml(200, XmlWriter.document("CopyObjectResult")
        .element("LastModified", S3Exchange.isoDate(written.lastModifiedMs()))
        .element("ETag", "\"" + written.etag() + "\"")
        .finish());
  }

  static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- DELETE -----------------------------------------------------------------------------

  public void delete(S3Exchange ex) {
    S3Request req = ex.request();
    checkKey(req.key());
    backend.delete(req.bucket(), req.key());
    ex.empty(204);
  }

  public void deleteObjects(S3Exchange ex) throws IOException {
    S3Request req = ex.request();
    backend.headBucket(req.bucket());
    JsonNode doc = ex.xmlBody();
    boolean quiet = "true".equalsIgnoreCase(XmlReader.text(doc, "Quiet"));
    List<JsonNode> objects = XmlReader.children(doc, "Object");
    if (objects.isEmpty() || objects.size() > 1000) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML, "a Delete request names 1 to 1000 objects, not " + objects.size());
    }
    XmlWriter w = XmlWriter.document("DeleteResult");
    for (JsonNode o : objects) {
      String key = XmlReader.text(o, "Key");
      try {
        if (key == null || key.isEmpty()) {
          throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "empty key");
        }
        checkKey(key);
        backend.delete(req.bucket(), key);
        if (!quiet) {
          w.open("Deleted").element("Key", key).close("Deleted");
        }
      } catch (S3Exception e) {
        w.open("Error").element("Key", key).element("Code", e.code().code()).element("Message", e.getMessage()).close("Error");
      }
    }
    ex.xml(200, w.finish());
  }

  // ---- tagging ----------------------------------------------------------------------------

  public void getTagging(S3Exchange ex) {
    S3Request req = ex.request();
    ObjectInfo info = backend.head(req.bucket(), req.key());
    XmlWriter w = XmlWriter.document("Tagging").open("TagSet");
    for (Map.Entry<String, String> t : parseTagQuery(info.attributes().getOrDefault(TAGGING, "")).entrySet()) {
      w.open("Tag").element("Key", t.getKey()).element("Value", t.getValue()).close("Tag");
    }
    ex.xml(200, w.close("TagSet").finish());
  }

  public void putTagging(S3Exchange ex) throws IOException {
    S3Request req = ex.request();
    ObjectInfo info = backend.head(req.bucket(), req.key());
    JsonNode doc = ex.xmlBody();
    Map<String, String> tags = new LinkedHashMap<>();
    for (JsonNode t : XmlReader.children(doc.get("TagSet"), "Tag")) {
      String k = XmlReader.text(t, "Key");
      String v = XmlReader.text(t, "Value");
      if (k == null || k.isEmpty() || k.length() > 128 || (v != null && v.length() > 256) || tags.containsKey(k)) {
        throw new S3Exception(S3ErrorCode.INVALID_TAG, "tag keys are 1..128 characters, unique; values up to 256");
      }
      tags.put(k, v == null ? "" : v);
    }
    if (tags.size() > 10) {
      throw new S3Exception(S3ErrorCode.INVALID_TAG, "Object tags cannot be greater than 10");
    }
    Map<String, String> attrs = new LinkedHashMap<>(info.attributes());
    attrs.put(TAGGING, canonicalTags(tags));
    backend.updateMetadata(req.bucket(), req.key(), attrs);
    ex.empty(200);
  }

  public void deleteTagging(S3Exchange ex) {
    S3Request req = ex.request();
    ObjectInfo info = backend.head(req.bucket(), req.key());
    Map<String, String> attrs = new LinkedHashMap<>(info.attributes());
    attrs.remove(TAGGING);
    backend.updateMetadata(req.bucket(), req.key(), attrs);
    ex.empty(204);
  }

  static Map<String, String> parseTagQuery(String q) {
    Map<String, String> out = new LinkedHashMap<>();
    if (q == null || q.isEmpty()) {
      return out;
    }
    for (String pair : q.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    if (out.size() > 10) {
      throw new S3Exception(S3ErrorCode.INVALID_TAG, "Object tags cannot be greater than 10");
    }
    return out;
  }

  static String canonicalTags(Map<String, String> tags) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : tags.entrySet()) {
      if (b.length() > 0) {
        b.append('&');
      }
      b.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    return b.toString();
  }
}
