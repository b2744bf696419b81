package io.granary.metadata.lmdb;

import io.granary.metadata.Inode;
import io.granary.metadata.MetadataStore;
import io.granary.metadata.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MetadataStore} in one LMDB environment.
 *
 * <p>Why it is shaped like this: LMDB allows one write transaction at a time, so all writes go
 * through one thread, which takes whatever operations are queued and commits them together (each
 * in a nested transaction, so one failing operation rolls back alone). The map is opened
 * {@code MDB_NOSYNC}: a killed process loses nothing (its writes are in the page cache) and a
 * background sync bounds what a power loss can take. When the map fills, the batch is retried after
 * doubling it; resizing needs all read transactions closed, hence the read/write lock.
 */
public final class LmdbMetadataStore implements MetadataStore {
  private static final Logger LOG = LoggerFactory.getLogger(LmdbMetadataStore.class);
  private static final int MAX_BATCH = 512;
  private static final ByteBuffer NEXT_INODE_KEY = directOf("next_inode");

  /** Settings of the environment. */
  public record Options(long initialMapSize, long maxMapSize, long syncIntervalMs) {
    public static Options defaults() {
      return new Options(64L << 20, 1L << 40, 1000);
    }
  }

  final Env<ByteBuffer> env;
  final Dbi<ByteBuffer> inodes;
  final Dbi<ByteBuffer> dentries;
  final Dbi<ByteBuffer> mounts;
  final Dbi<ByteBuffer> blocks;
  private final Dbi<ByteBuffer> meta;
  private final Map<Table, Dbi<ByteBuffer>> tables = new EnumMap<>(Table.class);

  private final Path dir;
  private final Options options;
  private final ReentrantReadWriteLock resizeLock = new ReentrantReadWriteLock();
  private final ConcurrentLinkedQueue<LmdbTxnView.Scratch> scratchPool = new ConcurrentLinkedQueue<>();
  /**
   * Read transactions kept reset between reads and renewed for the next one: lmdbjava allocates
   * native memory for every new transaction, which cost more than the lookups of a path. MDB_NOTLS
   * lets any thread renew any of them; each holds a reader slot while idle, so their number is capped.
   */
  private final ConcurrentLinkedQueue<Txn<ByteBuffer>> idleReadTxns = new ConcurrentLinkedQueue<>();
  private final AtomicInteger idleReadTxnCount = new AtomicInteger();
  private static final int MAX_IDLE_READ_TXNS = 64;
  private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final ScheduledExecutorService syncer;
  private final AtomicLong nextInodeId = new AtomicLong();
  private final LmdbTxnView.Scratch writerScratch = new LmdbTxnView.Scratch();
  private volatile boolean closed;
  private long mapSize;
  private long persistedNextInodeId;

