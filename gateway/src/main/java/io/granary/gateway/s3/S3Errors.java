package io.granary.gateway.s3;

import io.granary.error.AlreadyExistsException;
import io.granary.error.CrossMountException;
import io.granary.error.DirectoryNotEmptyException;
import io.granary.error.GranaryException;
import io.granary.error.InvalidArgumentException;
import io.granary.error.InvalidPathException;
import io.granary.error.IsADirectoryException;
import io.granary.error.NotADirectoryException;
import io.granary.error.NotFoundException;
import io.granary.error.OutOfSpaceException;
import io.granary.error.UnderStorageException;
import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;

/** The one place where engine errors become S3 errors. */
final class S3Errors {
  private S3Errors() {}

  /** What an engine error means for an object request. */
  static S3Exception forObject(GranaryException e) {
    S3ErrorCode code = switch (e) {
      case NotFoundException x -> S3ErrorCode.NO_SUCH_KEY;
      case IsADirectoryException x -> S3ErrorCode.NO_SUCH_KEY;
      case NotADirectoryException x -> S3ErrorCode.INVALID_REQUEST;
      case AlreadyExistsException x -> S3ErrorCode.INVALID_REQUEST;
      case DirectoryNotEmptyException x -> S3ErrorCode.INVALID_REQUEST;
      case InvalidPathException x -> S3ErrorCode.INVALID_ARGUMENT;
      case InvalidArgumentException x -> x.getMessage() != null && x.getMessage().contains("ended")
          ? S3ErrorCode.INCOMPLETE_BODY : S3ErrorCode.INVALID_ARGUMENT;
      case CrossMountException x -> S3ErrorCode.INVALID_REQUEST;
      case OutOfSpaceException x -> S3ErrorCode.INSUFFICIENT_STORAGE;
      case UnderStorageException x -> switch (x.kind()) {
        case NOT_FOUND -> S3ErrorCode.NO_SUCH_KEY;
        case ACCESS_DENIED -> S3ErrorCode.ACCESS_DENIED;
        case UNAVAILABLE -> S3ErrorCode.SERVICE_UNAVAILABLE;
        case OTHER -> S3ErrorCode.INTERNAL_ERROR;
      };
    };
    return new S3Exception(code, e.getMessage(), code == S3ErrorCode.INTERNAL_ERROR ? e : null);
  }
}
