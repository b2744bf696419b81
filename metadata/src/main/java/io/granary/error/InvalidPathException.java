package io.granary.error;

/** The path is malformed: empty or dot-dot components, NUL, or a component too long. */
public final class InvalidPathException extends GranaryException {
  public InvalidPathException(String message) {
    super(message, null, false);
  }
}
