package io.granary.s3.auth;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;

/**
 * A request body, decoded and verified as it is read.
 *
 * <p>{@code aws-chunked} bodies (the {@code STREAMING-*} modes) are unframed, each chunk signature
 * checked as its chunk ends and the trailer signature when the trailers arrive. Whatever the mode,
 * the stream checks the declared length ({@code Content-Length}, or {@code
 * x-amz-decoded-content-length} for chunked bodies), the SHA-256 of {@link PayloadMode#SIGNED}
 * bodies, {@code Content-MD5}, and one flexible checksum ({@code x-amz-checksum-crc32}, {@code
 * crc32c}, {@code sha1}, {@code sha256} or {@code crc64nvme}) given as a header or, for the
 * {@code *-TRAILER} modes, named by {@code x-amz-trailer} and sent as a trailing header.
 *
 * <p>Failures are thrown from {@code read} as {@link PayloadException}, at the latest from the read
 * that would otherwise report the end of the body (or that returns the last bytes of a body of known
 * length), so a consumer never sees end-of-stream for a body that did not verify. A failure is
 * sticky: later reads throw it again. After end-of-stream, {@link #md5Hex()} (the ETag) and {@link
 * #checksums()} describe the decoded body.
 *
 * <p>Chunk data is handed out as it arrives and its signature checked when the chunk ends, so the
 * bytes of a forged chunk may already have been read when the failure is thrown: the consumer must
 * discard everything it read from a stream that failed. The stream never reads past the end of the
 * body's framing. Not thread-safe.
 */
public final class PayloadStream extends InputStream {
  /** Longest chunk-size or trailer line accepted, without its CRLF. */
  static final int MAX_LINE = 4096;
  /** Largest chunk accepted. */
  static final int MAX_CHUNK = 16 << 20;
  private static final int MAX_TRAILERS = 16;
  private static final int BUFFER_SIZE = 64 * 1024;
  private static final Set<String> NON_CHECKSUM_HEADERS =
      Set.of("x-amz-checksum-type", "x-amz-checksum-algorithm", "x-amz-checksum-mode");
  private static final String TRAILER_SIGNATURE = "x-amz-trailer-signature";

  private final InputStream raw;
  private final PayloadMode mode;
  private final long declaredLength;
  private long remaining;
  private long decoded;

  private final MessageDigest md5 = SigV4.newDigest("MD5");
  private final MessageDigest sha256;
  private final byte[] expectedSha256;
  private final byte[] expectedMd5;
  private final ChecksumAlgorithm checksumAlgorithm;
  private final ChecksumAlgorithm.Hasher checksum;
  private final Set<String> declaredTrailers;
  private byte[] expectedChecksum;

  private final Mac mac;
  private final MessageDigest chunkSha256;
  private final String amzDate;
  private final String scope;
  private String previousSignature;
  private String chunkSignature;

  private final byte[] buf;
  private int pos;
  private int lim;
  private long chunkRemaining;
  private final byte[] single = new byte[1];

  private PayloadException failure;
  private boolean finished;
  private String md5Hex;
  private Map<String, String> checksums;

