package io.granary.s3.auth;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A query string split into parameters, each both decoded (for reading) and re-encoded the way
 * SigV4 canonicalises it: percent-decoded, then every byte outside {@code A-Za-z0-9-._~} encoded
 * as upper-case {@code %XX}. A literal '+' is read as a space (form encoding, as MinIO does); AWS
 * SDKs always send {@code %2B} for a plus and {@code %20} for a space, so they are unaffected.
 */
final class QueryParams {
  private static final Comparator<Param> CANONICAL_ORDER =
      Comparator.comparing(Param::canonicalName).thenComparing(Param::canonicalValue);

  record Param(String name, String value, String canonicalName, String canonicalValue) {}

  private final List<Param> params;

  private QueryParams(List<Param> params) {
    this.params = params;
  }

  /** Parses a raw query (null or empty for none). Malformed percent-escapes are {@code InvalidURI}. */
  static QueryParams parse(String rawQuery) {
    List<Param> params = new ArrayList<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String part : rawQuery.split("&", -1)) {
        int eq = part.indexOf('=');
        String rawName = eq < 0 ? part : part.substring(0, eq);
        if (rawName.isEmpty()) {
          continue; // SigV4 signers skip parameters without a name
        }
        byte[] name = decode(rawName);
        byte[] value = eq < 0 ? new byte[0] : decode(part.substring(eq + 1));
        params.add(new Param(new String(name, StandardCharsets.UTF_8), new String(value, StandardCharsets.UTF_8),
            encode(name), encode(value)));
      }
    }
    return new QueryParams(params);
  }

  /** All values of a parameter, by decoded (case-sensitive) name. */
  List<String> values(String name) {
    List<String> out = new ArrayList<>(1);
    for (Param p : params) {
      if (p.name().equals(name)) {
        out.add(p.value());
      }
    }
    return out;
  }

  boolean contains(String name) {
    for (Param p : params) {
      if (p.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** The canonical query string, leaving out the parameter named {@code excluded} (may be null). */
  String canonical(String excluded) {
    List<Param> sorted = new ArrayList<>(params.size());
    for (Param p : params) {
      if (!p.name().equals(excluded)) {
        sorted.add(p);
      }
    }
    sorted.sort(CANONICAL_ORDER);
    StringBuilder out = new StringBuilder(64 * sorted.size());
    for (Param p : sorted) {
      if (!out.isEmpty()) {
        out.append('&');
      }
      out.append(p.canonicalName()).append('=').append(p.canonicalValue());
    }
    return out.toString();
  }

  private static byte[] decode(String raw) {
    byte[] in = raw.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      byte b = in[i];
      if (b == '%') {
        int hi = i + 2 < in.length ? Character.digit(in[i + 1], 16) : -1;
        int lo = hi >= 0 ? Character.digit(in[i + 2], 16) : -1;
        if (lo < 0) {
          throw new S3Exception(S3ErrorCode.INVALID_URI, "Malformed percent-encoding in the query string");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(b == '+' ? ' ' : b);
      }
    }
    return out.toByteArray();
  }

  private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();

  static String encode(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
          || b == '-' || b == '.' || b == '_' || b == '~') {
        out.append((char) b);
      } else {
        out.append('%').append(UPPER_HEX[(b >> 4) & 0xf]).append(UPPER_HEX[b & 0xf]);
      }
    }
    return out.toString();
  }
}
