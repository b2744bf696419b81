package io.granary.s3;

/**
 * A request failed in a way S3 has a code for. Expected failures carry no stack trace; the
 * protocol layer renders them as error XML with {@link #code()}'s status.
 */
public final class S3Exception extends RuntimeException {
  private final S3ErrorCode code;

  public S3Exception(S3ErrorCode code) {
    this(code, code.message(), null);
  }

  public S3Exception(S3ErrorCode code, String message) {
    this(code, message, null);
  }

  public S3Exception(S3ErrorCode code, String message, Throwable cause) {
    super(message, cause, false, false);
    this.code = code;
  }

  public S3ErrorCode code() {
    return code;
  }
}
