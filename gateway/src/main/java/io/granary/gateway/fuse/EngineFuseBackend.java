package io.granary.gateway.fuse;

import io.granary.engine.FileInfo;
import io.granary.engine.GranaryEngine;
import io.granary.engine.ReadType;
import io.granary.engine.WriteOptions;
import io.granary.engine.WriteType;
import io.granary.fuse.FuseBackend;
import io.granary.metadata.InodeType;
import io.granary.storage.TierUsage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The FUSE bridge on the in-process engine. Reads of cached blocks go straight to the block files
 * (one copy, into the kernel's buffer); misses go through the engine's single-flight cold reads.
 */
public final class EngineFuseBackend implements FuseBackend, AutoCloseable {
  private final GranaryEngine engine;
  private final ReadType readType;
  private final WriteType writeType;
  private final ExecutorService prefetch;

  /** {@code options}: {@code read_type}, {@code write_type} (default: each mount's own). */
  public EngineFuseBackend(GranaryEngine engine, Map<String, String> options) {
    this.engine = engine;
    this.readType = options.containsKey("read_type") ? ReadType.parse(options.get("read_type")) : null;
    this.writeType = options.containsKey("write_type") ? WriteType.parse(options.get("write_type")) : null;
    this.prefetch = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
      Thread t = new Thread(r, "granary-fuse-prefetch");
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.DiscardPolicy());
  }

  static Attr attr(FileInfo f) {
    Kind kind = f.type() == InodeType.DIRECTORY ? Kind.DIRECTORY : f.type() == InodeType.SYMLINK ? Kind.SYMLINK : Kind.FILE;
    return new Attr(f.id(), kind, f.length(), f.mtimeMs(), f.mode(), f.uid(), f.gid(), f.target());
  }

  @Override
  public Attr stat(String path) {
    return attr(engine.stat(path));
  }

  @Override
  public List<Entry> list(String path, String startAfter, int limit) {
    List<FileInfo> page = engine.list(path, startAfter, limit);
    List<Entry> out = new ArrayList<>(page.size());
    for (FileInfo f : page) {
      out.add(new Entry(f.name(), attr(f)));
    }
    return out;
  }

  @Override
  public Reader open(String path, long prefetchBytes, int readAheadBlocks) throws IOException {
    FileInfo f = engine.stat(path);
    if (f.isDirectory()) {
      throw new io.granary.error.IsADirectoryException(path + " is a directory");
    }
    EngineReader r = new EngineReader(engine, f, readType, readAheadBlocks > 0 ? prefetch : null, readAheadBlocks);
    if (f.length() > 0 && f.length() <= prefetchBytes && !r.openFirstBlock()) {
      r.prefetchWhole();
    }
    return r;
  }

  @Override
  public Attr commit(String path, Path staged, long length, Change owner) throws IOException {
    try (InputStream in = Files.newInputStream(staged)) {
      engine.write(path, in, length, WriteOptions.defaults().withCreateParents(false).withWriteType(writeType));
    }
    return attr(engine.changePosix(path, owner.mode(), owner.uid(), owner.gid(), null));
  }

  @Override
  public Attr mkdir(String path, Change owner) {
    engine.mkdir(path, false);
    return attr(engine.changePosix(path, owner.mode(), owner.uid(), owner.gid(), null));
  }

  @Override
  public void delete(String path, boolean directory) {
    engine.delete(path, false);
  }

  @Override
  public void rename(String src, String dst) {
    engine.rename(src, dst);
  }

  @Override
  public Attr change(String path, Change c) {
    return attr(engine.changePosix(path, c.mode(), c.uid(), c.gid(), c.mtimeMs()));
  }

  @Override
  public Attr symlink(String path, String target, Change owner) {
    return attr(engine.symlink(path, target, owner.uid(), owner.gid()));
  }

  @Override
  public Capacity capacity() {
    long total = 0;
    long used = 0;
    for (TierUsage t : engine.blockStore().usage()) {
      total += t.capacity();
      used += t.used();
    }
    return new Capacity(total, used);
  }

  @Override
  public int errnoOf(Throwable failure) {
    return FuseErrors.errnoOf(failure);
  }

  @Override
  public void close() {
    prefetch.shutdownNow();
  }
}
