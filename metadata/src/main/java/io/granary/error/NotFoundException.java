package io.granary.error;

/** The path, block or upload does not exist: an expected miss, so it carries no stack trace. */
public final class NotFoundException extends GranaryException {
  public NotFoundException(String message) {
    super(message, null, false);
  }
}
