package io.granary.s3.auth;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;

/**
 * How a request body is protected, as announced by its {@code x-amz-content-sha256} header (or, for
 * presigned URLs, implied by the URL).
 */
public enum PayloadMode {
  /** Anonymous request: no signature covers the body. */
  NONE(null),
  /** {@code UNSIGNED-PAYLOAD}: the body is taken as sent. */
  UNSIGNED("UNSIGNED-PAYLOAD"),
  /** The header carries the hex SHA-256 of the whole body, checked when the body ends. */
  SIGNED(null),
  /** {@code aws-chunked} body, every chunk signed. */
  STREAMING_SIGNED("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
  /** {@code aws-chunked} body, every chunk signed, signed trailing headers (checksums). */
  STREAMING_SIGNED_TRAILER("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
  /** {@code aws-chunked} body without signatures, trailing headers (checksums) unsigned. */
  STREAMING_UNSIGNED_TRAILER("STREAMING-UNSIGNED-PAYLOAD-TRAILER");

  private final String headerValue;

  PayloadMode(String headerValue) {
    this.headerValue = headerValue;
  }

  /** The body is {@code aws-chunked} framed. */
  public boolean isStreaming() {
    return this == STREAMING_SIGNED || this == STREAMING_SIGNED_TRAILER || this == STREAMING_UNSIGNED_TRAILER;
  }

  /** Every chunk carries a signature chained from the request's seed signature. */
  public boolean hasChunkSignatures() {
    return this == STREAMING_SIGNED || this == STREAMING_SIGNED_TRAILER;
  }

  /** The framing may end with trailing headers. */
  public boolean hasTrailers() {
    return this == STREAMING_SIGNED_TRAILER || this == STREAMING_UNSIGNED_TRAILER;
  }

  /**
   * The mode an {@code x-amz-content-sha256} value announces. A value that is neither one of the
   * AWS constants nor exactly 64 hex digits is {@code InvalidArgument}, whatever its shape (AWS
   * answers the same); the SigV4a streaming variants are {@code NotImplemented}.
   */
  static PayloadMode ofContentSha256(String value) {
    for (PayloadMode mode : values()) {
      if (value.equals(mode.headerValue)) {
        return mode;
      }
    }
    if (value.startsWith("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")) {
      throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED, "SigV4a streaming payloads are not supported");
    }
    if (isSha256Hex(value)) {
      return SIGNED;
    }
    throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT,
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
            + "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER "
            + "or a valid sha256 value.");
  }

  /**
   * The mode of a request whose headers the request signature does not chain chunk signatures
   * from (anonymous or presigned): {@code fallback} without an {@code x-amz-content-sha256}
   * header, else what the header announces, which must not be a chunk-signed mode.
   */
  static PayloadMode forUnchainedRequest(String contentSha256, PayloadMode fallback) {
    if (contentSha256 == null) {
      return fallback;
    }
    PayloadMode mode = ofContentSha256(contentSha256.trim());
    if (mode.hasChunkSignatures()) {
      throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
          "Chunk-signed payloads require a request signed in the Authorization header");
    }
    return mode;
  }

  static boolean isSha256Hex(String value) {
    if (value.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      if (Character.digit(value.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }
}
