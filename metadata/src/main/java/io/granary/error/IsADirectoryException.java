package io.granary.error;

/** A file operation was asked of a directory. */
public final class IsADirectoryException extends GranaryException {
  public IsADirectoryException(String message) {
    super(message, null, false);
  }
}