  private LmdbMetadataStore(Path dir, Options options) {
    this.dir = dir;
    this.options = options;
    this.mapSize = options.initialMapSize();
    this.env = Env.create()
        .setMapSize(mapSize)
        .setMaxDbs(16)
        .setMaxReaders(1024)
        .open(dir.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC);
    EnvInfo info = env.info();
    if (info.mapSize > mapSize) {
      mapSize = info.mapSize; // a grown map from an earlier run
    }
    inodes = env.openDbi("inodes", DbiFlags.MDB_CREATE);
    dentries = env.openDbi("dentries", DbiFlags.MDB_CREATE);
    mounts = env.openDbi("mounts", DbiFlags.MDB_CREATE);
    blocks = env.openDbi("blocks", DbiFlags.MDB_CREATE);
    meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
    for (Table t : Table.values()) {
      tables.put(t, env.openDbi(t.dbName(), DbiFlags.MDB_CREATE));
    }
    initInodeCounter();
    writer = Thread.ofPlatform().name("granary-lmdb-writer").daemon(true).unstarted(this::writeLoop);
    writer.start();
    syncer = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().name("granary-lmdb-sync").daemon(true).unstarted(r));
    if (options.syncIntervalMs() > 0) {
      syncer.scheduleWithFixedDelay(this::backgroundSync, options.syncIntervalMs(), options.syncIntervalMs(), TimeUnit.MILLISECONDS);
    }
    ensureRoot();
    LOG.info("metadata opened at {} (map {} MiB, {} inodes)", dir, mapSize >> 20, stats().inodes());
  }

  /** Opens (creating if needed) the store in directory {@code dir}. */
  public static LmdbMetadataStore open(Path dir, Options options) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create metadata directory " + dir, e);
    }
    return new LmdbMetadataStore(dir, options);
  }

  public static LmdbMetadataStore open(Path dir) {
    return open(dir, Options.defaults());
  }

  Dbi<ByteBuffer> table(Table t) {
    return tables.get(t);
  }

  /** Current size of the memory map (it grows when full). */
  public long mapSize() {
    return mapSize;
  }

  public Path directory() {
    return dir;
  }

  // ---- reads ------------------------------------------------------------------------------

  @Override
  public <T> T read(ReadOp<T> op) {
    checkOpen();
    LmdbTxnView.Scratch scratch = takeScratch();
    resizeLock.readLock().lock();
    Txn<ByteBuffer> txn = null;
    try {
      txn = takeReadTxn();
      return op.apply(new LmdbTxnView(this, txn, scratch));
    } finally {
      if (txn != null) {
        giveBackReadTxn(txn); // under the resize lock: a map resize needs every transaction ended
      }
      resizeLock.readLock().unlock();
      scratchPool.offer(scratch);
    }
  }

  private Txn<ByteBuffer> takeReadTxn() {
    Txn<ByteBuffer> idle = idleReadTxns.poll();
    if (idle != null) {
      idleReadTxnCount.decrementAndGet();
      try {
        idle.renew();
        return idle;
      } catch (RuntimeException e) {
        LOG.debug("renewing an idle read transaction failed, starting a new one: {}", e.toString());
      }
    }
    return env.txnRead();
  }

  private void giveBackReadTxn(Txn<ByteBuffer> txn) {
    if (idleReadTxnCount.incrementAndGet() <= MAX_IDLE_READ_TXNS) {
      txn.reset();
      idleReadTxns.offer(txn);
    } else {
      idleReadTxnCount.decrementAndGet();
      txn.close();
    }
  }

  /** Ends the idle read transactions (with the resize lock held for writing: none is in use). */
  private void closeIdleReadTxns() {
    for (Txn<ByteBuffer> t; (t = idleReadTxns.poll()) != null; ) {
      idleReadTxnCount.decrementAndGet();
      t.renew(); // lmdbjava frees only a ready transaction in LMDB; a reset one would leak its reader slot
      t.close();
    }
  }

  private LmdbTxnView.Scratch takeScratch() {
    LmdbTxnView.Scratch s = scratchPool.poll();
    return s != null ? s : new LmdbTxnView.Scratch();
  }

  // ---- writes -----------------------------------------------------------------------------

  @Override
  public <T> T write(WriteOp<T> op) {
    checkOpen();
    if (Thread.currentThread() == writer) {
      throw new IllegalStateException("write() called from inside a write operation");
    }
    Pending<T> p = new Pending<>(op);
    queue.add(p);
    try {
      return p.future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a metadata commit", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }

  private void writeLoop() {
    List<Pending<?>> batch = new ArrayList<>(MAX_BATCH);
    while (true) {
      try {
        Pending<?> first = queue.take();
        if (first.op == null) {
          return; // poison pill from close()
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        boolean stop = batch.removeIf(p -> p.op == null);
        commitBatch(batch);
        batch.clear();
        if (stop) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      } catch (Throwable t) {
        LOG.error("metadata writer failed a batch of {} operations", batch.size(), t);
        for (Pending<?> p : batch) {
          p.future.completeExceptionally(t);
        }
        batch.clear();
      }
    }
  }

  private void commitBatch(List<Pending<?>> batch) {
    while (true) {
      try {
        runBatch(batch);
        return;
      } catch (Env.MapFullException e) {
        growMap();
      }
    }
  }

  private void runBatch(List<Pending<?>> batch) {
    Object[] results = new Object[batch.size()];
    Throwable[] errors = new Throwable[batch.size()];
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      if (batch.size() == 1) {
        try {
          results[0] = batch.get(0).op.apply(new LmdbTxnView(this, txn, writerScratch));
        } catch (Env.MapFullException e) {
          throw e;
        } catch (Throwable t) {
          errors[0] = t;
        }
      } else {
        for (int i = 0; i < batch.size(); i++) {
          try (Txn<ByteBuffer> child = env.txn(txn)) {
            results[i] = batch.get(i).op.apply(new LmdbTxnView(this, child, writerScratch));
            child.commit();
          } catch (Env.MapFullException e) {
            throw e;
          } catch (Throwable t) {
            errors[i] = t;
          }
        }
      }
      if (errors[0] != null && batch.size() == 1) {
        txn.abort();
      } else {
        persistInodeCounter(txn);
        txn.commit();
      }
    } catch (Env.MapFullException e) {
      persistedNextInodeId = 0;
      throw e;
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).complete(results[i], errors[i]);
    }
  }

  private void growMap() {
    long next = Math.min(mapSize * 2, options.maxMapSize());
    if (next <= mapSize) {
      throw new IllegalStateException("metadata map is full at its maximum size " + mapSize + " bytes");
    }
    resizeLock.writeLock().lock();
    try {
      env.setMapSize(next);
      LOG.info("metadata map grown from {} MiB to {} MiB", mapSize >> 20, next >> 20);
      mapSize = next;
    } finally {
      resizeLock.writeLock().unlock();
    }
  }

  // ---- inode ids ---------------------------------------------------------------------------

  private void initInodeCounter() {
    try (Txn<ByteBuffer> txn = env.txnRead()) {
      long next = Inode.ROOT_ID + 1;
      ByteBuffer stored = meta.get(txn, NEXT_INODE_KEY);
      if (stored != null) {
        next = Math.max(next, stored.getLong(0));
      }
      try (var cursor = inodes.openCursor(txn)) {
        if (cursor.last()) {
          next = Math.max(next, cursor.key().getLong(0) + 1);
        }
      }
      nextInodeId.set(next);
      persistedNextInodeId = stored == null ? 0 : stored.getLong(0);
    }
  }

  @Override
  public long newInodeId() {
    return nextInodeId.getAndIncrement();
  }

  /** Called in every write batch: makes the id counter as durable as the records using it. */
  private void persistInodeCounter(Txn<ByteBuffer> txn) {
    long next = nextInodeId.get();
    if (next != persistedNextInodeId) {
      writerScratch.out.reset().putLong(next);
      meta.put(txn, NEXT_INODE_KEY, writerScratch.out.flip());
      persistedNextInodeId = next;
    }
  }

  private void ensureRoot() {
    write(txn -> {
      if (txn.inode(Inode.ROOT_ID).isEmpty()) {
        txn.putInode(Inode.directory(Inode.ROOT_ID, Inode.ROOT_ID, "", System.currentTimeMillis(), 0755));
      }
      return null;
    });
  }

  // ---- housekeeping -----------------------------------------------------------------------

  @Override
  public Stats stats() {
    resizeLock.readLock().lock();
    try (Txn<ByteBuffer> txn = env.txnRead()) {
      long inodeCount = inodes.stat(txn).entries;
      long blockCount = blocks.stat(txn).entries;
      EnvInfo info = env.info();
      long pageSize = env.stat().pageSize;
      return new Stats(inodeCount, blockCount, info.mapSize, (info.lastPageNumber + 1) * pageSize);
    } finally {
      resizeLock.readLock().unlock();
    }
  }

  @Override
  public void sync() {
    resizeLock.readLock().lock();
    try {
      if (!closed) {
        env.sync(true);
      }
    } finally {
      resizeLock.readLock().unlock();
    }
  }

  private void backgroundSync() {
    try {
      sync();
    } catch (RuntimeException e) {
      LOG.warn("metadata sync of {} failed", dir, e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("metadata store " + dir + " is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true; // no new writes from here on
    queue.add(new Pending<>(null));
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Pending<?> left;
    while ((left = queue.poll()) != null) {
      left.future.completeExceptionally(new IllegalStateException("metadata store " + dir + " closed"));
    }
    syncer.shutdownNow();
    resizeLock.writeLock().lock();
    try {
      closeIdleReadTxns();
      env.sync(true);
      env.close();
    } finally {
      resizeLock.writeLock().unlock();
    }
    LOG.info("metadata closed at {}", dir);
  }

  private static ByteBuffer directOf(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  /** A queued write operation and the future its caller waits on. */
  private static final class Pending<T> {
    final WriteOp<T> op;
    final CompletableFuture<T> future = new CompletableFuture<>();

    Pending(WriteOp<T> op) {
      this.op = op;
    }

    @SuppressWarnings("unchecked")
    void complete(Object result, Throwable error) {
      if (error != null) {
        future.completeExceptionally(error);
      } else {
        future.complete((T) result);
      }
    }
  }
}
