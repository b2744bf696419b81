package io.granary.engine;

import java.util.Map;

/**
 * How a file is written.
 *
 * @param writeType     null: the mount's default
 * @param createParents create missing parent directories (S3 semantics) instead of failing
 * @param overwrite     replace an existing file instead of failing
 * @param attributes    stored with the file (content type, user metadata, ...)
 */
public record WriteOptions(WriteType writeType, boolean createParents, boolean overwrite,
    Map<String, String> attributes) {

  public WriteOptions {
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /** Mount default write type, parents created, existing files replaced. */
  public static WriteOptions defaults() {
    return new WriteOptions(null, true, true, Map.of());
  }

  public WriteOptions withWriteType(WriteType type) {
    return new WriteOptions(type, createParents, overwrite, attributes);
  }

  public WriteOptions withOverwrite(boolean value) {
    return new WriteOptions(writeType, createParents, value, attributes);
  }

  public WriteOptions withCreateParents(boolean value) {
    return new WriteOptions(writeType, value, overwrite, attributes);
  }

  public WriteOptions withAttributes(Map<String, String> value) {
    return new WriteOptions(writeType, createParents, overwrite, value);
  }
}
