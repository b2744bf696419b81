package io.granary.storage.ufs;

import io.granary.error.InvalidPathException;
import java.nio.charset.StandardCharsets;

/**
 * The path grammar of {@link UnderStorage}: "/"-separated components relative to the mount's root,
 * no leading or trailing slash, "" for the root. Every connector checks its paths here, so a path
 * that could climb out of the root ({@code ..}), alias another ({@code .}, {@code a//b}) or be cut
 * short by a C string (NUL) never reaches a store.
 */
public final class UfsPaths {

  /** Longest component in UTF-8 bytes: the limit of common local file systems (NAME_MAX). */
  public static final int MAX_COMPONENT_BYTES = 255;

  private UfsPaths() {}

  /**
   * Returns {@code path} unchanged if it is well-formed.
   *
   * @throws InvalidPathException for empty, {@code .} or {@code ..} components, NUL, or a
   *     component longer than {@value #MAX_COMPONENT_BYTES} bytes
   */
  public static String check(String path) {
    if (path == null) {
      throw new InvalidPathException("path is null");
    }
    if (path.isEmpty()) {
      return path;
    }
    if (path.indexOf('\0') >= 0) {
      throw new InvalidPathException("path contains NUL: " + printable(path));
    }
    int start = 0;
    while (start <= path.length()) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      String component = path.substring(start, end);
      if (component.isEmpty() || component.equals(".") || component.equals("..")) {
        throw new InvalidPathException("invalid component '" + component + "' in path: " + printable(path));
      }
      if (component.getBytes(StandardCharsets.UTF_8).length > MAX_COMPONENT_BYTES) {
        throw new InvalidPathException("component longer than " + MAX_COMPONENT_BYTES + " bytes in path: " + printable(path));
      }
      start = end + 1;
    }
    return path;
  }

  /** The last component of a checked path; "" for the root. */
  public static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The parent of a checked path; "" for a top-level entry and for the root. */
  public static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  /** {@code dir/name}, or {@code name} when {@code dir} is the root. */
  public static String child(String dir, String name) {
    return dir.isEmpty() ? name : dir + "/" + name;
  }

  /** True if {@code path} is {@code ancestor} or lies below it. */
  public static boolean isSameOrBelow(String path, String ancestor) {
    return ancestor.isEmpty()
        || path.equals(ancestor)
        || (path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/');
  }

  private static String printable(String path) {
    return path.replace("\0", "\\0");
  }
}
