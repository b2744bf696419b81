package io.granary.error;

/** The path exists where the operation needs it not to. */
public final class AlreadyExistsException extends GranaryException {
  public AlreadyExistsException(String message) {
    super(message, null, false);
  }
}
