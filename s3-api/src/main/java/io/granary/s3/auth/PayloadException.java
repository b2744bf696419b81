package io.granary.s3.auth;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import java.io.IOException;

/**
 * A request body failed verification (signature, digest, framing or length). Thrown from {@link
 * PayloadStream}'s reads so that it travels through I/O code; the caller aborts what it was writing
 * and renders {@link #code()}. Carries no stack trace: it is an expected client error.
 */
public final class PayloadException extends IOException {
  private static final long serialVersionUID = 1L;

  private final S3ErrorCode code;

  public PayloadException(S3ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public S3ErrorCode code() {
    return code;
  }

  /** The same failure as the protocol layer's exception. */
  public S3Exception toS3Exception() {
    return new S3Exception(code, getMessage(), this);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
