package io.granary.error;

/** A path component, or the target of a directory operation, is not a directory. */
public final class NotADirectoryException extends GranaryException {
  public NotADirectoryException(String message) {
    super(message, null, false);
  }
}
