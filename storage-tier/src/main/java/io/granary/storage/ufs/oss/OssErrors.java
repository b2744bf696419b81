package io.granary.storage.ufs.oss;

import com.aliyun.oss.ClientErrorCode;
import com.aliyun.oss.ClientException;
import com.aliyun.oss.OSSErrorCode;
import com.aliyun.oss.OSSException;
import io.granary.error.UnderStorageException;
import io.granary.error.UnderStorageException.Kind;
import io.granary.storage.ufs.support.StatusKinds;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place where OSS error codes and client failures become under-storage errors.
 *
 * <p>{@link OSSException} carries no HTTP status: for an error without a body the SDK makes up a
 * code from the status (404 becomes NoSuchKey, 403 AccessForbidden) or, for any other status,
 * "Unknown" with the status only in the message, which is read here to tell a 5xx from the rest.
 */
final class OssErrors {
  private static final Pattern UNKNOWN_STATUS = Pattern.compile("http status code\\s*(\\d{3})");

  private OssErrors() {}

  static UnderStorageException translate(RuntimeException e, String what) {
    Kind kind;
    if (e instanceof OSSException service) {
      kind = kindOf(service);
    } else if (e instanceof ClientException client) {
      kind = kindOf(client);
    } else {
      kind = Kind.OTHER;
    }
    return new UnderStorageException(kind, what + ": " + e.getMessage(), e);
  }

  /** A failure while reading a response body: the connection broke or timed out. */
  static UnderStorageException translate(IOException e, String what) {
    return new UnderStorageException(Kind.UNAVAILABLE, what + ": " + e.getMessage(), e);
  }

  /** A ranged GET that starts at or past the end of the object. */
  static boolean isUnsatisfiableRange(RuntimeException e) {
    return e instanceof OSSException service && OSSErrorCode.INVALID_RANGE.equals(service.getErrorCode());
  }

  private static Kind kindOf(OSSException e) {
    String code = e.getErrorCode() == null ? "" : e.getErrorCode();
    return switch (code) {
      case OSSErrorCode.NO_SUCH_KEY, OSSErrorCode.NO_SUCH_BUCKET -> Kind.NOT_FOUND;
      case OSSErrorCode.ACCESS_DENIED, OSSErrorCode.ACCESS_FORBIDDEN, OSSErrorCode.INVALID_ACCESS_KEY_ID,
          OSSErrorCode.SIGNATURE_DOES_NOT_MATCH, "SecurityTokenExpired", "InvalidSecurityToken" -> Kind.ACCESS_DENIED;
      case OSSErrorCode.INTERNAL_ERROR, OSSErrorCode.REQUEST_TIMEOUT, "ServiceUnavailable", "SlowDown",
          "QpsLimitExceeded" -> Kind.UNAVAILABLE;
      case "Unknown" -> unknownStatusKind(e.getErrorMessage());
      default -> Kind.OTHER;
    };
  }

  private static Kind kindOf(ClientException e) {
    String code = e.getErrorCode() == null ? "" : e.getErrorCode();
    return switch (code) {
      case ClientErrorCode.CONNECTION_TIMEOUT, ClientErrorCode.SOCKET_TIMEOUT, ClientErrorCode.SOCKET_EXCEPTION,
          ClientErrorCode.CONNECTION_REFUSED, ClientErrorCode.UNKNOWN_HOST, ClientErrorCode.SSL_EXCEPTION ->
          Kind.UNAVAILABLE;
      case ClientErrorCode.NONREPEATABLE_REQUEST, ClientErrorCode.INPUTSTREAM_READING_ABORTED -> Kind.OTHER;
      default -> StatusKinds.causedByIo(e) ? Kind.UNAVAILABLE : Kind.OTHER;
    };
  }

  private static Kind unknownStatusKind(String message) {
    Matcher m = UNKNOWN_STATUS.matcher(message == null ? "" : message);
    Kind kind = m.find() ? StatusKinds.ofStatus(Integer.parseInt(m.group(1))) : Kind.OTHER;
    return kind == Kind.UNAVAILABLE ? kind : Kind.OTHER;
  }
}
