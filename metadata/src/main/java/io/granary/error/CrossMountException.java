package io.granary.error;

/** A rename would move data between two mounts (EXDEV). */
public final class CrossMountException extends GranaryException {
  public CrossMountException(String message) {
    super(message, null, false);
  }
}
