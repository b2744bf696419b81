package io.granary.s3.auth;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.checksums.spi.ChecksumAlgorithm;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Signs requests with the real AWS SDK v2 signer, configured as the S3 client configures it (no
 * double URL-encoding, no path normalisation), and turns the result into what the server sees.
 */
final class SdkSigning {
  static final Instant NOW = Instant.parse("2024-05-06T07:08:09Z");
  static final String ACCESS_KEY = "AKIDGRANARYEXAMPLE";
  static final String SECRET = "granary/Secret+Key0123456789abcdefEXAMPLE";
  static final CredentialsProvider CREDENTIALS =
      key -> ACCESS_KEY.equals(key) ? Optional.of(SECRET) : Optional.empty();

  private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

  /** A signed request and its body as sent (aws-chunked for the streaming modes). */
  record Signed(WireRequest request, byte[] body) {}

  private final SdkHttpFullRequest.Builder http;
  private byte[] body;
  private String accessKey = ACCESS_KEY;
  private String secret = SECRET;
  private String region = "us-east-1";
  private Instant signingTime = NOW;
  private Consumer<SignRequest.Builder<AwsCredentialsIdentity>> properties = p -> {};

  private SdkSigning(SdkHttpMethod method, String encodedPath) {
    http = SdkHttpFullRequest.builder().method(method).protocol("https").host("s3.granary.test").port(8443)
        .encodedPath(encodedPath);
  }

  static SdkSigning request(SdkHttpMethod method, String encodedPath) {
    return new SdkSigning(method, encodedPath);
  }

  /** Adds a query parameter; the SDK encodes it. */
  SdkSigning query(String name, String... values) {
    for (String v : values) {
      http.appendRawQueryParameter(name, v);
    }
    return this;
  }

  SdkSigning header(String name, String value) {
    http.appendHeader(name, value);
    return this;
  }

  SdkSigning body(byte[] bytes) {
    body = bytes;
    http.putHeader("Content-Length", Integer.toString(bytes.length));
    return this;
  }

  SdkSigning credentials(String key, String secretKey) {
    accessKey = key;
    secret = secretKey;
    return this;
  }

  SdkSigning region(String name) {
    region = name;
    return this;
  }

  SdkSigning at(Instant time) {
    signingTime = time;
    return this;
  }

  /** Body hashed into x-amz-content-sha256 (the default for plain requests is UNSIGNED-PAYLOAD over https). */
  SdkSigning signedPayload() {
    return with(p -> p.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, true));
  }

  SdkSigning unsignedPayload() {
    return with(p -> p.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false));
  }

  /** aws-chunked with chunk signatures; with an algorithm, also a signed checksum trailer. */
  SdkSigning streamingSigned(ChecksumAlgorithm trailer) {
    return with(p -> {
      p.putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, true)
          .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, true);
      if (trailer != null) {
        p.putProperty(AwsV4FamilyHttpSigner.CHECKSUM_ALGORITHM, trailer);
      }
    });
  }

  /** aws-chunked without signatures and an unsigned checksum trailer. */
  SdkSigning streamingUnsigned(ChecksumAlgorithm trailer) {
    return with(p -> p.putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, true)
        .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
        .putProperty(AwsV4FamilyHttpSigner.CHECKSUM_ALGORITHM, trailer));
  }

  SdkSigning presigned(Duration expiry) {
    return with(p -> p.putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
        .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, expiry)
        .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false));
  }

  private SdkSigning with(Consumer<SignRequest.Builder<AwsCredentialsIdentity>> more) {
    properties = properties.andThen(more);
    return this;
  }

  Signed sign() {
    SdkHttpFullRequest unsigned = http.build();
    var signed = SIGNER.sign(r -> {
      r.identity(AwsCredentialsIdentity.create(accessKey, secret))
          .request(unsigned)
          .putProperty(AwsV4HttpSigner.REGION_NAME, region)
          .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "s3")
          .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
          .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false)
          .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signingTime, ZoneOffset.UTC));
      if (body != null) {
        byte[] b = body;
        r.payload(() -> new ByteArrayInputStream(b));
      }
      properties.accept(r);
    });
    SdkHttpRequest out = signed.request();
    byte[] sent = signed.payload().map(p -> {
      try (var in = p.newStream()) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).orElse(new byte[0]);
    return new Signed(new WireRequest(out.method().name(), out.encodedPath(),
        out.encodedQueryParameters().orElse(null), out.headers()), sent);
  }
}
