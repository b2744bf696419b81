package io.granary.error;

/**
 * The under-storage failed. {@link #kind()} says how, so callers can tell an outage (retry later)
 * from a refusal (will not change).
 */
public final class UnderStorageException extends GranaryException {
  /** How the under-storage failed. */
  public enum Kind {
    /** The object or directory is not there. */
    NOT_FOUND,
    /** The store refused the credentials or the operation. */
    ACCESS_DENIED,
    /** Down, timing out or answering 5xx, after the bounded retries. */
    UNAVAILABLE,
    /** Anything else the store said. */
    OTHER
  }

  private final Kind kind;

  public UnderStorageException(Kind kind, String message, Throwable cause) {
    super(message, cause, cause == null);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
