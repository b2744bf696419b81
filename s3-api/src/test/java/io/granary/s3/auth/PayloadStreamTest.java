package io.granary.s3.auth;

import static io.granary.s3.auth.SdkSigning.CREDENTIALS;
import static io.granary.s3.auth.SdkSigning.NOW;
import static io.granary.s3.auth.SdkSigning.SECRET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.checksums.SdkChecksum;
import software.amazon.awssdk.checksums.spi.ChecksumAlgorithm;
import software.amazon.awssdk.http.SdkHttpMethod;

class PayloadStreamTest {
  private static final int SDK_CHUNK = 128 * 1024;
  private static final byte[] SMALL = "hello, granary".getBytes(StandardCharsets.UTF_8);

  private final SigV4Verifier verifier = new SigV4Verifier(CREDENTIALS, Clock.fixed(NOW, ZoneOffset.UTC));

  // --- helpers

  private static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  private static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String md5Hex(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
  }

  private static String base64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static String sdkChecksum(ChecksumAlgorithm algorithm, byte[] data) {
    SdkChecksum c = SdkChecksum.forAlgorithm(algorithm);
    c.update(data, 0, data.length);
    return base64(c.getChecksumBytes());
  }

  private static SdkSigning put(byte[] body) {
    return SdkSigning.request(SdkHttpMethod.PUT, "/bucket/object.bin").body(body);
  }

  /** Verifies the request, then wraps its body as the server would. */
  private PayloadStream open(SdkSigning.Signed signed) {
    return open(signed.request(), signed.body());
  }

  private PayloadStream open(WireRequest request, byte[] wire) {
    return PayloadStream.wrap(new ByteArrayInputStream(wire), verifier.verify(request), request);
  }

  private static PayloadStream anonymous(byte[] wire, Map<String, String> headers) {
    WireRequest request = WireRequest.of("PUT", "/bucket/key", null, headers);
    return PayloadStream.wrap(new ByteArrayInputStream(wire), AuthContext.anonymous(), request);
  }

