package io.granary.storage.ufs;

/**
 * What the under-storage says about one path.
 *
 * @param name      last path component
 * @param directory true for directories (on object stores: a prefix or a "dir/" marker)
 * @param length    bytes (0 for directories)
 * @param mtimeMs   last modification in epoch milliseconds (0 if the store has none)
 * @param etag      the store's version tag ("" where it has none, e.g. local files)
 */
public record UfsStatus(String name, boolean directory, long length, long mtimeMs, String etag) {

  /** What identifies this version of the file: a change of any part means the content changed. */
  public String fingerprint() {
    return directory ? "dir" : etag + "|" + length + "|" + mtimeMs;
  }
}
