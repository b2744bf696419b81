package io.granary.grpc;

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
import io.vertx.grpc.common.GrpcStatus;

/** The one place where engine errors become gRPC statuses. */
final class GrpcErrors {
  private GrpcErrors() {}

  static GrpcStatus status(GranaryException e) {
    return switch (e) {
      case NotFoundException x -> GrpcStatus.NOT_FOUND;
      case AlreadyExistsException x -> GrpcStatus.ALREADY_EXISTS;
      case DirectoryNotEmptyException x -> GrpcStatus.FAILED_PRECONDITION;
      case NotADirectoryException x -> GrpcStatus.FAILED_PRECONDITION;
      case IsADirectoryException x -> GrpcStatus.FAILED_PRECONDITION;
      case CrossMountException x -> GrpcStatus.FAILED_PRECONDITION;
      case InvalidPathException x -> GrpcStatus.INVALID_ARGUMENT;
      case InvalidArgumentException x -> GrpcStatus.INVALID_ARGUMENT;
      case OutOfSpaceException x -> GrpcStatus.RESOURCE_EXHAUSTED;
      case UnderStorageException x -> switch (x.kind()) {
        case NOT_FOUND -> GrpcStatus.NOT_FOUND;
        case ACCESS_DENIED -> GrpcStatus.PERMISSION_DENIED;
        case UNAVAILABLE -> GrpcStatus.UNAVAILABLE;
        case OTHER -> GrpcStatus.INTERNAL;
      };
    };
  }
}
