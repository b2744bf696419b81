package io.granary.error;

/** A non-recursive delete (or a rename over) a directory that still has entries. */
public final class DirectoryNotEmptyException extends GranaryException {
  public DirectoryNotEmptyException(String message) {
    super(message, null, false);
  }
}
