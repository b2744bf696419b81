package io.granary.metadata;

import java.util.Map;
import java.util.Objects;

/**
 * One row of the mount table.
 *
 * @param path    absolute namespace path of the mount point ("/" for the root)
 * @param uri     the under-storage URI ({@code file:///dir}, {@code s3://bucket/prefix}, {@code oss://bucket/prefix})
 * @param options connector settings and per-mount defaults (read type, write type, sync interval, ...)
 */
public record MountEntry(String path, String uri, Map<String, String> options) {
  public MountEntry {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(uri, "uri");
    options = options == null ? Map.of() : Map.copyOf(options);
  }
}
