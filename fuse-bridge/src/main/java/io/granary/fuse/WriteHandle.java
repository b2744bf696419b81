package io.granary.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file open for writing. Writes land in a private staging file; {@link #commit} hands the whole
 * file to the backend, which makes it visible at once (close-to-open consistency). An existing
 * file is copied into the staging file only when the first write or truncate needs it, so opening
 * read-write to read copies nothing.
 */
final class WriteHandle {
  private final FuseBackend fs;
  private final Path stagingDir;
  private volatile String path; // null once unlinked: later commits are dropped
  private FuseBackend.Reader source; // the committed content while nothing is staged
  private long sourceSize;
  private Path staging;
  private FileChannel channel;
  private long size;
  private boolean dirty;
  private long mtimeMs;
  private final long ino;
  private FuseBackend.Change owner;

  /** A new file (create) or an existing one truncated to nothing. */
  static WriteHandle empty(FuseBackend fs, Path stagingDir, String path, long ino, FuseBackend.Change owner)
      throws IOException {
    WriteHandle w = new WriteHandle(fs, stagingDir, path, ino, owner);
    w.stage();
    w.dirty = true;
    return w;
  }

  /** An existing file, copied on the first change. */
  static WriteHandle existing(FuseBackend fs, Path stagingDir, String path, FuseBackend.Attr attr) throws IOException {
    WriteHandle w = new WriteHandle(fs, stagingDir, path, attr.ino(),
        new FuseBackend.Change(attr.mode(), attr.uid(), attr.gid(), null));
    w.sourceSize = attr.size();
    w.size = attr.size();
    w.mtimeMs = attr.mtimeMs();
    w.source = fs.open(path, 0, 0);
    return w;
  }

  private WriteHandle(FuseBackend fs, Path stagingDir, String path, long ino, FuseBackend.Change owner) {
    this.fs = fs;
    this.stagingDir = stagingDir;
    this.path = path;
    this.ino = ino;
    this.owner = owner;
    this.mtimeMs = System.currentTimeMillis();
  }

  String path() {
    return path;
  }

  void moveTo(String newPath) {
    path = newPath;
  }

  synchronized FuseBackend.Attr attr() {
    FuseBackend.Change o = owner;
    return new FuseBackend.Attr(ino, FuseBackend.Kind.FILE, size, mtimeMs, o.mode(), o.uid(), o.gid(), "");
  }

  synchronized void changed(FuseBackend.Change c) {
    owner = new FuseBackend.Change(c.mode() != null ? c.mode() : owner.mode(), c.uid() != null ? c.uid() : owner.uid(),
        c.gid() != null ? c.gid() : owner.gid(), null);
    if (c.mtimeMs() != null) {
      mtimeMs = c.mtimeMs();
    }
  }

  synchronized boolean dirty() {
    return dirty;
  }

  int read(ByteBuffer dst, long offset) throws IOException {
    FileChannel ch;
    FuseBackend.Reader src;
    synchronized (this) {
      ch = channel;
      src = source;
      if (offset >= size) {
        return 0;
      }
      if (dst.remaining() > size - offset) {
        dst.limit(dst.position() + (int) (size - offset));
      }
    }
    int total = 0;
    while (dst.hasRemaining()) {
      int n = ch != null ? ch.read(dst, offset + total) : src.read(dst, offset + total);
      if (n <= 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  synchronized int write(ByteBuffer src, long offset) throws IOException {
    stage();
    int total = 0;
    while (src.hasRemaining()) {
      total += channel.write(src, offset + total);
    }
    size = Math.max(size, offset + total);
    dirty = true;
    mtimeMs = System.currentTimeMillis();
    return total;
  }

  synchronized void truncate(long newSize) throws IOException {
    if (newSize == size && staging != null) {
      return;
    }
    stage();
    if (newSize < size) {
      channel.truncate(newSize);
    } else if (newSize > size) {
      channel.write(ByteBuffer.allocate(1), newSize - 1); // a hole up to the new end
    }
    size = newSize;
    dirty = true;
    mtimeMs = System.currentTimeMillis();
  }

  /** Hands the staged file to the backend if it changed since the last commit. */
  synchronized void commit() throws IOException {
    String p = path;
    if (!dirty || p == null) {
      return;
    }
    channel.force(false);
    fs.commit(p, staging, size, owner);
    dirty = false;
  }

  /** Drops the staging file (after the last commit or on failure). */
  synchronized void close() {
    if (source != null) {
      source.close();
      source = null;
    }
    try {
      if (channel != null) {
        channel.close();
      }
      if (staging != null) {
        Files.deleteIfExists(staging);
      }
    } catch (IOException e) {
      // the staging directory is cleared at the next mount
    }
  }

  /** Copies the committed content into a staging file the first time it is needed. */
  private void stage() throws IOException {
    if (channel != null) {
      return;
    }
    staging = Files.createTempFile(stagingDir, "w-", ".part");
    channel = FileChannel.open(staging, StandardOpenOption.READ, StandardOpenOption.WRITE);
    if (source != null) {
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      long pos = 0;
      while (pos < sourceSize) {
        buf.clear();
        int n = source.read(buf, pos);
        if (n <= 0) {
          throw new Errno.FsException(Errno.EIO, path + " ended at " + pos + " of " + sourceSize + " bytes while staging it");
        }
        buf.flip();
        while (buf.hasRemaining()) {
          channel.write(buf, pos + buf.position());
        }
        pos += n;
      }
      source.close();
      source = null;
    }
  }
}
