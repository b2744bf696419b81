package io.granary.error;

/** No tier can take the bytes, even after evicting everything evictable. */
public final class OutOfSpaceException extends GranaryException {
  public OutOfSpaceException(String message) {
    super(message, null, true);
  }
}
