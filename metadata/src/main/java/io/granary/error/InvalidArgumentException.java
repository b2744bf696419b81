package io.granary.error;

/** A request argument is outside what the operation accepts. */
public final class InvalidArgumentException extends GranaryException {
  public InvalidArgumentException(String message) {
    super(message, null, false);
  }
}
