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
        case INVALID_ARGUMENT -> invalidArgumentErrno(reason(c));
        case DEADLINE_EXCEEDED -> Errno.ETIMEDOUT;
        case FAILED_PRECONDITION -> preconditionErrno(reason(c));
        case UNIMPLEMENTED -> Errno.ENOSYS; // a gateway older than the call
        default -> Errno.EIO;
      };
      case java.io.UncheckedIOException u -> errnoOf(u.getCause());
      case java.nio.file.NoSuchFileException n -> Errno.ENOENT;
      case java.nio.file.AccessDeniedException a -> Errno.EACCES;
      default -> t.getCause() instanceof GranaryException || t.getCause() instanceof GranaryClientException
          ? errnoOf(t.getCause()) : Errno.EIO;
    };
  }

  /** The gateway's message without the "STATUS: " the SDK puts in front. */
  private static String reason(GranaryClientException c) {
    String m = String.valueOf(c.getMessage());
    String prefix = c.status().name() + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  /** Names too long are refused as INVALID_ARGUMENT; their messages say so up front (the path comes after). */
  private static int invalidArgumentErrno(String message) {
    return message.startsWith("path longer than") || message.startsWith("path component longer than")
        || message.startsWith("name longer than") ? Errno.ENAMETOOLONG : Errno.EINVAL;
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

  /**
   * The gRPC service sends FAILED_PRECONDITION for the POSIX-shaped refusals; the message says
   * which, after the path ("/a is not empty") or before it ("cannot rename across mounts: ..."), so
   * a path that itself holds such words is not mistaken for the reason.
   */
  private static int preconditionErrno(String message) {
    if (message.startsWith("cannot rename across mounts")) {
      return Errno.EXDEV;
    }
    if (message.endsWith(" is not empty")) {
      return Errno.ENOTEMPTY;
    }
    if (message.endsWith(" is not a directory") || message.contains(" is not a directory (resolving ")) {
      return Errno.ENOTDIR;
    }
    if (message.endsWith(" is a directory")) {
      return Errno.EISDIR;
    }
    return Errno.EINVAL;
  }
}
