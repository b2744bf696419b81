package io.granary.engine;

import io.granary.metadata.Inode;
import io.granary.metadata.InodeType;
import java.util.Map;

/**
 * What the engine tells front doors about a path.
 *
 * @param path        normalised absolute path
 * @param id          inode id (stable while the file is not replaced)
 * @param type        file, directory or symlink
 * @param length      bytes
 * @param mtimeMs     last modification
 * @param persisted   whether the under-storage holds the data
 * @param pinned      whether cached blocks are exempt from eviction
 * @param mountPoint  whether an under-storage is mounted here
 * @param blockSize   block size of the file
 * @param fingerprint the under-storage version seen last ("" if none)
 * @param attributes  content type, user metadata and the like
 * @param uid         owner (POSIX)
 * @param gid         group (POSIX)
 * @param target      a symlink's target ("" otherwise)
 */
public record FileInfo(String path, long id, InodeType type, long length, long mtimeMs, int mode,
    boolean persisted, boolean pinned, boolean mountPoint, long blockSize, String fingerprint,
    Map<String, String> attributes, int uid, int gid, String target) {

  static FileInfo of(NamespacePath path, Inode n) {
    return new FileInfo(path.path(), n.id(), n.type(), n.length(), n.mtimeMs(), n.mode(), n.persisted(),
        n.pinned(), n.mountPoint(), n.blockSize(), n.fingerprint(), n.attributes(), n.uid(), n.gid(), n.target());
  }

  public boolean isDirectory() {
    return type == InodeType.DIRECTORY;
  }

  public String name() {
    int slash = path.lastIndexOf('/');
    return path.substring(slash + 1);
  }
}
