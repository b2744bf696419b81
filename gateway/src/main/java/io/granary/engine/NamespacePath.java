package io.granary.engine;

import io.granary.error.InvalidPathException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A normalised absolute path: "/" or "/a/b" with no empty, "." or ".." components, no NUL and
 * no component longer than 255 bytes. Doubled and trailing slashes are folded; anything that
 * could climb out of its parent is rejected rather than resolved.
 */
public record NamespacePath(String path, List<String> components) {
  public static final NamespacePath ROOT = new NamespacePath("/", List.of());
  /** Longest name a component may have (POSIX NAME_MAX). */
  public static final int MAX_NAME_BYTES = 255;
  /** Longest path accepted (S3's key limit plus a bucket). */
  public static final int MAX_PATH_BYTES = 4096;

  public static NamespacePath of(String raw) {
    if (raw == null || raw.isEmpty()) {
      throw new InvalidPathException("empty path");
    }
    if (raw.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      throw new InvalidPathException("path longer than " + MAX_PATH_BYTES + " bytes");
    }
    if (raw.indexOf('\0') >= 0) {
      throw new InvalidPathException("path contains NUL: " + raw.replace('\0', '?'));
    }
    if (raw.charAt(0) != '/') {
      throw new InvalidPathException("path must be absolute: " + raw);
    }
    List<String> parts = new ArrayList<>();
    for (String c : raw.split("/")) {
      if (c.isEmpty()) {
        continue;
      }
      if (c.equals(".") || c.equals("..")) {
        throw new InvalidPathException("path must not contain '.' or '..' components: " + raw);
      }
      if (c.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw new InvalidPathException("path component longer than " + MAX_NAME_BYTES + " bytes in " + raw);
      }
      parts.add(c);
    }
    return parts.isEmpty() ? ROOT : new NamespacePath("/" + String.join("/", parts), List.copyOf(parts));
  }

  public boolean isRoot() {
    return components.isEmpty();
  }

  public String name() {
    return isRoot() ? "" : components.get(components.size() - 1);
  }

  public NamespacePath parent() {
    if (isRoot()) {
      return this;
    }
    List<String> p = components.subList(0, components.size() - 1);
    return p.isEmpty() ? ROOT : new NamespacePath("/" + String.join("/", p), List.copyOf(p));
  }

  public NamespacePath child(String name) {
    return of(isRoot() ? "/" + name : path + "/" + name);
  }

  /** Whether this path is {@code other} or lies below it. */
  public boolean isWithin(NamespacePath other) {
    return other.isRoot() || path.equals(other.path) || path.startsWith(other.path + "/");
  }

  @Override
  public String toString() {
    return path;
  }
}
