package io.granary.storage.ufs.s3;

import io.granary.error.UnderStorageException;
import io.granary.error.UnderStorageException.Kind;
import io.granary.storage.ufs.support.StatusKinds;
import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Error;

/** The one place where S3 status codes, error codes and SDK failures become under-storage errors. */
final class S3Errors {
  private S3Errors() {}

  static UnderStorageException translate(RuntimeException e, String what) {
    Kind kind;
    if (e instanceof AwsServiceException service) {
      String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
      kind = kindOf(service.statusCode(), code);
    } else if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException) {
      kind = Kind.UNAVAILABLE;
    } else if (e instanceof SdkClientException || e instanceof UncheckedIOException) {
      kind = StatusKinds.causedByIo(e) ? Kind.UNAVAILABLE : Kind.OTHER;
    } else {
      kind = Kind.OTHER;
    }
    return new UnderStorageException(kind, what + ": " + e.getMessage(), e);
  }

  /** A failure while reading a response body: the connection broke or timed out. */
  static UnderStorageException translate(IOException e, String what) {
    return new UnderStorageException(Kind.UNAVAILABLE, what + ": " + e.getMessage(), e);
  }

  /** One failed key of a batch delete. */
  static UnderStorageException translate(S3Error error, String what) {
    return new UnderStorageException(kindOf(0, error.code()), what + ": " + error.code() + " " + error.message(), null);
  }

  /** A ranged GET that starts at or past the end of the object (416 InvalidRange). */
  static boolean isUnsatisfiableRange(RuntimeException e) {
    return e instanceof AwsServiceException service
        && (service.statusCode() == 416
            || (service.awsErrorDetails() != null && "InvalidRange".equals(service.awsErrorDetails().errorCode())));
  }

  private static Kind kindOf(int status, String code) {
    if (code != null) {
      switch (code) {
        case "NoSuchKey", "NoSuchBucket", "NotFound" -> {
          return Kind.NOT_FOUND;
        }
        case "AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
            "InvalidToken", "AccountProblem" -> {
          return Kind.ACCESS_DENIED;
        }
        case "InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "Throttling" -> {
          return Kind.UNAVAILABLE;
        }
        default -> {
          // fall through to the status code
        }
      }
    }
    return StatusKinds.ofStatus(status);
  }
}
