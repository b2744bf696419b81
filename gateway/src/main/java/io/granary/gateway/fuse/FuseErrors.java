package io.granary.gateway.fuse;

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
import io.granary.fuse.Errno;
import io.granary.sdk.GranaryClientException;

/** The one place where engine and SDK errors become errno values. */
final class FuseErrors {
  private FuseErrors() {}

  static int errnoOf(Throwable t) {
    return switch (t) {
      case GranaryException g -> errnoOf(g);
      case GranaryClientException c -> switch (c.status()) {
        case NOT_FOUND -> Errno.ENOENT;
        case ALREADY_EXISTS -> Errno.EEXIST;
        case PERMISSION_DENIED, UNAUTHENTICATED -> Errno.EACCES;
        case RESOURCE_EXHAUSTED -> Errno.ENOSPC;
        case INVALID_ARGUMENT -> Errno.EINVAL;
        case DEADLINE_EXCEEDED -> Errno.ETIMEDOUT;
        case FAILED_PRECONDITION -> preconditionErrno(String.valueOf(c.getMessage()));
        default -> Errno.EIO;
      };
      case java.io.UncheckedIOException u -> errnoOf(u.getCause());
      case java.nio.file.NoSuchFileException n -> Errno.ENOENT;
      case java.nio.file.AccessDeniedException a -> Errno.EACCES;
      default -> t.getCause() instanceof GranaryException g ? errnoOf(g) : Errno.EIO;
    };
  }

  static int errnoOf(GranaryException e) {
    return switch (e) {
      case NotFoundException x -> Errno.ENOENT;
      case AlreadyExistsException x -> Errno.EEXIST;
      case DirectoryNotEmptyException x -> Errno.ENOTEMPTY;
      case NotADirectoryException x -> Errno.ENOTDIR;
      case IsADirectoryException x -> Errno.EISDIR;
      case InvalidPathException x -> x.getMessage() != null && x.getMessage().contains("long")
          ? Errno.ENAMETOOLONG : Errno.EINVAL;
      case InvalidArgumentException x -> Errno.EINVAL;
      case CrossMountException x -> Errno.EXDEV;
      case OutOfSpaceException x -> Errno.ENOSPC;
      case UnderStorageException x -> switch (x.kind()) {
        case NOT_FOUND -> Errno.ENOENT;
        case ACCESS_DENIED -> Errno.EACCES;
        case UNAVAILABLE, OTHER -> Errno.EIO;
      };
    };
  }

  /** The gRPC service sends FAILED_PRECONDITION for the POSIX-shaped refusals; the message says which. */
  private static int preconditionErrno(String message) {
    if (message.contains("not empty")) {
      return Errno.ENOTEMPTY;
    }
    if (message.contains("is a directory")) {
      return Errno.EISDIR;
    }
    if (message.contains("not a directory")) {
      return Errno.ENOTDIR;
    }
    if (message.contains("across mounts")) {
      return Errno.EXDEV;
    }
    return Errno.EINVAL;
  }
}
