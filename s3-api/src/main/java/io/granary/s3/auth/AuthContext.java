package io.granary.s3.auth;

import java.util.Objects;

/**
 * The outcome of {@link SigV4Verifier#verify}: who signed the request and what the body must
 * satisfy. {@link PayloadStream#wrap} consumes it to verify the body.
 *
 * <p>For the chunk-signed modes it also carries the material chunk signatures are computed from:
 * the derived signing key (never the secret itself), the credential scope, the request timestamp
 * and the request's own signature, which seeds the chain. {@link #toString()} leaves them out.
 */
public final class AuthContext {
  private static final AuthContext ANONYMOUS = new AuthContext(null, PayloadMode.NONE, null, null, null, null, null);

  private final String accessKey;
  private final PayloadMode mode;
  private final String declaredSha256;
  private final byte[] signingKey;
  private final String scope;
  private final String amzDate;
  private final String seedSignature;

  AuthContext(String accessKey, PayloadMode mode, String declaredSha256, byte[] signingKey,
      String scope, String amzDate, String seedSignature) {
    this.accessKey = accessKey;
    this.mode = Objects.requireNonNull(mode, "mode");
    this.declaredSha256 = declaredSha256;
    this.signingKey = signingKey;
    this.scope = scope;
    this.amzDate = amzDate;
    this.seedSignature = seedSignature;
  }

  /** A request that carried no signature at all. */
  public static AuthContext anonymous() {
    return ANONYMOUS;
  }

  public boolean isAnonymous() {
    return accessKey == null;
  }

  /** The access key that signed the request, or null when anonymous. */
  public String accessKey() {
    return accessKey;
  }

  public PayloadMode mode() {
    return mode;
  }

  /** The lower-case hex SHA-256 the body must have in {@link PayloadMode#SIGNED} mode, else null. */
  public String declaredSha256() {
    return declaredSha256;
  }

  /** {@code yyyymmdd/region/s3/aws4_request}; null when anonymous. */
  public String scope() {
    return scope;
  }

  /** The request timestamp in ISO 8601 basic form ({@code 20130524T000000Z}); null when anonymous. */
  public String amzDate() {
    return amzDate;
  }

  /** The request's signature (lower-case hex), seeding chunk signatures; null when anonymous. */
  public String seedSignature() {
    return seedSignature;
  }

  /** The derived SigV4 signing key, present only for the chunk-signed modes. Not copied: do not modify. */
  byte[] signingKey() {
    return signingKey;
  }

  @Override
  public String toString() {
    return isAnonymous() ? "AuthContext[anonymous]" : "AuthContext[" + accessKey + ", " + mode + "]";
  }
}
