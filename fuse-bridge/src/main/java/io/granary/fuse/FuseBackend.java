package io.granary.fuse;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * What the FUSE bridge needs from a Granary namespace, in absolute paths ("/a/b"). The gateway
 * implements it on the in-process engine and on the SDK. Methods throw whatever their
 * implementation throws; {@link #errnoOf} turns that into the errno the caller sees.
 */
public interface FuseBackend {

  /** What a path is. {@code ino} is stable while the path names the same file. */
  record Attr(long ino, Kind kind, long size, long mtimeMs, int mode, int uid, int gid, String target) {
    public boolean isDirectory() {
      return kind == Kind.DIRECTORY;
    }
  }

  /** File types the namespace has. */
  enum Kind { FILE, DIRECTORY, SYMLINK }

  /** One entry of a directory listing. */
  record Entry(String name, Attr attr) {}

  /** Capacity and use of the cache behind the mount, in bytes. */
  record Capacity(long total, long used) {}

  /** Positional reads of one open file. */
  interface Reader extends Closeable {
    /** Reads up to {@code dst.remaining()} bytes at {@code offset}; returns the count, 0 at the end. */
    int read(ByteBuffer dst, long offset) throws IOException;

    @Override
    void close();
  }

  /** Ownership and times to change; null leaves a field as it is. */
  record Change(Integer mode, Integer uid, Integer gid, Long mtimeMs) {}

  Attr stat(String path) throws IOException;

  /** Up to {@code limit} entries after {@code startAfter} ("" for the start), in name order. */
  List<Entry> list(String path, String startAfter, int limit) throws IOException;

  /**
   * Opens a file for reading. {@code prefetchBytes} > 0 asks for the whole file to be fetched up
   * front when it is at most that long; {@code readAheadBlocks} > 0 for the next blocks to be
   * fetched in the background while a reader goes forward.
   */
  Reader open(String path, long prefetchBytes, int readAheadBlocks) throws IOException;

  /**
   * Replaces (or creates) the file at {@code path} with the bytes of {@code staged}, then gives it
   * {@code owner}'s mode and ownership. The file appears whole or not at all.
   */
  Attr commit(String path, Path staged, long length, Change owner) throws IOException;

  Attr mkdir(String path, Change owner) throws IOException;

  /** Deletes a file, symlink or empty directory. */
  void delete(String path, boolean directory) throws IOException;

  /** POSIX rename: replaces an existing file or empty directory at {@code dst}. */
  void rename(String src, String dst) throws IOException;

  Attr change(String path, Change change) throws IOException;

  Attr symlink(String path, String target, Change owner) throws IOException;

  Capacity capacity() throws IOException;

  /** The errno (positive, e.g. 2 for ENOENT) that stands for a failure of this backend. */
  int errnoOf(Throwable failure);
}
