package io.granary.gateway.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.granary.fuse.Errno;
import io.granary.sdk.GranaryClientException;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** What the remote mount makes of the gateway's statuses (the SDK puts "STATUS: " before the gateway's message). */
class FuseErrorsTest {
  private static int errno(GrpcStatus status, String message) {
    return FuseErrors.errnoOf(new GranaryClientException(status, message));
  }

  @Test
  void failedPreconditionsAreToldApartByTheirReasonNotByThePath() {
    assertEquals(Errno.ENOTEMPTY, errno(GrpcStatus.FAILED_PRECONDITION, "/a is not empty"));
    assertEquals(Errno.ENOTDIR, errno(GrpcStatus.FAILED_PRECONDITION, "/a/f is not a directory"));
    assertEquals(Errno.ENOTDIR, errno(GrpcStatus.FAILED_PRECONDITION, "/a/f is not a directory (resolving /a/f/g)"));
    assertEquals(Errno.EISDIR, errno(GrpcStatus.FAILED_PRECONDITION, "/a is a directory"));
    assertEquals(Errno.EXDEV, errno(GrpcStatus.FAILED_PRECONDITION, "cannot rename across mounts: /a -> /m/b"));
    // names that hold the words of another reason
    assertEquals(Errno.EISDIR, errno(GrpcStatus.FAILED_PRECONDITION, "/x/not empty/d is a directory"));
    assertEquals(Errno.ENOTEMPTY, errno(GrpcStatus.FAILED_PRECONDITION, "/is a directory/d is not empty"));
  }

  @Test
  void otherStatusesMapToTheirErrno() {
    assertEquals(Errno.ENOENT, errno(GrpcStatus.NOT_FOUND, "no such file or directory: /x"));
    assertEquals(Errno.EEXIST, errno(GrpcStatus.ALREADY_EXISTS, "/x already exists"));
    assertEquals(Errno.ENAMETOOLONG, errno(GrpcStatus.INVALID_ARGUMENT, "path component longer than 255 bytes in /x"));
    assertEquals(Errno.EINVAL, errno(GrpcStatus.INVALID_ARGUMENT, "path must be absolute: long/x"));
    assertEquals(Errno.ENOSPC, errno(GrpcStatus.RESOURCE_EXHAUSTED, "cache full"));
    assertEquals(Errno.EACCES, errno(GrpcStatus.UNAUTHENTICATED, "bad key"));
    assertEquals(Errno.ENOSYS, errno(GrpcStatus.UNIMPLEMENTED, "SetAttributes"));
    assertEquals(Errno.EIO, errno(GrpcStatus.UNAVAILABLE, "connection refused"));
  }

  @Test
  void aStatusWrappedInAnIoExceptionKeepsItsErrno() {
    // GranaryOutputStream.close() wraps the gateway's answer to the finished write
    assertEquals(Errno.ENOSPC, FuseErrors.errnoOf(new IOException("RESOURCE_EXHAUSTED: full",
        new GranaryClientException(GrpcStatus.RESOURCE_EXHAUSTED, "full"))));
  }
}
