package io.granary.metadata;

import java.util.Map;
import java.util.Objects;

/**
 * One node of the namespace, as stored in LMDB. Immutable: a change is a new record written in a
 * write transaction.
 *
 * @param id            unique, never reused; the root is {@link #ROOT_ID}
 * @param parentId      the directory holding this node (the root is its own parent)
 * @param name          the last path component ("" for the root)
 * @param type          file, directory or symlink
 * @param length        file length in bytes (0 for directories)
 * @param mtimeMs       last modification, epoch milliseconds
 * @param mode          POSIX permission bits
 * @param uid           owner
 * @param gid           group
 * @param blockSize     block size the file is split into
 * @param persisted     whether the under-storage holds this node's data
 * @param pinned        whether its cached blocks are exempt from eviction
 * @param mountPoint    whether an under-storage is mounted here
 * @param fingerprint   the under-storage version last seen (ETag, size, mtime), "" if none
 * @param lastSyncMs    when the node was last checked against the under-storage (-1: never)
 * @param childrenSyncMs when a directory's children were last listed from the under-storage (-1: never)
 * @param target        a symlink's target ("" otherwise)
 * @param attributes    free-form attributes (content type, user metadata, ETag, ...)
 */
public record Inode(
    long id,
    long parentId,
    String name,
    InodeType type,
    long length,
    long mtimeMs,
    int mode,
    int uid,
    int gid,
    long blockSize,
    boolean persisted,
    boolean pinned,
    boolean mountPoint,
    String fingerprint,
    long lastSyncMs,
    long childrenSyncMs,
    String target,
    Map<String, String> attributes) {

  /** The id of the root directory, created when a store is first opened. */
  public static final long ROOT_ID = 1;

  public Inode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    fingerprint = fingerprint == null ? "" : fingerprint;
    target = target == null ? "" : target;
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /** A new directory. */
  public static Inode directory(long id, long parentId, String name, long mtimeMs, int mode) {
    return new Inode(id, parentId, name, InodeType.DIRECTORY, 0, mtimeMs, mode, 0, 0, 0,
        true, false, false, "", -1, -1, "", Map.of());
  }

  /** A new file. */
  public static Inode file(long id, long parentId, String name, long length, long mtimeMs,
      long blockSize, boolean persisted) {
    return new Inode(id, parentId, name, InodeType.FILE, length, mtimeMs, 0644, 0, 0, blockSize,
        persisted, false, false, "", -1, -1, "", Map.of());
  }

  public boolean isDirectory() {
    return type == InodeType.DIRECTORY;
  }

  public boolean isFile() {
    return type == InodeType.FILE;
  }

  /** Number of blocks a file of this length has (a short last block counts; an empty file has none). */
  public int blockCount() {
    if (type != InodeType.FILE || length == 0) {
      return 0;
    }
    return (int) ((length + blockSize - 1) / blockSize);
  }

  public Inode withParent(long newParentId, String newName) {
    return new Inode(id, newParentId, newName, type, length, mtimeMs, mode, uid, gid, blockSize,
        persisted, pinned, mountPoint, fingerprint, lastSyncMs, childrenSyncMs, target, attributes);
  }

  public Inode withContent(long newLength, long newMtimeMs, String newFingerprint) {
    return new Inode(id, parentId, name, type, newLength, newMtimeMs, mode, uid, gid, blockSize,
        persisted, pinned, mountPoint, newFingerprint, lastSyncMs, childrenSyncMs, target, attributes);
  }

  public Inode withSync(long newLastSyncMs, long newChildrenSyncMs) {
    return new Inode(id, parentId, name, type, length, mtimeMs, mode, uid, gid, blockSize,
        persisted, pinned, mountPoint, fingerprint, newLastSyncMs, newChildrenSyncMs, target, attributes);
  }

  public Inode withPersisted(boolean newPersisted) {
    return new Inode(id, parentId, name, type, length, mtimeMs, mode, uid, gid, blockSize,
        newPersisted, pinned, mountPoint, fingerprint, lastSyncMs, childrenSyncMs, target, attributes);
  }

  public Inode withPinned(boolean newPinned) {
    return new Inode(id, parentId, name, type, length, mtimeMs, mode, uid, gid, blockSize,
        persisted, newPinned, mountPoint, fingerprint, lastSyncMs, childrenSyncMs, target, attributes);
  }

  public Inode withMountPoint(boolean newMountPoint) {
    return new Inode(id, parentId, name, type, length, mtimeMs, mode, uid, gid, blockSize,
        persisted, pinned, newMountPoint, fingerprint, lastSyncMs, childrenSyncMs, target, attributes);
  }

  /** The same node with other POSIX permission bits and owner. */
  public Inode withOwner(int newMode, int newUid, int newGid) {
    return new Inode(id, parentId, name, type, length, mtimeMs, newMode, newUid, newGid, blockSize,
        persisted, pinned, mountPoint, fingerprint, lastSyncMs, childrenSyncMs, target, attributes);
  }

  /** A new symbolic link to {@code target}; it lives in the namespace only, never in an under-storage. */
  public static Inode symlink(long id, long parentId, String name, String target, long mtimeMs) {
    return new Inode(id, parentId, name, InodeType.SYMLINK, target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
        mtimeMs, 0777, 0, 0, 0, false, false, false, "", -1, -1, target, Map.of());
  }

  public Inode withAttributes(Map<String, String> newAttributes) {
    return new Inode(id, parentId, name, type, length, mtimeMs, mode, uid, gid, blockSize,
        persisted, pinned, mountPoint, fingerprint, lastSyncMs, childrenSyncMs, target, newAttributes);
  }
}
