package io.granary.s3.auth;

import static io.granary.s3.auth.SdkSigning.ACCESS_KEY;
import static io.granary.s3.auth.SdkSigning.CREDENTIALS;
import static io.granary.s3.auth.SdkSigning.NOW;
import static io.granary.s3.auth.SdkSigning.SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.http.SdkHttpMethod;

class SigV4VerifierTest {
  private static final byte[] BODY = "the quick brown fox".getBytes(StandardCharsets.UTF_8);

  private final SigV4Verifier verifier = verifierAt(NOW);

  private static SigV4Verifier verifierAt(Instant now) {
    return new SigV4Verifier(CREDENTIALS, Clock.fixed(now, ZoneOffset.UTC));
  }

  private static SdkSigning put() {
    return SdkSigning.request(SdkHttpMethod.PUT, "/photos/2024/a%20b%2Bc%21.jpg").body(BODY);
  }

  private static S3ErrorCode failure(SigV4Verifier v, WireRequest request) {
    return assertThrows(S3Exception.class, () -> v.verify(request)).code();
  }

  private S3ErrorCode failure(WireRequest request) {
    return failure(verifier, request);
  }

  // --- header authentication

  @Test
  void headerSignedRequestWithPayloadHashVerifies() throws Exception {
    var signed = put().header("x-amz-meta-color", "blue").signedPayload().sign();

    AuthContext ctx = verifier.verify(signed.request());

    assertEquals(ACCESS_KEY, ctx.accessKey());
    assertFalse(ctx.isAnonymous());
    assertEquals(PayloadMode.SIGNED, ctx.mode());
    assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(BODY)), ctx.declaredSha256());
    assertEquals("20240506/us-east-1/s3/aws4_request", ctx.scope());
    assertEquals("20240506T070809Z", ctx.amzDate());
    assertTrue(signed.request().header("Authorization").endsWith("Signature=" + ctx.seedSignature()));
    assertNull(ctx.signingKey(), "only chunk-signed modes keep the signing key");
  }

  @Test
  void unsignedPayloadRequestVerifies() {
    var signed = put().unsignedPayload().sign();

    AuthContext ctx = verifier.verify(signed.request());

    assertEquals("UNSIGNED-PAYLOAD", signed.request().header("x-amz-content-sha256"));
    assertEquals(PayloadMode.UNSIGNED, ctx.mode());
    assertNull(ctx.declaredSha256());
  }

  @Test
  void queryParametersAreCanonicalisedLikeTheSdk() {
    var signed = SdkSigning.request(SdkHttpMethod.GET, "/bucket")
        .query("list-type", "2")
        .query("prefix", "photos/2024 été+(1)*~")
        .query("delimiter", "/")
        .query("marker", "")
        .query("tag", "b", "a", "a b")
        .query("empty-name-value", "=&?")
        .signedPayload()
        .sign();

    assertEquals(PayloadMode.SIGNED, verifier.verify(signed.request()).mode());
  }

  @Test
  void plusInTheRawQueryIsReadAsASpace() {
    var signed = SdkSigning.request(SdkHttpMethod.GET, "/bucket").query("prefix", "a b").signedPayload().sign();
    WireRequest request = signed.request();
    assertEquals("prefix=a%20b", request.rawQuery());

    verifier.verify(request.withQuery("prefix=a+b"));
  }

  @Test
  void headerValuesAreTrimmedAndMultipleValuesJoined() {
    var signed = put().header("x-amz-meta-note", "  spaced   out\tvalue  ")
        .header("x-amz-meta-list", "one").header("x-amz-meta-list", "two")
        .signedPayload().sign();

    verifier.verify(signed.request());
  }

  @Test
  void anyRegionIsAccepted() {
    var signed = put().region("moon-base-1").signedPayload().sign();

    assertEquals("20240506/moon-base-1/s3/aws4_request", verifier.verify(signed.request()).scope());
  }

  @Test
  void requestWithoutSignatureIsAnonymous() {
    WireRequest request = WireRequest.of("GET", "/bucket/key", "versionId=3", Map.of("Host", "s3.granary.test"));

    AuthContext ctx = verifier.verify(request);

    assertSame(AuthContext.anonymous(), ctx);
    assertTrue(ctx.isAnonymous());
    assertNull(ctx.accessKey());
    assertEquals(PayloadMode.NONE, ctx.mode());
  }

  @Test
  void wrongSecretDoesNotMatchAndIsNotDisclosed() {
    var signed = put().credentials(ACCESS_KEY, "not-the-secret").signedPayload().sign();

    S3Exception e = assertThrows(S3Exception.class, () -> verifier.verify(signed.request()));

    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, e.code());
    assertFalse(e.getMessage().contains(SECRET));
    assertFalse(e.getMessage().contains("not-the-secret"));
  }

  @Test
  void unknownAccessKeyIsRejected() {
    var signed = put().credentials("AKIDUNKNOWN", SECRET).signedPayload().sign();

    assertEquals(S3ErrorCode.INVALID_ACCESS_KEY_ID, failure(signed.request()));
  }

  @ParameterizedTest
  @ValueSource(longs = {-16, 16, -60 * 24, 60 * 24})
  void clockSkewBeyondFifteenMinutesIsRejected(long minutes) {
    var signed = put().signedPayload().sign();

    assertEquals(S3ErrorCode.REQUEST_TIME_TOO_SKEWED,
        failure(verifierAt(NOW.plus(Duration.ofMinutes(minutes))), signed.request()));
  }

  @ParameterizedTest
  @ValueSource(longs = {-15, -14, 14, 15})
  void clockSkewWithinFifteenMinutesIsAccepted(long minutes) {
    var signed = put().signedPayload().sign();

    verifierAt(NOW.plus(Duration.ofMinutes(minutes))).verify(signed.request());
  }

  @Test
  void tamperedHeaderDoesNotMatch() {
    var signed = put().header("x-amz-meta-color", "blue").signedPayload().sign();

    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
        failure(signed.request().withHeader("x-amz-meta-color", "red")));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
        failure(signed.request().withHeader("Content-Length", "20")));
  }

  @Test
  void tamperedPathOrMethodDoesNotMatch() {
    var signed = put().signedPayload().sign();

    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(signed.request().withPath("/photos/2024/other.jpg")));
    // the same key spelled differently on the wire is a different canonical URI: S3 does not normalise
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(signed.request().withPath("/photos/2024/a%20b%2bc%21.jpg")));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(signed.request().withPath("/photos/2024/a%20b+c!.jpg")));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(signed.request().withMethod("POST")));
  }

  @Test
  void tamperedQueryDoesNotMatch() {
    var signed = SdkSigning.request(SdkHttpMethod.GET, "/bucket").query("prefix", "a").query("max-keys", "10")
        .signedPayload().sign();
    WireRequest request = signed.request();
    verifier.verify(request);

    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(request.withQuery("prefix=b&max-keys=10")));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(request.withQuery(request.rawQuery() + "&versionId=1")));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(request.withQuery(null)));
  }

  @Test
  void unsignedAmzHeaderIsRejected() {
    var signed = put().signedPayload().sign();

    S3Exception e = assertThrows(S3Exception.class,
        () -> verifier.verify(signed.request().withHeader("x-amz-acl", "public-read")));

    assertEquals(S3ErrorCode.ACCESS_DENIED, e.code());
    assertTrue(e.getMessage().contains("x-amz-acl"));
  }

  @Test
  void missingDateIsAccessDenied() {
    var signed = put().signedPayload().sign();

    assertEquals(S3ErrorCode.ACCESS_DENIED, failure(signed.request().withoutHeader("X-Amz-Date")));
    assertEquals(S3ErrorCode.ACCESS_DENIED, failure(signed.request().withHeader("X-Amz-Date", "2024-05-06T07:08:09Z")));
  }

  @Test
  void credentialDateMustBeTheRequestDate() {
    var signed = put().signedPayload().sign();
    String auth = signed.request().header("Authorization").replace("/20240506/", "/20240505/");

    assertEquals(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED, failure(signed.request().withHeader("Authorization", auth)));
  }

  @Test
  void missingContentSha256IsInvalidRequest() {
    var signed = put().signedPayload().sign();

    assertEquals(S3ErrorCode.INVALID_REQUEST, failure(signed.request().withoutHeader("x-amz-content-sha256")));
  }

  @Test
  void unknownContentSha256IsInvalidArgument() {
    var signed = put().signedPayload().sign();
    WireRequest request = signed.request();

    assertEquals(S3ErrorCode.INVALID_ARGUMENT, failure(request.withHeader("x-amz-content-sha256", "SIGNED-PAYLOAD")));
    assertEquals(S3ErrorCode.INVALID_ARGUMENT, failure(request.withHeader("x-amz-content-sha256", "abcdef")));
    assertEquals(S3ErrorCode.NOT_IMPLEMENTED,
        failure(request.withHeader("x-amz-content-sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "AWS4-HMAC-SHA256 Credential=AKIDGRANARYEXAMPLE/20240506/us-east-1/s3/aws4_request, SignedHeaders=host",
      "AWS4-HMAC-SHA256 Credential=AKIDGRANARYEXAMPLE/2024-05-06/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKIDGRANARYEXAMPLE/20240506/us-east-1/s3, SignedHeaders=host, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKIDGRANARYEXAMPLE/20240506/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKIDGRANARYEXAMPLE/20240506/us-east-1/s3/aws4_request, SignedHeaders=x-amz-date, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKIDGRANARYEXAMPLE/20240506/us-east-1/s3/aws4_request, SignedHeaders=Host, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKIDGRANARYEXAMPLE/20240506/us-east-1/s3/aws4_request, SignedHeaders=host;;x-amz-date, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKIDGRANARYEXAMPLE/20240506/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKIDGRANARYEXAMPLE/20240506/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00, Extra=1",
      "AWS4-HMAC-SHA256 garbage",
      "AWS4-HMAC-SHA512 Credential=AKIDGRANARYEXAMPLE/20240506/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
      "Bearer abc",
  })
  void malformedAuthorizationHeaderIsRejected(String authorization) {
    var signed = put().signedPayload().sign();

    assertEquals(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED,
        failure(signed.request().withHeader("Authorization", authorization)));
  }

  @Test
  void signatureVersion2IsNotSupported() {
    WireRequest request = WireRequest.of("GET", "/bucket/key", null,
        Map.of("Host", "s3.granary.test", "Authorization", "AWS AKIDGRANARYEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="));

    assertEquals(S3ErrorCode.INVALID_REQUEST, failure(request));
    assertEquals(S3ErrorCode.INVALID_REQUEST, failure(WireRequest.of("GET", "/bucket/key",
        "AWSAccessKeyId=AKIDGRANARYEXAMPLE&Expires=1715000000&Signature=abc", Map.of("Host", "s3.granary.test"))));
  }

  @Test
  void headerAndQueryAuthenticationTogetherAreInvalid() {
    var presigned = SdkSigning.request(SdkHttpMethod.GET, "/bucket/key").presigned(Duration.ofMinutes(5)).sign();
    var signed = SdkSigning.request(SdkHttpMethod.GET, "/bucket/key").signedPayload().sign();

    assertEquals(S3ErrorCode.INVALID_ARGUMENT, failure(presigned.request()
        .withHeader("Authorization", signed.request().header("Authorization"))));
  }

  // --- presigned URLs

  private static WireRequest presignedGet(Duration expiry) {
    return SdkSigning.request(SdkHttpMethod.GET, "/bucket/reports/q1%20final.pdf")
        .query("response-content-type", "application/pdf")
        .presigned(expiry).sign().request();
  }

  @Test
  void presignedUrlVerifies() {
    WireRequest request = presignedGet(Duration.ofMinutes(5));
    assertTrue(request.rawQuery().contains("X-Amz-Signature="));
    assertNull(request.header("Authorization"));

    AuthContext ctx = verifier.verify(request);

    assertEquals(ACCESS_KEY, ctx.accessKey());
    assertEquals(PayloadMode.UNSIGNED, ctx.mode());
  }

  @Test
  void presignedUrlIsValidUntilItsExpiryAndNotAfter() {
    WireRequest request = presignedGet(Duration.ofSeconds(300));

    verifierAt(NOW.plusSeconds(300)).verify(request);
    S3Exception e = assertThrows(S3Exception.class, () -> verifierAt(NOW.plusSeconds(301)).verify(request));

    assertEquals(S3ErrorCode.EXPIRED_PRESIGNED_REQUEST, e.code());
    assertEquals("AccessDenied", e.code().code());
    assertEquals("Request has expired", e.getMessage());
  }

  @Test
  void presignedUrlMayLastSevenDays() {
    WireRequest request = presignedGet(Duration.ofDays(7));

    verifierAt(NOW.plus(Duration.ofDays(7))).verify(request);
  }

  @Test
  void presignedUrlFromTheFutureIsSkewed() {
    WireRequest request = presignedGet(Duration.ofHours(1));

    verifierAt(NOW.minus(Duration.ofMinutes(14))).verify(request);
    assertEquals(S3ErrorCode.REQUEST_TIME_TOO_SKEWED, failure(verifierAt(NOW.minus(Duration.ofMinutes(16))), request));
  }

  @Test
  void tamperedPresignedUrlDoesNotMatch() {
    WireRequest request = presignedGet(Duration.ofMinutes(5));

    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(request.withPath("/bucket/reports/q2%20final.pdf")));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
        failure(request.withQuery(request.rawQuery().replace("X-Amz-Expires=300", "X-Amz-Expires=3000"))));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
        failure(request.withQuery(request.rawQuery().replace("application%2Fpdf", "text%2Fhtml"))));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(request.withMethod("DELETE")));
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(request.withHeader("Host", "evil.test")));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "X-Amz-Expires=300>X-Amz-Expires=0",
      "X-Amz-Expires=300>X-Amz-Expires=604801",
      "X-Amz-Expires=300>X-Amz-Expires=-5",
      "X-Amz-Expires=300>X-Amz-Expires=five",
      "X-Amz-Expires=300>X-Amz-Expires=300&X-Amz-Expires=300",
      "X-Amz-Algorithm=AWS4-HMAC-SHA256>X-Amz-Algorithm=AWS4-HMAC-SHA1",
      "X-Amz-Date=20240506T070809Z>X-Amz-Date=20240506",
      "X-Amz-Date=20240506T070809Z>X-Amz-Date=20240507T070809Z",
      "X-Amz-Credential=>X-Amz-Credentials=",
      "%2Fs3%2F>%2Fiam%2F",
      "X-Amz-SignedHeaders=host>X-Amz-SignedHeaders=x-amz-date",
      "X-Amz-Signature=>X-Amz-Sig=",
  })
  void malformedPresignedParametersAreRejected(String replacement) {
    WireRequest request = presignedGet(Duration.ofMinutes(5));
    String[] fromTo = replacement.split(">");
    assertTrue(request.rawQuery().contains(fromTo[0]), request.rawQuery());

    assertEquals(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
        failure(request.withQuery(request.rawQuery().replace(fromTo[0], fromTo[1]))));
  }

  @Test
  void presignedUrlWithUnknownKeyIsRejected() {
    WireRequest request = SdkSigning.request(SdkHttpMethod.GET, "/bucket/key").credentials("AKIDOTHER", SECRET)
        .presigned(Duration.ofMinutes(5)).sign().request();

    assertEquals(S3ErrorCode.INVALID_ACCESS_KEY_ID, failure(request));
  }

  @Test
  void malformedPercentEncodingInQueryIsInvalidUri() {
    WireRequest request = presignedGet(Duration.ofMinutes(5));

    assertEquals(S3ErrorCode.INVALID_URI, failure(request.withQuery(request.rawQuery() + "&x=%zz")));
  }
}
