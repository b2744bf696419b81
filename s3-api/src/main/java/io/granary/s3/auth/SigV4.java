package io.granary.s3.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The SigV4 primitives shared by request and chunk verification. */
final class SigV4 {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final String TERMINATOR = "aws4_request";
  static final String SERVICE = "s3";
  static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
  static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private static final HexFormat HEX = HexFormat.of();
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private SigV4() {}

  /** Signing keys change once a day per key and region: derived once, not four HMACs a request. */
  private static final java.util.concurrent.ConcurrentHashMap<String, byte[]> SIGNING_KEYS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
  static byte[] signingKey(String secret, String date, String region, String service) {
    String id = secret + '\0' + date + '\0' + region + '\0' + service;
    byte[] cached = SIGNING_KEYS.get(id);
    if (cached != null) {
      return cached.clone();
    }
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
    k = hmac(k, region);
    k = hmac(k, service);
    k = hmac(k, TERMINATOR);
    if (SIGNING_KEYS.size() > 1024) {
      SIGNING_KEYS.clear(); // bounded: a new day or many keys start over
    }
    SIGNING_KEYS.put(id, k.clone());
    return k;
  }

  static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  static byte[] hmac(byte[] key, String data) {
    return newMac(key).doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  static MessageDigest newDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " unavailable", e);
    }
  }

  static String sha256Hex(String data) {
    return hex(newDigest("SHA-256").digest(data.getBytes(StandardCharsets.UTF_8)));
  }

  /** Parses hex digits of either case. */
  static byte[] unhex(String hex) {
    return HEX.parseHex(hex.toLowerCase(Locale.ROOT));
  }

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  /** Compares two hex signatures in time independent of where they differ. */
  static boolean signaturesEqual(String expected, String provided) {
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        provided.getBytes(StandardCharsets.US_ASCII));
  }

  /** Parses {@code 20130524T000000Z}; null if it is not exactly that form. */
  static Instant parseAmzDate(String value) {
    if (value == null || value.length() != 16) {
      return null;
    }
    try {
      return AMZ_DATE.parse(value, Instant::from);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static String formatAmzDate(Instant instant) {
    return AMZ_DATE.format(instant);
  }

  /**
   * Appends a header value the way SigV4 canonicalises it: leading and trailing whitespace removed,
   * inner runs of whitespace collapsed to one space.
   */
  static void appendTrimmed(StringBuilder out, String value) {
    boolean pendingSpace = false;
    boolean started = false;
    for (int i = 0, n = value.length(); i < n; i++) {
      char c = value.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000b') {
        pendingSpace = started;
      } else {
        if (pendingSpace) {
          out.append(' ');
          pendingSpace = false;
        }
        out.append(c);
        started = true;
      }
    }
  }
}
