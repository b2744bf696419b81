package io.granary.s3.http;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import io.granary.s3.S3Operation;
import io.granary.s3.auth.SignedRequest;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A classified S3 request: bucket and key from path or virtual-host addressing, decoded query
 * parameters, and the operation they name.
 */
public final class S3Request implements SignedRequest {
  /** S3's key length limit in UTF-8 bytes. */
  public static final int MAX_KEY_BYTES = 1024;

  private final HttpServerRequest http;
  private final String requestId;
  private final String bucket;
  private final String key;
  private final Map<String, String> query;
  private final S3Operation operation;

  private S3Request(HttpServerRequest http, String requestId, String bucket, String key, Map<String, String> query) {
    this.http = http;
    this.requestId = requestId;
    this.bucket = bucket;
    this.key = key;
    this.query = query;
    this.operation = classify();
  }

  /**
   * Parses a request. {@code domains} are the base domains for virtual-host addressing
   * ({@code bucket.domain}); a Host outside them means path style.
   */
  public static S3Request parse(HttpServerRequest http, String requestId, List<String> domains) {
    String rawPath = rawPathOf(http);
    String path = decode(rawPath);
    if (path.indexOf('\0') >= 0) {
      throw new S3Exception(S3ErrorCode.INVALID_URI, "the path contains NUL");
    }
    Map<String, String> query = parseQuery(http.query());
    String hostBucket = bucketFromHost(authority(http), domains);
    String bucket;
    String key;
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (hostBucket != null) {
      bucket = hostBucket;
      key = p.isEmpty() ? null : p;
    } else {
      int slash = p.indexOf('/');
      bucket = p.isEmpty() ? null : (slash < 0 ? p : p.substring(0, slash));
      key = slash < 0 || slash == p.length() - 1 ? null : p.substring(slash + 1);
    }
    return new S3Request(http, requestId, bucket, key, query);
  }

  private static String rawPathOf(HttpServerRequest http) {
    String uri = http.uri();
    int q = uri.indexOf('?');
    String p = q < 0 ? uri : uri.substring(0, q);
    if (p.startsWith("http://") || p.startsWith("https://")) { // absolute-form request target
      int slash = p.indexOf('/', p.indexOf("//") + 2);
      p = slash < 0 ? "/" : p.substring(slash);
    }
    return p;
  }