  private static byte[] readFully(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[10_000];
    for (int n; (n = in.read(buf)) != -1; ) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /** Reads until the stream fails; reaching end-of-stream first is a test failure. */
  private static PayloadException readFails(InputStream in) {
    byte[] buf = new byte[10_000];
    try {
      while (in.read(buf) != -1) {
        // keep reading
      }
    } catch (PayloadException e) {
      return e;
    } catch (IOException e) {
      fail(e);
    }
    return fail("the consumer saw end-of-stream on a body that does not verify");
  }

  /** Raw input arriving a few bytes at a time, as from a slow socket. */
  private static final class Trickle extends FilterInputStream {
    private final int step;

    Trickle(byte[] data, int step) {
      super(new ByteArrayInputStream(data));
      this.step = step;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return super.read(b, off, Math.min(len, step));
    }
  }

  /** Raw input that counts what was taken from it. */
  private static final class Counting extends FilterInputStream {
    long count;

    Counting(byte[] data) {
      super(new ByteArrayInputStream(data));
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count += Math.max(n, 0);
      return n;
    }
  }

  // --- plain bodies

  @Test
  void signedPayloadIsReadAndHashed() throws Exception {
    byte[] body = random(300_000);
    PayloadStream in = open(put(body).signedPayload().sign());

    assertArrayEquals(body, readFully(in));
    assertEquals(md5Hex(body), in.md5Hex());
    assertEquals(Map.of(), in.checksums());
    assertEquals(-1, in.read());
  }

  @Test
  void signedPayloadHashMismatchFailsBeforeEndOfStream() {
    var signed = put(SMALL).signedPayload().sign();
    byte[] other = SMALL.clone();
    other[3] ^= 1;

    PayloadException e = readFails(open(signed.request(), other));

    assertEquals(S3ErrorCode.X_AMZ_CONTENT_SHA256_MISMATCH, e.code());
  }

  @Test
  void bodyShorterThanContentLengthIsIncomplete() {
    byte[] body = random(5000);
    var signed = put(body).unsignedPayload().sign();

    PayloadException e = readFails(open(signed.request(), java.util.Arrays.copyOf(body, 4999)));

    assertEquals(S3ErrorCode.INCOMPLETE_BODY, e.code());
  }

  @Test
  void emptyBodyEndsAtOnce() throws Exception {
    PayloadStream in = anonymous(new byte[0], Map.of("Content-Length", "0"));

    assertEquals(-1, in.read(new byte[8]));
    assertEquals("d41d8cd98f00b204e9800998ecf8427e", in.md5Hex());
  }

  @Test
  void goodContentMd5IsAccepted() throws Exception {
    String md5 = base64(MessageDigest.getInstance("MD5").digest(SMALL));
    PayloadStream in = open(put(SMALL).header("Content-MD5", md5).signedPayload().sign());

    assertArrayEquals(SMALL, readFully(in));
    assertEquals(md5Hex(SMALL), in.md5Hex());
  }

  @Test
  void wrongContentMd5IsBadDigest() throws Exception {
    String md5 = base64(MessageDigest.getInstance("MD5").digest("something else".getBytes(StandardCharsets.UTF_8)));

    PayloadException e = readFails(open(put(SMALL).header("Content-MD5", md5).signedPayload().sign()));

    assertEquals(S3ErrorCode.BAD_DIGEST, e.code());
  }

  @ParameterizedTest
  @ValueSource(strings = {"not base64!", "AAAA", "1B2M2Y8AsgTpgAmY7PhC"})
  void malformedContentMd5IsInvalidDigest(String md5) {
    S3Exception e = assertThrows(S3Exception.class,
        () -> anonymous(SMALL, Map.of("Content-Length", "14", "Content-MD5", md5)));

    assertEquals(S3ErrorCode.INVALID_DIGEST, e.code());
  }

  @ParameterizedTest
  @ValueSource(strings = {"crc32", "crc32c", "sha1", "sha256", "crc64nvme"})
  void checksumHeaderIsVerifiedAndReported(String id) throws Exception {
    byte[] body = random(70_001);
    String good = switch (id) {
      case "crc32" -> sdkChecksum(DefaultChecksumAlgorithm.CRC32, body);
      case "crc32c" -> sdkChecksum(DefaultChecksumAlgorithm.CRC32C, body);
      case "sha1" -> sdkChecksum(DefaultChecksumAlgorithm.SHA1, body);
      case "sha256" -> sdkChecksum(DefaultChecksumAlgorithm.SHA256, body);
      default -> base64(java.nio.ByteBuffer.allocate(8).putLong(Crc64NvmeTest.bitwise(body, 0, body.length)).array());
    };
    String header = "x-amz-checksum-" + id;
    byte[] bad = body.clone();
    bad[70_000] ^= 0x40;

    PayloadStream in = anonymous(body, Map.of("Content-Length", "70001", header, good));
    assertArrayEquals(body, readFully(in));
    assertEquals(Map.of(header, good), in.checksums());

    PayloadException e = readFails(anonymous(bad, Map.of("Content-Length", "70001", header, good)));
    assertEquals(S3ErrorCode.BAD_DIGEST, e.code());
  }

  @Test
  void checksumSha256SharesTheDigestWithASignedPayload() throws Exception {
    String sha = sdkChecksum(DefaultChecksumAlgorithm.SHA256, SMALL);
    PayloadStream in = open(put(SMALL).header("x-amz-checksum-sha256", sha).signedPayload().sign());

    assertArrayEquals(SMALL, readFully(in));
    assertEquals(Map.of("x-amz-checksum-sha256", sha), in.checksums());
  }

  @Test
  void checksumHeadersThatCannotBeVerifiedAreRejected() {
    Map<String, String> two = Map.of("x-amz-checksum-crc32", "AAAAAA==", "x-amz-checksum-crc32c", "AAAAAA==");
    Map<String, String> unknown = Map.of("x-amz-checksum-md5", "AAAAAA==");
    Map<String, String> wrongLength = Map.of("x-amz-checksum-crc32", "AAAAAAAA");

    for (Map<String, String> headers : java.util.List.of(two, unknown, wrongLength)) {
      S3Exception e = assertThrows(S3Exception.class, () -> anonymous(SMALL, headers));
      assertEquals(S3ErrorCode.INVALID_REQUEST, e.code(), headers.toString());
    }
    // headers of the same family that are not checksums are left alone
    anonymous(SMALL, Map.of("x-amz-checksum-type", "FULL_OBJECT", "x-amz-checksum-algorithm", "CRC32"));
  }

  @Test
  void failureIsStickyAndResultsStayHidden() throws Exception {
    var signed = put(SMALL).signedPayload().sign();
    byte[] other = SMALL.clone();
    other[0] ^= 1;
    PayloadStream in = open(signed.request(), other);

    assertThrows(IllegalStateException.class, in::md5Hex);
    PayloadException first = readFails(in);
    PayloadException again = assertThrows(PayloadException.class, in::read);

    assertSame(first, again);
    assertThrows(IllegalStateException.class, in::checksums);
    assertEquals(S3ErrorCode.X_AMZ_CONTENT_SHA256_MISMATCH, first.toS3Exception().code());
  }

  // --- aws-chunked with chunk signatures

  @Test
  void streamingSignedBodyIsDecoded() throws Exception {
    byte[] body = random(300 * 1024);
    var signed = put(body).streamingSigned(null).sign();
    assertEquals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", signed.request().header("x-amz-content-sha256"));
    assertEquals(PayloadMode.STREAMING_SIGNED, verifier.verify(signed.request()).mode());

    PayloadStream in = open(signed);

    assertArrayEquals(body, readFully(in));
    assertEquals(md5Hex(body), in.md5Hex());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 64, 4097})
  void streamingBodyDecodesWhateverTheInputGranularity(int step) throws Exception {
    byte[] body = random(SDK_CHUNK + 5000);
    var signed = put(body).streamingSigned(DefaultChecksumAlgorithm.CRC32C).sign();
    AuthContext ctx = verifier.verify(signed.request());

    PayloadStream in = PayloadStream.wrap(new Trickle(signed.body(), step), ctx, signed.request());

    assertArrayEquals(body, readFully(in));
  }

