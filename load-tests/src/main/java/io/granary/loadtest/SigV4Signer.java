package io.granary.loadtest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 header signing for S3 requests whose payload is not hashed
 * ({@code x-amz-content-sha256: UNSIGNED-PAYLOAD}). Signs {@code host}, {@code x-amz-content-sha256}
 * and {@code x-amz-date}; the signing key is derived once per day. Thread-safe.
 */
final class SigV4Signer {
  static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final String SIGNED_HEADERS = "host;x-amz-content-sha256;x-amz-date";
  private static final HexFormat HEX = HexFormat.of();
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final String accessKey;
  private final String secretKey;
  private final String region;
  private final String host;
  private volatile DayKey dayKey;
  private volatile SecondDate secondDate;

  private record DayKey(String day, byte[] key, String scope) {}

  private record SecondDate(long epochSecond, String amzDate) {}

  /** @param host the Host header exactly as sent, e.g. {@code 127.0.0.1:9000} */
  SigV4Signer(String accessKey, String secretKey, String region, String host) {
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.region = region;
    this.host = host;
  }

  String host() {
    return host;
  }

  /**
   * The headers to add to a request.
   *
   * @param method HTTP method
   * @param encodedPath the path as sent on the wire (already URI-encoded)
   * @param params query parameters (raw values; encoded here, sorted by name); may be empty
   */
  Map<String, String> sign(String method, String encodedPath, Map<String, String> params) {
    String amzDate = amzDate();
    String day = amzDate.substring(0, 8);
    DayKey k = dayKey;
    if (k == null || !k.day.equals(day)) {
      byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), day);
      key = hmac(key, region);
      key = hmac(key, "s3");
      key = hmac(key, "aws4_request");
      k = new DayKey(day, key, day + "/" + region + "/s3/aws4_request");
      dayKey = k;
    }
    String canonical = method + '\n' + encodedPath + '\n' + canonicalQuery(params) + '\n'
        + "host:" + host + '\n'
        + "x-amz-content-sha256:" + UNSIGNED_PAYLOAD + '\n'
        + "x-amz-date:" + amzDate + '\n'
        + '\n'
        + SIGNED_HEADERS + '\n'
        + UNSIGNED_PAYLOAD;
    String toSign = ALGORITHM + '\n' + amzDate + '\n' + k.scope + '\n' + sha256Hex(canonical);
    String signature = HEX.formatHex(hmac(k.key, toSign));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Host", host);
    headers.put("x-amz-date", amzDate);
    headers.put("x-amz-content-sha256", UNSIGNED_PAYLOAD);
    headers.put("Authorization", ALGORITHM + " Credential=" + accessKey + "/" + k.scope
        + ", SignedHeaders=" + SIGNED_HEADERS + ", Signature=" + signature);
    return headers;
  }

  private String amzDate() {
    long now = System.currentTimeMillis() / 1000;
    SecondDate d = secondDate;
    if (d == null || d.epochSecond != now) {
      d = new SecondDate(now, AMZ_DATE.format(Instant.ofEpochSecond(now)));
      secondDate = d;
    }
    return d.amzDate;
  }

  /** The canonical (and wire) query string: names sorted, names and values URI-encoded. */
  static String canonicalQuery(Map<String, String> params) {
    if (params.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : new TreeMap<>(params).entrySet()) {
      if (!sb.isEmpty()) {
        sb.append('&');
      }
      sb.append(uriEncode(e.getKey(), true)).append('=').append(uriEncode(e.getValue(), true));
    }
    return sb.toString();
  }

  /** SigV4 URI encoding: everything but A-Z a-z 0-9 - _ . ~ is %XX; '/' kept when encodeSlash is false. */
  static String uriEncode(String s, boolean encodeSlash) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash)) {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256Hex(String s) {
    try {
      return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