  private PayloadStream(InputStream raw, AuthContext ctx, SignedRequest req) {
    this.raw = Objects.requireNonNull(raw, "raw");
    String contentSha256 = req.header("x-amz-content-sha256");
    PayloadMode m = ctx.mode() == PayloadMode.NONE
        ? PayloadMode.forUnchainedRequest(contentSha256, PayloadMode.NONE)
        : ctx.mode();
    this.mode = m;

    if (m.isStreaming()) {
      declaredLength = parseLength(req, "x-amz-decoded-content-length");
      remaining = -1;
      buf = new byte[BUFFER_SIZE];
    } else {
      declaredLength = parseLength(req, "Content-Length");
      remaining = declaredLength;
      buf = null;
    }

    if (m != PayloadMode.SIGNED) {
      expectedSha256 = null;
    } else if (ctx.declaredSha256() != null) {
      expectedSha256 = SigV4.unhex(ctx.declaredSha256());
    } else {
      expectedSha256 = SigV4.unhex(contentSha256.trim());
    }
    expectedMd5 = parseContentMd5(req.header("Content-MD5"));

    // One flexible checksum, from a header or announced as a trailer.
    declaredTrailers = parseTrailerNames(req);
    if (!declaredTrailers.isEmpty() && !m.hasTrailers()) {
      throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "x-amz-trailer requires a *-TRAILER x-amz-content-sha256");
    }
    ChecksumAlgorithm algorithm = null;
    for (String name : declaredTrailers) {
      algorithm = onlyOne(algorithm, ChecksumAlgorithm.forHeader(name));
    }
    for (String name : req.headerNames()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith(ChecksumAlgorithm.HEADER_PREFIX) && !NON_CHECKSUM_HEADERS.contains(lower)) {
        ChecksumAlgorithm a = ChecksumAlgorithm.forHeader(lower);
        if (a == null) {
          throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Unsupported checksum header " + lower);
        }
        algorithm = onlyOne(algorithm, a);
        expectedChecksum = parseChecksum(a, req.header(name));
      }
    }
    checksumAlgorithm = algorithm;
    sha256 = m == PayloadMode.SIGNED || algorithm == ChecksumAlgorithm.SHA256 ? SigV4.newDigest("SHA-256") : null;
    checksum = algorithm == null || algorithm == ChecksumAlgorithm.SHA256 ? null : algorithm.newHasher();

    if (m.hasChunkSignatures()) {
      byte[] key = ctx.signingKey();
      if (key == null) {
        throw new IllegalArgumentException("a chunk-signed AuthContext must carry its signing key");
      }
      mac = SigV4.newMac(key);
      chunkSha256 = SigV4.newDigest("SHA-256");
      amzDate = ctx.amzDate();
      scope = ctx.scope();
      previousSignature = ctx.seedSignature();
    } else {
      mac = null;
      chunkSha256 = null;
      amzDate = null;
      scope = null;
    }
  }

  /**
   * Wraps a request body for decoding and verification.
   *
   * @param raw the body as received on the wire (still {@code aws-chunked} for streaming modes)
   * @param ctx what {@link SigV4Verifier#verify} returned for the request
   * @param req the request, for its {@code Content-Length}, {@code Content-MD5}, {@code
   *     x-amz-decoded-content-length}, {@code x-amz-trailer} and {@code x-amz-checksum-*} headers
   * @throws S3Exception if those headers are malformed or contradictory (nothing is read then)
   */
  public static PayloadStream wrap(InputStream raw, AuthContext ctx, SignedRequest req) {
    return new PayloadStream(raw, ctx, req);
  }

  @Override
  public int read() throws IOException {
    int n;
    do {
      n = read(single, 0, 1);
    } while (n == 0);
    return n < 0 ? -1 : single[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (failure != null) {
      throw failure;
    }
    if (finished) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    try {
      return buf == null ? readPlain(b, off, len) : readChunked(b, off, len);
    } catch (PayloadException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public int available() throws IOException {
    if (finished || failure != null) {
      return 0;
    }
    if (buf == null) {
      int a = raw.available();
      return remaining >= 0 ? (int) Math.min(a, remaining) : a;
    }
    return (int) Math.min(lim - pos, chunkRemaining);
  }

  @Override
  public void close() throws IOException {
    raw.close();
  }

  /** The lower-case hex MD5 of the decoded body: its S3 ETag. Only after end-of-stream. */
  public String md5Hex() {
    requireFinished();
    return md5Hex;
  }

  /**
   * The flexible checksum the request carried, computed over the decoded body and verified: for
   * example {@code {"x-amz-checksum-crc32": "BI4PvA=="}}; empty if it carried none. Only after
   * end-of-stream.
   */
  public Map<String, String> checksums() {
    requireFinished();
    return checksums;
  }

  private int readPlain(byte[] b, int off, int len) throws IOException {
    if (remaining == 0) {
      finish();
      return -1;
    }
    int n = raw.read(b, off, remaining > 0 ? (int) Math.min(len, remaining) : len);
    if (n < 0) {
      if (remaining > 0) {
        throw incomplete();
      }
      finish();
      return -1;
    }
    update(b, off, n);
    if (remaining > 0) {
      remaining -= n;
      if (remaining == 0) {
        finish(); // verify now: the caller must not get the last bytes of a body that fails
      }
    }
    return n;
  }

  private int readChunked(byte[] b, int off, int len) throws IOException {
    if (chunkRemaining == 0 && !nextChunk()) {
      return -1;
    }
    int want = (int) Math.min(len, chunkRemaining);
    int n;
    if (pos < lim) {
      n = Math.min(want, lim - pos);
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
    } else {
      n = raw.read(b, off, want);
      if (n < 0) {
        throw incomplete();
      }
    }
    update(b, off, n);
    chunkRemaining -= n;
    if (chunkRemaining == 0) {
      expectCrlf();
      if (mac != null) {
        verifyChunkSignature();
      }
    }
    return n;
  }

  private void update(byte[] b, int off, int n) {
    md5.update(b, off, n);
    if (sha256 != null) {
      sha256.update(b, off, n);
    }
    if (checksum != null) {
      checksum.update(b, off, n);
    }
    if (chunkSha256 != null) {
      chunkSha256.update(b, off, n);
    }
    decoded += n;
  }

  /** Parses the next chunk header; false when it was the final chunk and the body is verified. */
  private boolean nextChunk() throws IOException {
    String line = readLine();
    int semi = line.indexOf(';');
    long size = parseChunkSize(semi < 0 ? line : line.substring(0, semi));
    if (mac != null) {
      chunkSignature = semi < 0 ? null : extension(line.substring(semi + 1), "chunk-signature");
      if (chunkSignature == null) {
        throw new PayloadException(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, "Chunk signature missing");
      }
    }
    if (declaredLength >= 0 && decoded + size > declaredLength) {
      throw new PayloadException(S3ErrorCode.INVALID_REQUEST, "The body is longer than x-amz-decoded-content-length");
    }
    if (size > 0) {
      chunkRemaining = size;
      return true;
    }
    if (mac != null) {
      verifyChunkSignature();
    }
    readTrailers();
    finish();
    return false;
  }

  private static long parseChunkSize(String hex) throws PayloadException {
    if (hex.isEmpty() || hex.length() > 16) {
      throw new PayloadException(S3ErrorCode.INVALID_REQUEST, "Malformed aws-chunked chunk size");
    }
    long size = 0;
    for (int i = 0; i < hex.length(); i++) {
      int d = Character.digit(hex.charAt(i), 16);
      if (d < 0) {
        throw new PayloadException(S3ErrorCode.INVALID_REQUEST, "Malformed aws-chunked chunk size");
      }
      size = size << 4 | d;
      if (size > MAX_CHUNK) {
        throw new PayloadException(S3ErrorCode.INVALID_REQUEST, "aws-chunked chunk larger than " + MAX_CHUNK + " bytes");
      }
    }
    return size;
  }

  private static String extension(String extensions, String name) {
    for (String ext : extensions.split(";")) {
      int eq = ext.indexOf('=');
      if (eq > 0 && ext.substring(0, eq).trim().equals(name)) {
        return ext.substring(eq + 1).trim();
      }
    }
    return null;
  }

  private void verifyChunkSignature() throws PayloadException {
    String stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + '\n' + scope + '\n' + previousSignature + '\n'
        + SigV4.EMPTY_SHA256 + '\n' + SigV4.hex(chunkSha256.digest());
    previousSignature = sign(stringToSign, chunkSignature, "Chunk signature does not match");
  }

  private String sign(String stringToSign, String provided, String mismatch) throws PayloadException {
    String expected = SigV4.hex(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
    if (provided == null || !SigV4.signaturesEqual(expected, provided)) {
      throw new PayloadException(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, mismatch);
    }
    return expected;
  }

  private void readTrailers() throws IOException {
    boolean signedTrailer = mode == PayloadMode.STREAMING_SIGNED_TRAILER;
    Map<String, String> trailers = new TreeMap<>();
    String trailerSignature = null;
    int count = 0;
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      if (!mode.hasTrailers() || ++count > MAX_TRAILERS) {
        throw new PayloadException(S3ErrorCode.INVALID_REQUEST, "Unexpected trailing headers");
      }
      int colon = line.indexOf(':');
      String name = colon > 0 ? line.substring(0, colon).trim().toLowerCase(Locale.ROOT) : "";
      String value = line.substring(colon + 1).trim();
      if (signedTrailer && name.equals(TRAILER_SIGNATURE) && trailerSignature == null) {
        trailerSignature = value;
      } else if (!declaredTrailers.contains(name) || trailers.put(name, value) != null) {
        throw new PayloadException(S3ErrorCode.INVALID_REQUEST, "Unexpected trailing header " + abbreviate(name));
      }
    }
    if (signedTrailer) {
      StringBuilder canonical = new StringBuilder(128);
      trailers.forEach((name, value) -> {
        canonical.append(name).append(':');
        SigV4.appendTrimmed(canonical, value);
        canonical.append('\n');
      });
      sign("AWS4-HMAC-SHA256-TRAILER\n" + amzDate + '\n' + scope + '\n' + previousSignature + '\n'
          + SigV4.sha256Hex(canonical.toString()), trailerSignature, "Trailer signature does not match");
    }
    for (String name : declaredTrailers) {
      String value = trailers.get(name);
      if (value == null) {
        throw new PayloadException(S3ErrorCode.INVALID_REQUEST, "Missing trailing header " + name);
      }
      if (checksumAlgorithm != null && name.equals(checksumAlgorithm.headerName())) {
        try {
          expectedChecksum = parseChecksum(checksumAlgorithm, value);
        } catch (S3Exception e) {
          throw new PayloadException(e.code(), e.getMessage());
        }
      }
    }
  }

  private void finish() throws PayloadException {
    if (declaredLength >= 0 && decoded != declaredLength) {
      throw new PayloadException(S3ErrorCode.INCOMPLETE_BODY,
          "The body has " + decoded + " bytes but declared " + declaredLength);
    }
    byte[] sha = sha256 == null ? null : sha256.digest();
    if (expectedSha256 != null && !MessageDigest.isEqual(sha, expectedSha256)) {
      throw new PayloadException(S3ErrorCode.X_AMZ_CONTENT_SHA256_MISMATCH,
          S3ErrorCode.X_AMZ_CONTENT_SHA256_MISMATCH.message());
    }
    byte[] md5Value = md5.digest();
    if (expectedMd5 != null && !MessageDigest.isEqual(md5Value, expectedMd5)) {
      throw new PayloadException(S3ErrorCode.BAD_DIGEST, "The Content-MD5 you specified did not match what we received.");
    }
    if (checksumAlgorithm == null) {
      checksums = Map.of();
    } else {
      byte[] value = checksumAlgorithm == ChecksumAlgorithm.SHA256 ? sha : checksum.finish();
      if (!MessageDigest.isEqual(value, expectedChecksum)) {
        throw new PayloadException(S3ErrorCode.BAD_DIGEST, "The " + checksumAlgorithm.name()
            + " you specified did not match the calculated checksum.");
      }
      checksums = Map.of(checksumAlgorithm.headerName(), Base64.getEncoder().encodeToString(value));
    }
    md5Hex = SigV4.hex(md5Value);
    finished = true;
  }

  /** One CRLF-terminated line of at most {@link #MAX_LINE} bytes, without its CRLF. */
  private String readLine() throws IOException {
    int scanned = 0;
    while (true) {
      for (int i = pos + scanned; i < lim; i++) {
        if (buf[i] == '\n') {
          if (i == pos || buf[i - 1] != '\r') {
            throw new PayloadException(S3ErrorCode.INVALID_REQUEST, "aws-chunked line not terminated by CRLF");
          }
          if (i - 1 - pos > MAX_LINE) {
            throw lineTooLong();
          }
          String line = new String(buf, pos, i - 1 - pos, StandardCharsets.ISO_8859_1);
          pos = i + 1;
          return line;
        }
      }
      scanned = lim - pos;
      if (scanned > MAX_LINE + 1) {
        throw lineTooLong();
      }
      if (!fill()) {
        throw incomplete();
      }
    }
  }

  private void expectCrlf() throws IOException {
    while (lim - pos < 2) {
      if (!fill()) {
        throw incomplete();
      }
    }
    if (buf[pos] != '\r' || buf[pos + 1] != '\n') {
      throw new PayloadException(S3ErrorCode.INVALID_REQUEST, "aws-chunked chunk data not followed by CRLF");
    }
    pos += 2;
  }

  /** Reads more raw bytes after what is buffered; false at end of input. */
  private boolean fill() throws IOException {
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, lim - pos);
      lim -= pos;
      pos = 0;
    }
    int n = raw.read(buf, lim, buf.length - lim);
    if (n < 0) {
      return false;
    }
    lim += n;
    return true;
  }

  private void requireFinished() {
    if (!finished) {
      throw new IllegalStateException("The body has not been read to its end");
    }
  }

  private static PayloadException incomplete() {
    return new PayloadException(S3ErrorCode.INCOMPLETE_BODY, "The body ended before its declared end");
  }

  private static PayloadException lineTooLong() {
    return new PayloadException(S3ErrorCode.INVALID_REQUEST, "aws-chunked line longer than " + MAX_LINE + " bytes");
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  private static long parseLength(SignedRequest req, String header) {
    String value = req.header(header);
    if (value == null) {
      return -1;
    }
    value = value.trim();
    if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, header + " must be a non-negative integer");
    }
    return Long.parseLong(value);
  }

  private static byte[] parseContentMd5(String value) {
    if (value == null) {
      return null;
    }
    byte[] md5;
    try {
      md5 = Base64.getDecoder().decode(value.trim());
    } catch (IllegalArgumentException e) {
      throw new S3Exception(S3ErrorCode.INVALID_DIGEST);
    }
    if (md5.length != 16) {
      throw new S3Exception(S3ErrorCode.INVALID_DIGEST);
    }
    return md5;
  }

  private static byte[] parseChecksum(ChecksumAlgorithm algorithm, String value) {
    byte[] bytes = null;
    try {
      bytes = Base64.getDecoder().decode(value.trim());
    } catch (IllegalArgumentException e) {
      // reported below
    }
    if (bytes == null || bytes.length != algorithm.length()) {
      throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Value for " + algorithm.headerName() + " header is invalid.");
    }
    return bytes;
  }

  private static Set<String> parseTrailerNames(SignedRequest req) {
    Set<String> names = new LinkedHashSet<>();
    for (String value : req.headers("x-amz-trailer")) {
      for (String name : value.split(",")) {
        String lower = name.trim().toLowerCase(Locale.ROOT);
        if (lower.isEmpty()) {
          continue;
        }
        if (ChecksumAlgorithm.forHeader(lower) == null) {
          throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Unsupported trailing header " + abbreviate(lower));
        }
        names.add(lower);
      }
    }
    return names;
  }

  private static ChecksumAlgorithm onlyOne(ChecksumAlgorithm previous, ChecksumAlgorithm next) {
    if (previous != null) {
      throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
          "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    }
    return next;
  }
}
