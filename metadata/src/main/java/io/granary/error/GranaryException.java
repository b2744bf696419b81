package io.granary.error;

/**
 * The domain errors of Granary. Every front door maps this closed set to its own protocol in one
 * place (S3 error codes, errno, gRPC status) with an exhaustive switch; anything else is internal.
 */
public abstract sealed class GranaryException extends RuntimeException
    permits NotFoundException, AlreadyExistsException, DirectoryNotEmptyException,
        NotADirectoryException, IsADirectoryException, InvalidPathException,
        InvalidArgumentException, CrossMountException, OutOfSpaceException,
        UnderStorageException {

  protected GranaryException(String message, Throwable cause, boolean stackTrace) {
    super(message, cause, false, stackTrace);
  }
}
