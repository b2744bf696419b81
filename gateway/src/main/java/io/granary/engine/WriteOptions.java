package io.granary.engine;

import java.util.Map;
import java.util.function.Supplier;

/**
 * How a file is written.
 *
 * @param writeType     null: the mount's default
 * @param createParents create missing parent directories (S3 semantics) instead of failing
 * @param overwrite     replace an existing file instead of failing
 * @param attributes    stored with the file (content type, user metadata, ...)
 * @param lateAttributes attributes known only once the data was read (digests), added at commit; may be null
 */
public record WriteOptions(WriteType writeType, boolean createParents, boolean overwrite,
    Map<String, String> attributes, Supplier<Map<String, String>> lateAttributes) {

  public WriteOptions {
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /** Mount default write type, parents created, existing files replaced. */
  public static WriteOptions defaults() {
    return new WriteOptions(null, true, true, Map.of(), null);
  }

  public WriteOptions withWriteType(WriteType type) {
    return new WriteOptions(type, createParents, overwrite, attributes, lateAttributes);
  }

  public WriteOptions withOverwrite(boolean value) {
    return new WriteOptions(writeType, createParents, value, attributes, lateAttributes);
  }

  public WriteOptions withCreateParents(boolean value) {
    return new WriteOptions(writeType, value, overwrite, attributes, lateAttributes);
  }

  public WriteOptions withAttributes(Map<String, String> value) {
    return new WriteOptions(writeType, createParents, overwrite, value, lateAttributes);
  }

  public WriteOptions withLateAttributes(Supplier<Map<String, String>> value) {
    return new WriteOptions(writeType, createParents, overwrite, attributes, value);
  }
}