  static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new S3Exception(S3ErrorCode.INVALID_URI, "malformed percent-encoding in " + s);
    }
  }

  private static Map<String, String> parseQuery(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = decodeQuery(eq < 0 ? part : part.substring(0, eq));
      String value = eq < 0 ? "" : decodeQuery(part.substring(eq + 1));
      out.putIfAbsent(name, value);
    }
    return out;
  }

  private static String decodeQuery(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new S3Exception(S3ErrorCode.INVALID_URI, "malformed percent-encoding in the query");
    }
  }

  private static String bucketFromHost(String host, List<String> domains) {
    if (host == null || domains.isEmpty()) {
      return null;
    }
    String h = host.toLowerCase(java.util.Locale.ROOT);
    int colon = h.lastIndexOf(':');
    if (colon > 0 && h.indexOf(']') < colon) {
      h = h.substring(0, colon);
    }
    for (String d : domains) {
      if (h.endsWith("." + d)) {
        return h.substring(0, h.length() - d.length() - 1);
      }
    }
    return null;
  }

  private S3Operation classify() {
    String m = http.method().name();
    if (bucket == null) {
      return m.equals("GET") ? S3Operation.LIST_BUCKETS : S3Operation.UNSUPPORTED;
    }
    if (key == null) {
      return switch (m) {
        case "PUT" -> query.isEmpty() ? S3Operation.CREATE_BUCKET : S3Operation.UNSUPPORTED;
        case "DELETE" -> query.isEmpty() ? S3Operation.DELETE_BUCKET : S3Operation.UNSUPPORTED;
        case "HEAD" -> S3Operation.HEAD_BUCKET;
        case "POST" -> query.containsKey("delete") ? S3Operation.DELETE_OBJECTS : S3Operation.UNSUPPORTED;
        case "GET" -> {
          if (query.containsKey("location")) {
            yield S3Operation.GET_BUCKET_LOCATION;
          }
          if (query.containsKey("uploads")) {
            yield S3Operation.LIST_MULTIPART_UPLOADS;
          }
          if ("2".equals(query.get("list-type"))) {
            yield S3Operation.LIST_OBJECTS_V2;
          }
          boolean subresource = query.keySet().stream().anyMatch(k -> SUBRESOURCES.contains(k));
          yield subresource ? S3Operation.UNSUPPORTED : S3Operation.LIST_OBJECTS;
        }
        default -> S3Operation.UNSUPPORTED;
      };
    }
    boolean upload = query.containsKey("uploadId");
    return switch (m) {
      case "PUT" -> {
        if (upload && query.containsKey("partNumber")) {
          yield http.getHeader("x-amz-copy-source") != null ? S3Operation.UPLOAD_PART_COPY : S3Operation.UPLOAD_PART;
        }
        if (query.containsKey("tagging")) {
          yield S3Operation.PUT_OBJECT_TAGGING;
        }
        yield http.getHeader("x-amz-copy-source") != null ? S3Operation.COPY_OBJECT : S3Operation.PUT_OBJECT;
      }
      case "GET" -> upload ? S3Operation.LIST_PARTS
          : query.containsKey("tagging") ? S3Operation.GET_OBJECT_TAGGING
          : query.keySet().stream().anyMatch(SUBRESOURCES::contains) ? S3Operation.UNSUPPORTED
          : S3Operation.GET_OBJECT;
      case "HEAD" -> S3Operation.HEAD_OBJECT;
      case "DELETE" -> upload ? S3Operation.ABORT_MULTIPART_UPLOAD
          : query.containsKey("tagging") ? S3Operation.DELETE_OBJECT_TAGGING : S3Operation.DELETE_OBJECT;
      case "POST" -> query.containsKey("uploads") ? S3Operation.CREATE_MULTIPART_UPLOAD
          : upload ? S3Operation.COMPLETE_MULTIPART_UPLOAD : S3Operation.UNSUPPORTED;
      default -> S3Operation.UNSUPPORTED;
    };
  }

  private static final Set<String> SUBRESOURCES = Set.of("acl", "policy", "versioning", "versions", "cors",
      "lifecycle", "website", "logging", "notification", "replication", "encryption", "object-lock",
      "retention", "legal-hold", "torrent", "requestPayment", "accelerate", "analytics", "inventory",
      "metrics", "ownershipControls", "publicAccessBlock", "intelligent-tiering", "restore", "select", "attributes");

  public HttpServerRequest http() {
    return http;
  }

  public String requestId() {
    return requestId;
  }

  public S3Operation operation() {
    return operation;
  }

  /** The bucket, or null for service-level requests. */
  public String bucket() {
    return bucket;
  }

  /** The object key, or null for bucket-level requests. */
  public String key() {
    return key;
  }

  public String query(String name) {
    return query.get(name);
  }

  public boolean hasQuery(String name) {
    return query.containsKey(name);
  }

  /** "/bucket/key" for error resources. */
  public String resource() {
    return "/" + (bucket == null ? "" : bucket) + (key == null ? "" : "/" + key);
  }

  @Override
  public String method() {
    return http.method().name();
  }

  @Override
  public String rawPath() {
    return rawPathOf(http);
  }

  @Override
  public String rawQuery() {
    return http.query();
  }

  @Override
  public List<String> headers(String name) {
    List<String> values = http.headers().getAll(name);
    if (values.isEmpty() && name.equalsIgnoreCase("host")) {
      String authority = authority(http);
      return authority == null ? values : List.of(authority);
    }
    return values;
  }

  /** Host[:port] as the client addressed it: the Host header, or HTTP/2's :authority. */
  static String authority(HttpServerRequest http) {
    String host = http.getHeader("Host");
    if (host != null) {
      return host;
    }
    io.vertx.core.net.HostAndPort a = http.authority();
    return a == null ? null : a.host() + (a.port() >= 0 ? ":" + a.port() : "");
  }

  @Override
  public Set<String> headerNames() {
    Set<String> names = http.headers().names().stream().collect(Collectors.toSet());
    if (http.getHeader("Host") == null && http.authority() != null) {
      names.add("host");
    }
    return names;
  }
}
