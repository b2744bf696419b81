package io.granary.fuse;

import io.granary.fuse.FuseStats.Op;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The POSIX face of a {@link FuseBackend}: jnr-fuse callbacks in, backend calls out. Every callback
 * runs through {@link #call}, which bounds concurrency, maps any failure to an errno, counts it and
 * logs slow calls. Writes are staged per open file and committed whole on flush (close),
 * fsync or release; until then other opens see the previous content.
 *
 * <p>A read-only mount with zero-message opens ({@link MountOptions#zeroOpen()}) answers its first
 * open and its first flush with ENOSYS: the kernel then opens and closes files without asking (no
 * open, flush or release calls), so a file whose pages the kernel holds is read with no call at
 * all. Such files arrive with handle 0 and are read through a reader per path, shared by the
 * descriptors of that path and retired once a read reaches the end of the file (or when too many
 * are kept). Read-write mounts keep per-descriptor handles: without open calls an
 * {@code open(O_TRUNC)} reaches the file system as a plain truncate, indistinguishable from
 * truncate(2), so a failed rewrite could not keep the old content.
 */
public final class GranaryFuse extends FuseStubFS {
  private static final Logger LOG = LoggerFactory.getLogger(GranaryFuse.class);
  private static final int O_ACCMODE = 3;
  private static final int O_RDONLY = 0;
  private static final int O_TRUNC = 01000;
  private static final long UTIME_NOW = (1L << 30) - 1;
  private static final long UTIME_OMIT = (1L << 30) - 2;
  private static final int LIST_PAGE = 1024;
  /**
   * Path readers kept at most: each may hold a prefetched small file and open block files, and on a
   * read-only mount only reaching the end of the file retires one (no flush comes).
   */
  private static final int MAX_PATH_READERS = 64;

  private final FuseBackend fs;
  private final MountOptions options;
  private final Path stagingDir;
  private final FuseStats stats = new FuseStats();
  private final Semaphore gate;
  private final long slowNanos;
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final Map<Long, Object> handles = new ConcurrentHashMap<>();
  /** The newest open writer of each path, so stat sees sizes that are not committed yet. */
  private final Map<String, WriteHandle> writers = new ConcurrentHashMap<>();
  /** Readers of files opened without an open call (zero-message opens), by path. */
  private final Map<String, ReadHandle> pathReaders = new ConcurrentHashMap<>();
  private final AtomicLong syntheticIno = new AtomicLong(1L << 62);
  private final boolean nativeBuffers = NativeBuffers.available();

  /** A body of a callback; returns the non-negative result. */
  @FunctionalInterface
  private interface Body {
    int run() throws Exception;
  }

  /** A directory being listed: where the last readdir stopped, so the next one resumes there. */
  private static final class DirCursor {
    final String path;
    long position; // entries handed out after "." and ".."
    String lastName = "";

    DirCursor(String path) {
      this.path = path;
    }
  }

  /**
   * An open file read through the backend, opened there on the first read: an open whose pages the
   * kernel already caches (a second epoch) costs the backend nothing.
   */
  private final class ReadHandle {
    private final String path;
    private FuseBackend.Reader reader;
    private boolean closed;
    private int users; // reads in progress on a shared path reader
    private boolean retired;

    ReadHandle(String path) {
      this.path = path;
    }

    synchronized FuseBackend.Reader reader() throws IOException {
      if (reader == null) {
        if (closed) {
          throw new Errno.FsException(Errno.EBADF, path + " is closed");
        }
        reader = fs.open(path, options.prefetchSmall(), options.readAheadBlocks());
      }
      return reader;
    }

    synchronized void close() {
      closed = true;
      if (reader != null) {
        reader.close();
      }
    }

    /** A path reader: false once it was retired (the caller then makes a new one). */
    synchronized boolean acquire() {
      if (retired) {
        return false;
      }
      users++;
      return true;
    }

    synchronized void release() {
      if (--users == 0 && retired) {
        close();
      }
    }

    /** Closes it once the reads in progress are done; later reads make a new reader. */
    synchronized void retire() {
      retired = true;
      if (users == 0) {
        close();
      }
    }
  }

  /** @param stagingDir an existing directory for files being written (emptied by the caller at mount) */
  public GranaryFuse(FuseBackend fs, MountOptions options, Path stagingDir) {
    this.fs = fs;
    this.options = options;
    this.stagingDir = stagingDir;
    this.gate = options.threads() > 1 ? new Semaphore(options.threads()) : null;
    this.slowNanos = options.slowMs() * 1_000_000L;
    // libfuse 2 calls utimens for an mtime-only change (touch -m) only with flag_utime_omit_ok, the
    // third bit of the flags word that jnr-fuse models as four padding bytes.
    OperationFlags.allowUtimeOmit(fuseOperations);
  }

  public FuseStats stats() {
    return stats;
  }

  public MountOptions options() {
    return options;
  }

  /** Files open right now (read, write and directory handles). */
  public int openHandles() {
    return handles.size();
  }

  // ---- the one wrapper ----------------------------------------------------------------------

  private int call(Op op, String path, Body body) {
    long start = System.nanoTime();
    boolean failed = false;
    boolean acquired = false;
    try {
      if (gate != null) {
        gate.acquire();
        acquired = true;
      }
      return body.run();
    } catch (Throwable t) {
      failed = true;
      int errno = errnoOf(t);
      if (errno == Errno.EIO || errno == Errno.ENOSPC) {
        LOG.warn("fuse {} {}: {} ({})", op.name().toLowerCase(), path, Errno.name(errno), t.toString());
      } else {
        LOG.debug("fuse {} {}: {} ({})", op.name().toLowerCase(), path, Errno.name(errno), t.getMessage());
      }
      return -errno;
    } finally {
      if (acquired) {
        gate.release();
      }
      long elapsed = System.nanoTime() - start;
      boolean slow = elapsed > slowNanos;
      if (slow) {
        LOG.warn("slow fuse {} {}: {} ms", op.name().toLowerCase(), path, elapsed / 1_000_000);
      }
      stats.record(op, elapsed, failed, slow);
    }
  }

  private int errnoOf(Throwable t) {
    if (t instanceof Errno.FsException f) {
      return f.errno();
    }
    if (t instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return Errno.EIO;
    }
    String message = String.valueOf(t.getMessage());
    if (t instanceof IOException && message.contains("No space left")) {
      return Errno.ENOSPC;
    }
    int errno = fs.errnoOf(t);
    return errno > 0 ? errno : Errno.EIO;
  }

  // ---- attributes ---------------------------------------------------------------------------

  @Override
  public int getattr(String path, FileStat stat) {
    return call(Op.GETATTR, path, () -> {
      fill(stat, attrOf(path));
      return 0;
    });
  }

  @Override
  public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
    return call(Op.GETATTR, path, () -> {
      Object h = handles.get(fi.fh.get());
      fill(stat, h instanceof WriteHandle w ? w.attr() : attrOf(path));
      return 0;
    });
  }

  private FuseBackend.Attr attrOf(String path) throws IOException {
    WriteHandle w = writers.get(path);
    return w != null ? w.attr() : fs.stat(path);
  }

  private static void fill(FileStat st, FuseBackend.Attr a) {
    int type = switch (a.kind()) {
      case DIRECTORY -> FileStat.S_IFDIR;
      case SYMLINK -> FileStat.S_IFLNK;
      case FILE -> FileStat.S_IFREG;
    };
    st.st_mode.set(type | (a.mode() & 07777));
    st.st_ino.set(a.ino());
    st.st_nlink.set(a.isDirectory() ? 2 : 1);
    st.st_size.set(a.size());
    st.st_uid.set(a.uid());
    st.st_gid.set(a.gid());
    st.st_blksize.set(1 << 17);
    st.st_blocks.set((a.size() + 511) / 512);
    long sec = Math.floorDiv(a.mtimeMs(), 1000);
    long nsec = Math.floorMod(a.mtimeMs(), 1000) * 1_000_000L;
    for (Timespec t : new Timespec[] {st.st_mtim, st.st_atim, st.st_ctim}) {
      t.tv_sec.set(sec);
      t.tv_nsec.set(nsec);
    }
  }

  private FuseBackend.Change caller(long mode) {
    var ctx = getContext();
    return new FuseBackend.Change((int) (mode & 07777), (int) ctx.uid.get(), (int) ctx.gid.get(), null);
  }

  @Override
  public int chmod(String path, @mode_t long mode) {
    return call(Op.CHMOD, path, () -> change(path, new FuseBackend.Change((int) (mode & 07777), null, null, null)));
  }

  @Override
  public int chown(String path, @uid_t long uid, @gid_t long gid) {
    return call(Op.CHOWN, path, () -> change(path, new FuseBackend.Change(null, idOrNull(uid), idOrNull(gid), null)));
  }

  /** -1 (as a 32-bit unsigned id) means "leave it". */
  private static Integer idOrNull(long id) {
    return id == -1 || id == 0xFFFFFFFFL ? null : (int) id;
  }

  @Override
  public int utimens(String path, Timespec[] times) {
    return call(Op.UTIMENS, path, () -> {
      Timespec m = times[1];
      long nsec = m.tv_nsec.longValue();
      if (nsec == UTIME_OMIT) {
        return 0;
      }
      long ms = nsec == UTIME_NOW ? System.currentTimeMillis() : m.tv_sec.get() * 1000 + nsec / 1_000_000;
      return change(path, new FuseBackend.Change(null, null, null, ms));
    });
  }

  /** Commits a pending write first, so the change lands on the file the caller has written. */
  private int change(String path, FuseBackend.Change c) throws IOException {
    WriteHandle w = writers.get(path);
    if (w != null) {
      w.commit();
      w.changed(c);
    }
    fs.change(path, c);
    return 0;
  }

  @Override
  public int statfs(String path, Statvfs st) {
    return call(Op.STATFS, path, () -> {
      FuseBackend.Capacity c = fs.capacity();
      long bs = 4096;
      long total = c.total() / bs;
      long free = Math.max(0, c.total() - c.used()) / bs;
      st.f_bsize.set(bs);
      st.f_frsize.set(bs);
      st.f_blocks.set(total);
      st.f_bfree.set(free);
      st.f_bavail.set(free);
      st.f_files.set(1L << 40);
      st.f_ffree.set(1L << 40);
      st.f_favail.set(1L << 40);
      st.f_namemax.set(255);
      return 0;
    });
  }

  // ---- directories --------------------------------------------------------------------------

  @Override
  public int opendir(String path, FuseFileInfo fi) {
    return call(Op.OPENDIR, path, () -> {
      if (!fs.stat(path).isDirectory()) {
        throw new Errno.FsException(Errno.ENOTDIR, path + " is not a directory");
      }
      fi.fh.set(register(new DirCursor(path)));
      return 0;
    });
  }

  @Override
  public int releasedir(String path, FuseFileInfo fi) {
    return call(Op.RELEASEDIR, path, () -> {
      handles.remove(fi.fh.get());
      return 0;
    });
  }

  /**
   * Streams a directory a page at a time: the cursor remembers the last name handed out, so a
   * 100,000-entry directory never sits in memory whole. A seek elsewhere re-scans from the start.
   */
  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
    return call(Op.READDIR, path, () -> {
      DirCursor c = handles.get(fi.fh.get()) instanceof DirCursor d ? d : new DirCursor(path);
      Pointer statMem = Memory.allocateDirect(Runtime.getSystemRuntime(), Struct.size(new FileStat(Runtime.getSystemRuntime())));
      FileStat st = FileStat.of(statMem);
      long off = offset;
      if (off == 0) {
        st.st_mode.set(FileStat.S_IFDIR);
        if (filler.apply(buf, cName("."), statMem, 1) != 0) {
          return 0;
        }
        off = 1;
      }
      if (off == 1) {
        if (filler.apply(buf, cName(".."), statMem, 2) != 0) {
          return 0;
        }
        off = 2;
      }
      if (off - 2 != c.position) {
        seek(c, off - 2);
      }
      while (true) {
        List<FuseBackend.Entry> page = fs.list(path, c.lastName, LIST_PAGE);
        for (FuseBackend.Entry e : page) {
          st.st_ino.set(e.attr().ino());
          st.st_mode.set(switch (e.attr().kind()) {
            case DIRECTORY -> FileStat.S_IFDIR;
            case SYMLINK -> FileStat.S_IFLNK;
            case FILE -> FileStat.S_IFREG;
          });
          if (filler.apply(buf, cName(e.name()), statMem, c.position + 3) != 0) {
            return 0; // the kernel's buffer is full: it asks again from c.position
          }
          c.position++;
          c.lastName = e.name();
        }
        if (page.size() < LIST_PAGE) {
          return 0;
        }
      }
    });
  }

  /** Positions a cursor after {@code count} entries, by walking the listing from the start. */
  private void seek(DirCursor c, long count) throws IOException {
    c.position = 0;
    c.lastName = "";
    while (c.position < count) {
      List<FuseBackend.Entry> page = fs.list(c.path, c.lastName, (int) Math.min(LIST_PAGE, count - c.position));
      if (page.isEmpty()) {
        return;
      }
      c.position += page.size();
      c.lastName = page.get(page.size() - 1).name();
    }
  }

  private static ByteBuffer cName(String name) {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(b.length + 1);
    out.put(b).put((byte) 0).flip();
    return out;
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
    return call(Op.MKDIR, path, () -> {
      fs.mkdir(path, caller(mode));
      return 0;
    });
  }

  @Override
  public int rmdir(String path) {
    return call(Op.RMDIR, path, () -> {
      if (!fs.stat(path).isDirectory()) {
        throw new Errno.FsException(Errno.ENOTDIR, path + " is not a directory");
      }
      fs.delete(path, true);
      return 0;
    });
  }

  // ---- names --------------------------------------------------------------------------------

  @Override
  public int unlink(String path) {
    return call(Op.UNLINK, path, () -> {
      WriteHandle w = writers.remove(path);
      if (w != null) {
        w.moveTo(null); // its later flushes must not bring the name back
      }
      try {
        if (fs.stat(path).isDirectory()) {
          throw new Errno.FsException(Errno.EISDIR, path + " is a directory");
        }
        fs.delete(path, false);
      } catch (IOException | RuntimeException e) {
        if (w == null || errnoOf(e) != Errno.ENOENT) {
          throw e;
        }
        // a file created but not committed yet: dropping the writer was the unlink
      }
      return 0;
    });
  }

  @Override
  public int rename(String src, String dst) {
    return call(Op.RENAME, src, () -> {
      WriteHandle w = writers.get(src);
      if (w != null) {
        w.commit(); // a file still open for writing moves with what was written so far
      }
      fs.rename(src, dst);
      WriteHandle replaced = writers.remove(dst);
      if (replaced != null && replaced != w) {
        replaced.moveTo(null);
      }
      if (w != null) {
        writers.remove(src, w);
        w.moveTo(dst);
        writers.put(dst, w);
      }
      // files open for writing below a renamed directory commit under its new name
      String prefix = src + "/";
      for (Map.Entry<String, WriteHandle> e : writers.entrySet()) {
        if (e.getKey().startsWith(prefix) && writers.remove(e.getKey(), e.getValue())) {
          String moved = dst + e.getKey().substring(src.length());
          e.getValue().moveTo(moved);
          writers.put(moved, e.getValue());
        }
      }
      return 0;
    });
  }

  @Override
  public int symlink(String target, String path) {
    return call(Op.SYMLINK, path, () -> {
      fs.symlink(path, target, caller(0777));
      return 0;
    });
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    return call(Op.READLINK, path, () -> {
      FuseBackend.Attr a = fs.stat(path);
      if (a.kind() != FuseBackend.Kind.SYMLINK) {
        throw new Errno.FsException(Errno.EINVAL, path + " is not a symbolic link");
      }
      byte[] b = a.target().getBytes(StandardCharsets.UTF_8);
      int n = (int) Math.min(b.length, size - 1);
      buf.put(0, b, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    });
  }

  // ---- files --------------------------------------------------------------------------------

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return call(Op.CREATE, path, () -> {
      WriteHandle w = WriteHandle.empty(fs, stagingDir, path, syntheticIno.incrementAndGet(), caller(mode));
      writers.put(path, w);
      fi.fh.set(register(w));
      return 0;
    });
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    if (options.zeroOpen()) {
      // the kernel takes ENOSYS as "no open needed": it opens this file and every later one with
      // handle 0, its pages kept, and sends no open or release calls any more
      return call(Op.OPEN, path, () -> -Errno.ENOSYS);
    }
    return call(Op.OPEN, path, () -> {
      int flags = fi.flags.get();
      if ((flags & O_ACCMODE) == O_RDONLY) {
        WriteHandle pending = writers.get(path);
        if (pending != null) {
          pending.commit(); // close-to-open: a reader sees what the writer has written so far
        }
        fi.fh.set(register(new ReadHandle(path)));
        return 0;
      }
      FuseBackend.Attr a = fs.stat(path);
      if (a.isDirectory()) {
        throw new Errno.FsException(Errno.EISDIR, path + " is a directory");
      }
      WriteHandle w = (flags & O_TRUNC) != 0
          ? WriteHandle.empty(fs, stagingDir, path, a.ino(), new FuseBackend.Change(a.mode(), a.uid(), a.gid(), null))
          : WriteHandle.existing(fs, stagingDir, path, a);
      writers.put(path, w);
      fi.fh.set(register(w));
      return 0;
    });
  }

  @Override
  public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return call(Op.READ, path, () -> {
      Object h = fi.fh.get() == 0 && options.zeroOpen() ? null : handle(fi);
      ByteBuffer dst = nativeBuffers ? NativeBuffers.wrap(buf.address(), (int) size) : ByteBuffer.allocate((int) size);
      int n;
      if (h instanceof WriteHandle w) {
        n = w.read(dst, offset);
      } else if (h instanceof ReadHandle r) {
        n = readFully(r.reader(), dst, offset);
      } else {
        ReadHandle r = acquirePathReader(path);
        try {
          n = readFully(r.reader(), dst, offset);
        } finally {
          r.release();
        }
        if (n < size) {
          retirePathReader(path, r); // the end of the file: a whole-file reader is done with it
        }
      }
      if (!nativeBuffers) {
        buf.put(0, dst.array(), 0, n);
      }
      stats.bytesRead.add(n);
      return n;
    });
  }

  private static int readFully(FuseBackend.Reader r, ByteBuffer dst, long offset) throws IOException {
    int n = 0;
    while (dst.hasRemaining()) {
      int got = r.read(dst, offset + n);
      if (got <= 0) {
        break;
      }
      n += got;
    }
    return n;
  }

  private ReadHandle acquirePathReader(String path) {
    if (pathReaders.size() >= MAX_PATH_READERS) {
      pathReaders.forEach(this::retirePathReader);
    }
    while (true) {
      ReadHandle r = pathReaders.computeIfAbsent(path, ReadHandle::new);
      if (r.acquire()) {
        return r;
      }
      pathReaders.remove(path, r);
    }
  }

  private void retirePathReader(String path, ReadHandle r) {
    if (pathReaders.remove(path, r)) {
      r.retire();
    }
  }

  @Override
  public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return call(Op.WRITE, path, () -> {
      if (!(handle(fi) instanceof WriteHandle w)) {
        throw new Errno.FsException(Errno.EBADF, path + " is not open for writing");
      }
      ByteBuffer src;
      if (nativeBuffers) {
        src = NativeBuffers.wrap(buf.address(), (int) size);
      } else {
        byte[] b = new byte[(int) size];
        buf.get(0, b, 0, b.length);
        src = ByteBuffer.wrap(b);
      }
      int n = w.write(src, offset);
      stats.bytesWritten.add(n);
      return n;
    });
  }

  @Override
  public int truncate(String path, @off_t long size) {
    return call(Op.TRUNCATE, path, () -> {
      WriteHandle open = writers.get(path);
      if (open != null) {
        open.truncate(size);
        return 0;
      }
      FuseBackend.Attr a = fs.stat(path);
      if (a.isDirectory()) {
        throw new Errno.FsException(Errno.EISDIR, path + " is a directory");
      }
      WriteHandle w = size == 0
          ? WriteHandle.empty(fs, stagingDir, path, a.ino(), new FuseBackend.Change(a.mode(), a.uid(), a.gid(), null))
          : WriteHandle.existing(fs, stagingDir, path, a);
      try {
        w.truncate(size);
        w.commit();
      } finally {
        w.close();
      }
      return 0;
    });
  }

  @Override
  public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
    return call(Op.TRUNCATE, path, () -> {
      if (!(handle(fi) instanceof WriteHandle w)) {
        throw new Errno.FsException(Errno.EBADF, path + " is not open for writing");
      }
      w.truncate(size);
      return 0;
    });
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    if (options.zeroOpen()) {
      // read-only: nothing to commit; ENOSYS makes the kernel stop sending flushes
      return call(Op.FLUSH, path, () -> -Errno.ENOSYS);
    }
    return call(Op.FLUSH, path, () -> commit(fi));
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    return call(Op.FSYNC, path, () -> commit(fi));
  }

  /**
   * Commits an open writer. A failed commit (a full cache, an under-storage error) abandons it: the
   * error reaches the caller's close() or fsync(), and the namespace keeps what it had before.
   */
  private int commit(FuseFileInfo fi) throws IOException {
    if (handles.get(fi.fh.get()) instanceof WriteHandle w) {
      String p = w.path();
      try {
        w.commit();
      } catch (IOException | RuntimeException e) {
        w.moveTo(null);
        if (p != null) {
          writers.remove(p, w);
        }
        throw e;
      }
    }
    return 0;
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return call(Op.RELEASE, path, () -> {
      Object h = handles.remove(fi.fh.get());
      if (h instanceof WriteHandle w) {
        try {
          w.commit(); // normally a no-op: flush committed it
        } finally {
          String p = w.path();
          if (p != null) {
            writers.remove(p, w);
          }
          w.close();
        }
      } else if (h instanceof ReadHandle r) {
        r.close();
      }
      return 0;
    });
  }

  private long register(Object handle) {
    long id = nextHandle.getAndIncrement();
    handles.put(id, handle);
    return id;
  }

  private Object handle(FuseFileInfo fi) throws Errno.FsException {
    Object h = handles.get(fi.fh.get());
    if (h == null) {
      throw new Errno.FsException(Errno.EBADF, "no open file " + fi.fh.get());
    }
    return h;
  }
}
