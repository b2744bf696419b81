package io.granary.storage.ufs.support;

import io.granary.error.UnderStorageException.Kind;
import java.io.IOException;

/** What object-store connectors share when they classify a failure. */
public final class StatusKinds {
  private StatusKinds() {}

  /** The kind an HTTP status alone implies. */
  public static Kind ofStatus(int status) {
    if (status == 404) {
      return Kind.NOT_FOUND;
    }
    if (status == 401 || status == 403) {
      return Kind.ACCESS_DENIED;
    }
    if (status == 429 || status == 408 || status >= 500) {
      return Kind.UNAVAILABLE;
    }
    return Kind.OTHER;
  }

  /** Whether an I/O failure (a broken or timed-out connection) is somewhere in the cause chain. */
  public static boolean causedByIo(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }
}
