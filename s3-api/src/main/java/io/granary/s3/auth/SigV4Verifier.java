package io.granary.s3.auth;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies AWS Signature Version 4 on S3 requests, signed in the {@code Authorization} header or
 * presigned in the query string. Any region is accepted (it is part of the signed scope); the
 * service must be {@code s3}.
 *
 * <p>The canonical URI is the path exactly as the client sent it: S3 signs the already-encoded
 * path without encoding it again or normalising it. Every {@code x-amz-*} header present must be
 * among the signed headers, as S3 requires. Failures are {@link S3Exception}s carrying the code S3
 * would answer; their messages never contain secrets.
 *
 * <p>Thread-safe.
 */
public final class SigV4Verifier {
  /** How far a request's timestamp may be from the server's clock. */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(15);
  /** The longest validity a presigned URL may ask for: seven days. */
  public static final long MAX_PRESIGNED_EXPIRY_SECONDS = 604_800;

  private static final String CONTENT_SHA256 = "x-amz-content-sha256";

  private final CredentialsProvider credentials;
  private final Clock clock;

  public SigV4Verifier(CredentialsProvider credentials, Clock clock) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Verifies the request's signature, if it has one.
   *
   * @return {@link AuthContext#anonymous()} for a request with neither an {@code Authorization}
   *     header nor an {@code X-Amz-Algorithm} query parameter; otherwise who signed it and how its
   *     body is to be verified (see {@link PayloadStream#wrap})
   * @throws S3Exception if the request claims a signature that does not verify
   */
  public AuthContext verify(SignedRequest request) {
    String authorization = request.header("Authorization");
    QueryParams query = QueryParams.parse(request.rawQuery());
    boolean presigned = query.contains("X-Amz-Algorithm");
    if (authorization != null && presigned) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT,
          "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified");
    }
    if (authorization != null) {
      return verifyHeader(request, query, authorization);
    }
    if (presigned) {
      return verifyPresigned(request, query);
    }
    if (query.contains("AWSAccessKeyId") && query.contains("Signature")) {
      throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
          "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
    }
    return AuthContext.anonymous();
  }

  private AuthContext verifyHeader(SignedRequest request, QueryParams query, String authorization) {
    AuthorizationHeader auth = AuthorizationHeader.parse(authorization);

    String amzDate;
    Instant date;
    String xAmzDate = request.header("X-Amz-Date");
    if (xAmzDate != null) {
      amzDate = xAmzDate.trim();
      date = SigV4.parseAmzDate(amzDate);
    } else {
      date = parseHttpDate(request.header("Date"));
      amzDate = date == null ? null : SigV4.formatAmzDate(date);
    }
    if (date == null) {
      throw new S3Exception(S3ErrorCode.ACCESS_DENIED, "AWS authentication requires a valid Date or x-amz-date header");
    }
    Credential credential = auth.credential();
    if (!amzDate.startsWith(credential.date())) {
      throw new S3Exception(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED,
          "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.");
    }
    String secret = secretFor(credential.accessKey());
    checkSkew(date);

    String contentSha256 = request.header(CONTENT_SHA256);
    if (contentSha256 == null) {
      throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Missing required header for this request: x-amz-content-sha256");
    }
    contentSha256 = contentSha256.trim();
    PayloadMode mode = PayloadMode.ofContentSha256(contentSha256);
    checkAmzHeadersSigned(request, auth.signedHeaders());

    String scope = credential.scope();
    byte[] signingKey = SigV4.signingKey(secret, credential.date(), credential.region(), credential.service());
    String canonical = canonicalRequest(request, query.canonical(null), auth.signedHeaders(), contentSha256);
    String expected = SigV4.hex(SigV4.hmac(signingKey, stringToSign(amzDate, scope, canonical)));
    if (!SigV4.signaturesEqual(expected, auth.signature())) {
      throw new S3Exception(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH);
    }
    return new AuthContext(credential.accessKey(), mode,
        mode == PayloadMode.SIGNED ? contentSha256.toLowerCase(Locale.ROOT) : null,
        mode.hasChunkSignatures() ? signingKey : null, scope, amzDate, expected);
  }

  private AuthContext verifyPresigned(SignedRequest request, QueryParams query) {
    String algorithm = single(query, "X-Amz-Algorithm");
    if (!SigV4.ALGORITHM.equals(algorithm)) {
      throw queryError("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
    }
    Credential credential = Credential.parse(single(query, "X-Amz-Credential"), S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
    String amzDate = single(query, "X-Amz-Date");
    Instant date = SigV4.parseAmzDate(amzDate);
    if (date == null) {
      throw queryError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }
    long expires = parseExpires(single(query, "X-Amz-Expires"));
    List<String> signedHeaders = SignedHeaders.parse(single(query, "X-Amz-SignedHeaders"), S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR);
    String signature = single(query, "X-Amz-Signature");
    if (!amzDate.startsWith(credential.date())) {
      throw queryError("Invalid credential date. Date is not the same as X-Amz-Date.");
    }
    String secret = secretFor(credential.accessKey());

    Instant now = clock.instant();
    if (date.isAfter(now.plus(MAX_CLOCK_SKEW))) {
      throw new S3Exception(S3ErrorCode.REQUEST_TIME_TOO_SKEWED);
    }
    if (now.isAfter(date.plusSeconds(expires))) {
      throw new S3Exception(S3ErrorCode.EXPIRED_PRESIGNED_REQUEST);
    }
    checkAmzHeadersSigned(request, signedHeaders);

    String scope = credential.scope();
    byte[] signingKey = SigV4.signingKey(secret, credential.date(), credential.region(), credential.service());
    String canonical = canonicalRequest(request, query.canonical("X-Amz-Signature"), signedHeaders, SigV4.UNSIGNED_PAYLOAD);
    String expected = SigV4.hex(SigV4.hmac(signingKey, stringToSign(amzDate, scope, canonical)));
    if (!SigV4.signaturesEqual(expected, signature)) {
      throw new S3Exception(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH);
    }
    // The URL signs no payload; a signed x-amz-content-sha256 header may still ask for a hash check
    // or announce an aws-chunked body with unsigned trailers.
    String contentSha256 = request.header(CONTENT_SHA256);
    PayloadMode mode = PayloadMode.forUnchainedRequest(contentSha256, PayloadMode.UNSIGNED);
    return new AuthContext(credential.accessKey(), mode,
        mode == PayloadMode.SIGNED ? contentSha256.trim().toLowerCase(Locale.ROOT) : null, null, scope, amzDate, expected);
  }

  private String secretFor(String accessKey) {
    return credentials.secretFor(accessKey)
        .orElseThrow(() -> new S3Exception(S3ErrorCode.INVALID_ACCESS_KEY_ID));
  }

  private void checkSkew(Instant date) {
    Duration skew = Duration.between(date, clock.instant()).abs();
    if (skew.compareTo(MAX_CLOCK_SKEW) > 0) {
      throw new S3Exception(S3ErrorCode.REQUEST_TIME_TOO_SKEWED);
    }
  }

  /** S3 refuses x-amz-* headers the signature does not cover: they could have been added in transit. */
  private static void checkAmzHeadersSigned(SignedRequest request, List<String> signedHeaders) {
    List<String> unsigned = null;
    for (String name : request.headerNames()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith("x-amz-") && !signedHeaders.contains(lower)) {
        if (unsigned == null) {
          unsigned = new ArrayList<>();
        }
        unsigned.add(lower);
      }
    }
    if (unsigned != null) {
      throw new S3Exception(S3ErrorCode.ACCESS_DENIED,
          "There were headers present in the request which were not signed: " + String.join(", ", unsigned));
    }
  }

  private static String canonicalRequest(SignedRequest request, String canonicalQuery, List<String> signedHeaders,
      String payloadHash) {
    String path = request.rawPath();
    StringBuilder out = new StringBuilder(512);
    out.append(request.method()).append('\n')
        .append(path == null || path.isEmpty() ? "/" : path).append('\n')
        .append(canonicalQuery).append('\n');
    for (String name : signedHeaders) {
      out.append(name).append(':');
      List<String> values = request.headers(name);
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        SigV4.appendTrimmed(out, values.get(i));
      }
      out.append('\n');
    }
    out.append('\n').append(String.join(";", signedHeaders)).append('\n').append(payloadHash);
    return out.toString();
  }

  private static String stringToSign(String amzDate, String scope, String canonicalRequest) {
    return SigV4.ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + SigV4.sha256Hex(canonicalRequest);
  }

  private static Instant parseHttpDate(String value) {
    if (value == null) {
      return null;
    }
    try {
      return DateTimeFormatter.RFC_1123_DATE_TIME.parse(value.trim(), Instant::from);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String single(QueryParams query, String name) {
    List<String> values = query.values(name);
    if (values.size() != 1) {
      throw queryError(values.isEmpty()
          ? "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, "
              + "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
          : name + " must appear only once");
    }
    return values.get(0);
  }

  private static long parseExpires(String value) {
    if (value.isEmpty() || value.length() > 7 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw queryError("X-Amz-Expires should be a number");
    }
    long seconds = Long.parseLong(value);
    if (seconds < 1) {
      throw queryError("X-Amz-Expires must be at least 1");
    }
    if (seconds > MAX_PRESIGNED_EXPIRY_SECONDS) {
      throw queryError("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
    return seconds;
  }

  private static S3Exception queryError(String message) {
    return new S3Exception(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR, message);
  }

  /** {@code AKID/yyyymmdd/region/service/aws4_request}. */
  record Credential(String accessKey, String date, String region, String service) {
    static Credential parse(String value, S3ErrorCode onError) {
      String[] parts = value.split("/", -1);
      if (parts.length != 5 || parts[0].isEmpty() || parts[2].isEmpty() || !SigV4.TERMINATOR.equals(parts[4])
          || parts[1].length() != 8 || !parts[1].chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new S3Exception(onError,
            "The Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
      }
      if (!SigV4.SERVICE.equals(parts[3])) {
        throw new S3Exception(onError, "The Credential has an incorrect service; this endpoint belongs to \"s3\".");
      }
      return new Credential(parts[0], parts[1], parts[2], parts[3]);
    }

    String scope() {
      return date + '/' + region + '/' + service + '/' + SigV4.TERMINATOR;
    }
  }

  /** {@code host;x-amz-date;...}: lower-case, distinct, and including host. */
  static final class SignedHeaders {
    private SignedHeaders() {}

    static List<String> parse(String value, S3ErrorCode onError) {
      List<String> names = List.of(value.split(";", -1));
      Set<String> seen = new HashSet<>();
      for (String name : names) {
        if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT)) || !seen.add(name)) {
          throw new S3Exception(onError, "SignedHeaders must be distinct lower-case header names separated by ';'");
        }
      }
      if (!seen.contains("host")) {
        throw new S3Exception(onError, "SignedHeaders must include host");
      }
      return names;
    }
  }

  /** {@code AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...}, in any order. */
  record AuthorizationHeader(Credential credential, List<String> signedHeaders, String signature) {
    static AuthorizationHeader parse(String header) {
      String value = header.trim();
      if (!value.startsWith(SigV4.ALGORITHM + " ")) {
        if (value.startsWith("AWS ")) {
          throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
              "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
        }
        throw malformed("Unsupported authorization type");
      }
      String credential = null;
      String signedHeaders = null;
      String signature = null;
      for (String part : value.substring(SigV4.ALGORITHM.length() + 1).split(",", -1)) {
        String item = part.trim();
        int eq = item.indexOf('=');
        if (eq < 0) {
          throw malformed("Expected Credential, SignedHeaders and Signature");
        }
        String key = item.substring(0, eq);
        String val = item.substring(eq + 1);
        switch (key) {
          case "Credential" -> credential = once(credential, val);
          case "SignedHeaders" -> signedHeaders = once(signedHeaders, val);
          case "Signature" -> signature = once(signature, val);
          default -> throw malformed("Unexpected component " + key);
        }
      }
      if (credential == null || signedHeaders == null || signature == null) {
        throw malformed("Expected Credential, SignedHeaders and Signature");
      }
      return new AuthorizationHeader(Credential.parse(credential, S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED),
          SignedHeaders.parse(signedHeaders, S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED), signature);
    }

    private static String once(String previous, String value) {
      if (previous != null) {
        throw malformed("Repeated component");
      }
      return value;
    }

    private static S3Exception malformed(String detail) {
      return new S3Exception(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED, "The authorization header is malformed; " + detail);
    }
  }
}