  @Test
  void streamingBodyDecodesByteByByte() throws Exception {
    byte[] body = random(3000);
    PayloadStream in = open(put(body).streamingSigned(null).sign());
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    for (int b; (b = in.read()) != -1; ) {
      out.write(b);
    }

    assertArrayEquals(body, out.toByteArray());
  }

  @Test
  void flippedByteInOneChunkBreaksItsSignature() throws Exception {
    byte[] body = random(300 * 1024);
    var signed = put(body).streamingSigned(null).sign();
    String wire = latin1(signed.body());
    int secondHeaderEnd = wire.indexOf("\r\n", wire.indexOf("\r\n") + 2 + SDK_CHUNK + 2);
    byte[] tampered = signed.body().clone();
    tampered[secondHeaderEnd + 2 + 1000] ^= 0x01;

    PayloadStream in = open(signed.request(), tampered);
    byte[] buf = new byte[SDK_CHUNK];
    int firstChunk = 0;
    while (firstChunk < SDK_CHUNK) {
      firstChunk += in.read(buf, 0, SDK_CHUNK - firstChunk); // the first chunk verifies
    }
    PayloadException e = readFails(in);

    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, e.code());
  }

  @Test
  void chunkSignaturesAreChainedFromTheSeed() {
    byte[] body = random(1000);
    var a = put(body).streamingSigned(null).sign();
    var b = put(body).streamingSigned(null).header("x-amz-meta-other", "seed").sign();

    // b's request with a's chunks: every chunk signature is right for some request, but not this one
    PayloadException e = readFails(open(b.request(), a.body()));

    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, e.code());
  }

  @Test
  void truncatedStreamingBodyIsIncomplete() {
    byte[] body = random(200 * 1024);
    var signed = put(body).streamingSigned(null).sign();
    byte[] wire = signed.body();

    for (int cut : new int[] {10, SDK_CHUNK / 2, SDK_CHUNK + 150, wire.length - 3, wire.length - 1}) {
      PayloadException e = readFails(open(signed.request(), java.util.Arrays.copyOf(wire, cut)));
      assertEquals(S3ErrorCode.INCOMPLETE_BODY, e.code(), "cut at " + cut);
    }
  }

  @Test
  void decodedLengthMustMatchTheHeader() {
    byte[] body = random(5000);
    var signed = put(body).streamingSigned(null).sign();
    AuthContext ctx = verifier.verify(signed.request());

    PayloadException longer = readFails(PayloadStream.wrap(new ByteArrayInputStream(signed.body()), ctx,
        signed.request().withHeader("x-amz-decoded-content-length", "5001")));
    PayloadException shorter = readFails(PayloadStream.wrap(new ByteArrayInputStream(signed.body()), ctx,
        signed.request().withHeader("x-amz-decoded-content-length", "4999")));

    assertEquals(S3ErrorCode.INCOMPLETE_BODY, longer.code());
    assertEquals(S3ErrorCode.INVALID_REQUEST, shorter.code());
  }

  // --- trailers

  @Test
  void signedTrailerWithCrc32cIsVerified() throws Exception {
    byte[] body = random(200 * 1024);
    var signed = put(body).streamingSigned(DefaultChecksumAlgorithm.CRC32C).sign();
    assertEquals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", signed.request().header("x-amz-content-sha256"));
    assertTrue(latin1(signed.body()).contains("x-amz-trailer-signature:"));

    PayloadStream in = open(signed);

    assertArrayEquals(body, readFully(in));
    assertEquals(Map.of("x-amz-checksum-crc32c", sdkChecksum(DefaultChecksumAlgorithm.CRC32C, body)), in.checksums());
  }

  @Test
  void signedTrailerWithAlteredValueBreaksTheTrailerSignature() {
    byte[] body = random(1000);
    var signed = put(body).streamingSigned(DefaultChecksumAlgorithm.CRC32C).sign();
    String good = sdkChecksum(DefaultChecksumAlgorithm.CRC32C, body);
    String bad = sdkChecksum(DefaultChecksumAlgorithm.CRC32C, SMALL);
    byte[] tampered = latin1(latin1(signed.body()).replace(good, bad));

    PayloadException e = readFails(open(signed.request(), tampered));

    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, e.code());
  }

  @Test
  void signedTrailerWithValidSignatureButWrongChecksumIsBadDigest() throws Exception {
    byte[] body = random(1000);
    var signed = put(body).streamingSigned(DefaultChecksumAlgorithm.CRC32C).sign();
    String wire = latin1(signed.body());
    String finalChunk = "\r\n0;chunk-signature=";
    int at = wire.lastIndexOf(finalChunk) + finalChunk.length();
    String finalSignature = wire.substring(at, at + 64);
    String wrong = sdkChecksum(DefaultChecksumAlgorithm.CRC32C, SMALL);
    String trailer = "x-amz-checksum-crc32c:" + wrong + "\n";
    // re-sign the trailer the way a client would, independently of the code under test
    String stringToSign = "AWS4-HMAC-SHA256-TRAILER\n20240506T070809Z\n20240506/us-east-1/s3/aws4_request\n"
        + finalSignature + "\n" + sha256Hex(trailer);
    String resigned = wire.substring(0, at + 64) + "\r\n" + "x-amz-checksum-crc32c:" + wrong + "\r\n"
        + "x-amz-trailer-signature:" + hmacHex(signingKey(), stringToSign) + "\r\n\r\n";

    PayloadException e = readFails(open(signed.request(), latin1(resigned)));

    assertEquals(S3ErrorCode.BAD_DIGEST, e.code());
  }

  @Test
  void unsignedTrailerWithCrc32IsVerified() throws Exception {
    byte[] body = random(200 * 1024);
    var signed = put(body).streamingUnsigned(DefaultChecksumAlgorithm.CRC32).sign();
    assertEquals("STREAMING-UNSIGNED-PAYLOAD-TRAILER", signed.request().header("x-amz-content-sha256"));
    assertEquals(PayloadMode.STREAMING_UNSIGNED_TRAILER, verifier.verify(signed.request()).mode());

    PayloadStream in = open(signed);

    assertArrayEquals(body, readFully(in));
    assertEquals(Map.of("x-amz-checksum-crc32", sdkChecksum(DefaultChecksumAlgorithm.CRC32, body)), in.checksums());
    assertEquals(md5Hex(body), in.md5Hex());
  }

  @Test
  void unsignedTrailerWithWrongCrc32IsBadDigest() {
    byte[] body = random(1000);
    var signed = put(body).streamingUnsigned(DefaultChecksumAlgorithm.CRC32).sign();
    String good = sdkChecksum(DefaultChecksumAlgorithm.CRC32, body);
    String bad = sdkChecksum(DefaultChecksumAlgorithm.CRC32, SMALL);

    PayloadException e = readFails(open(signed.request(), latin1(latin1(signed.body()).replace(good, bad))));

    assertEquals(S3ErrorCode.BAD_DIGEST, e.code());
  }

  @Test
  void unsignedTrailerThatIsMissingMalformedOrUnexpectedIsInvalid() {
    byte[] body = random(1000);
    var signed = put(body).streamingUnsigned(DefaultChecksumAlgorithm.CRC32).sign();
    String wire = latin1(signed.body());
    String line = "x-amz-checksum-crc32:" + sdkChecksum(DefaultChecksumAlgorithm.CRC32, body) + "\r\n";
    assertTrue(wire.contains(line));

    for (String variant : new String[] {
        wire.replace(line, ""),
        wire.replace(line, "x-amz-checksum-crc32:!!!!\r\n"),
        wire.replace(line, line + "x-amz-meta-extra:1\r\n"),
        wire.replace(line, line + line),
    }) {
      PayloadException e = readFails(open(signed.request(), latin1(variant)));
      assertEquals(S3ErrorCode.INVALID_REQUEST, e.code(), variant.substring(variant.length() - 80));
    }
  }

  @Test
  void unknownTrailerAlgorithmIsInvalidRequest() {
    Map<String, String> headers = Map.of("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-trailer", "x-amz-checksum-md5");

    S3Exception e = assertThrows(S3Exception.class, () -> anonymous(new byte[0], headers));

    assertEquals(S3ErrorCode.INVALID_REQUEST, e.code());
  }

  // --- framing limits

  private static Map<String, String> unsignedChunked() {
    Map<String, String> h = new HashMap<>();
    h.put("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    h.put("Content-Encoding", "aws-chunked");
    return h;
  }

  @Test
  void anonymousUnsignedChunkedBodyIsDecoded() throws Exception {
    PayloadStream in = anonymous(latin1("5\r\nhello\r\n3;ext=1\r\n, g\r\n0\r\n\r\n"), unsignedChunked());

    assertEquals("hello, g", latin1(readFully(in)));
  }

  @Test
  void anonymousChunkSignedBodyIsRefused() {
    S3Exception e = assertThrows(S3Exception.class, () -> anonymous(new byte[0],
        Map.of("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")));

    assertEquals(S3ErrorCode.INVALID_REQUEST, e.code());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "5;pad=%s\r\nhello\r\n0\r\n\r\n", // chunk header line over 4 KiB
      "1000001\r\n%s", // chunk of 16 MiB + 1
      "10000000000000000\r\n%s", // more hex digits than any size needs
      "zz\r\n%s",
      "5\nhello\r\n0\r\n\r\n%s", // bare LF
      "5\r\nhelloXX0\r\n\r\n%s", // data not followed by CRLF
      "0\r\nx-amz-meta-a:1\r\n\r\n%s", // trailer that x-amz-trailer did not announce
  })
  void malformedFramingIsInvalidRequest(String framing) {
    byte[] wire = latin1(String.format(framing, "x".repeat(5000)));

    PayloadException e = readFails(anonymous(wire, unsignedChunked()));

    assertEquals(S3ErrorCode.INVALID_REQUEST, e.code());
  }

  @Test
  void endlessChunkHeaderIsRejectedAfterBoundedInput() {
    Counting raw = new Counting(latin1("f".repeat(1 << 20)));
    PayloadStream in = PayloadStream.wrap(raw, AuthContext.anonymous(),
        WireRequest.of("PUT", "/b/k", null, unsignedChunked()));

    PayloadException e = readFails(in);

    assertEquals(S3ErrorCode.INVALID_REQUEST, e.code());
    assertTrue(raw.count <= 128 * 1024, "read " + raw.count + " bytes looking for a line end");
  }

  // --- the worked example of https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html

  @Test
  void awsDocumentationStreamingExampleVerifies() throws Exception {
    CredentialsProvider docs = key -> key.equals("AKIAIOSFODNN7EXAMPLE")
        ? java.util.Optional.of("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        : java.util.Optional.empty();
    SigV4Verifier docsVerifier = new SigV4Verifier(docs,
        Clock.fixed(java.time.Instant.parse("2013-05-24T00:05:00Z"), ZoneOffset.UTC));
    WireRequest request = WireRequest.of("PUT", "/examplebucket/chunkObject.txt", null, Map.of(
        "Host", "s3.amazonaws.com",
        "x-amz-date", "20130524T000000Z",
        "x-amz-storage-class", "REDUCED_REDUNDANCY",
        "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            + "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
            + "x-amz-decoded-content-length;x-amz-storage-class,"
            + "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        "x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Encoding", "aws-chunked",
        "x-amz-decoded-content-length", "66560",
        "Content-Length", "66824"));
    String wire = "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
        + "a".repeat(65536) + "\r\n"
        + "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
        + "a".repeat(1024) + "\r\n"
        + "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n";
    assertEquals(66824, wire.length());

    AuthContext ctx = docsVerifier.verify(request);
    assertEquals(PayloadMode.STREAMING_SIGNED, ctx.mode());
    assertEquals("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", ctx.seedSignature());
    PayloadStream in = PayloadStream.wrap(new ByteArrayInputStream(latin1(wire)), ctx, request);
    assertEquals("a".repeat(66560), latin1(readFully(in)));

    String badFinal = wire.replace("b6c6ea8a", "b6c6ea8b");
    PayloadException e = readFails(PayloadStream.wrap(new ByteArrayInputStream(latin1(badFinal)), ctx, request));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, e.code());
  }

  // --- an independent SigV4 key derivation for re-signing trailers in tests

  private static byte[] signingKey() throws Exception {
    byte[] k = hmac(("AWS4" + SECRET).getBytes(StandardCharsets.UTF_8), "20240506");
    k = hmac(k, "us-east-1");
    k = hmac(k, "s3");
    return hmac(k, "aws4_request");
  }

  private static byte[] hmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  private static String hmacHex(byte[] key, String data) throws Exception {
    return HexFormat.of().formatHex(hmac(key, data));
  }

  private static String sha256Hex(String data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data.getBytes(StandardCharsets.UTF_8)));
  }
}
