package io.granary.engine;

import io.granary.metadata.BlockRecord;
import io.granary.metadata.Inode;
import io.granary.metadata.MetaTxn;
import io.granary.metadata.MetadataStore;
import io.granary.metadata.Table;
import io.granary.storage.BlockStore;
import io.granary.storage.ufs.UfsStatus;
import io.granary.storage.ufs.support.PutSource;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background persistence of ASYNC_THROUGH files. The queue is a table in the metadata store,
 * written in the same transaction as the file, so a file acknowledged to a client is queued even
 * if the gateway is killed a moment later; a restart carries on from the table. Jobs run in
 * order, one at a time; a failing under-storage is retried with exponential backoff (the head
 * job waits, so later ones keep their order), and the bytes are paced to a bandwidth limit. A
 * job names the inode, not the path: a file renamed meanwhile is persisted under its new name,
 * one deleted or replaced meanwhile is dropped.
 */
final class Persister implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Persister.class);
  private static final long MAX_BACKOFF_MS = 30_000;

  private final GranaryEngine engine;
  private final MetadataStore meta;
  private final BlockStore blocks;
  private final AtomicLong seq = new AtomicLong();
  private final AtomicLong length = new AtomicLong();
  private final Object signal = new Object();
  private volatile long bandwidth;
  private volatile boolean running;
  private Thread thread;

  Persister(GranaryEngine engine, MetadataStore meta, BlockStore blocks) {
    this.engine = engine;
    this.meta = meta;
    this.blocks = blocks;
  }

  private static byte[] key(long s) {
    return ByteBuffer.allocate(8).putLong(s).array();
  }

  /** A queued job: which file, and since when. */
  private record Job(byte[] key, long inodeId, long enqueuedMs) {}

  void start() {
    long[] last = {0};
    long[] count = {0};
    meta.read(v -> {
      v.scan(Table.PERSIST_QUEUE, new byte[0], e -> {
        last[0] = ByteBuffer.wrap(e.key()).getLong();
        count[0]++;
        return true;
      });
      return null;
    });
    seq.set(last[0] + 1);
    length.set(count[0]);
    running = true;
    thread = Thread.ofPlatform().name("granary-persister").daemon(true).unstarted(this::loop);
    thread.start();
    if (count[0] > 0) {
      LOG.info("resuming the persist queue: {} files not yet in their under-storage", count[0]);
    }
  }

  /** Queues a file in the caller's transaction (the one that commits it); call {@link #enqueued()} after the commit. */
  void enqueue(MetaTxn txn, long inodeId, long now) {
    txn.put(Table.PERSIST_QUEUE, key(seq.getAndIncrement()),
        ByteBuffer.allocate(16).putLong(inodeId).putLong(now).array());
  }

  /** A queued file was committed: count it and wake the persister. */
  void enqueued() {
    length.incrementAndGet();
    wake();
  }

  void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  void bandwidth(long bytesPerSecond) {
    this.bandwidth = Math.max(0, bytesPerSecond);
  }

  long length() {
    return length.get();
  }

  long oldestPendingMs(long now) {
    Job head = head();
    return head == null ? 0 : Math.max(0, now - head.enqueuedMs());
  }

  private Job head() {
    Job[] out = {null};
    meta.read(v -> {
      v.scan(Table.PERSIST_QUEUE, new byte[0], e -> {
        ByteBuffer b = ByteBuffer.wrap(e.value());
        out[0] = new Job(e.key(), b.getLong(), b.getLong());
        return false;
      });
      return null;
    });
    return out[0];
  }

  private void loop() {
    int failures = 0;
    while (running) {
      Job job;
      try {
        job = head();
      } catch (RuntimeException e) {
        if (!running) {
          return; // the store closed under us
        }
        throw e;
      }
      if (job == null) {
        synchronized (signal) {
          try {
            signal.wait(1000);
          } catch (InterruptedException e) {
            return;
          }
        }
        continue;
      }
      try {
        persist(job);
        failures = 0;
      } catch (IOException | RuntimeException e) {
        if (!running) {
          return;
        }
        failures++;
        long backoff = Math.min(MAX_BACKOFF_MS, 100L << Math.min(failures, 20));
        LOG.warn("persisting inode {} failed (attempt {}), retrying in {} ms: {}", job.inodeId(), failures, backoff,
            e.getMessage());
        synchronized (signal) {
          try {
            signal.wait(backoff);
          } catch (InterruptedException ie) {
            return;
          }
        }
      }
    }
  }

  private void persist(Job job) throws IOException {
    String path = engine.pathOf(job.inodeId());
    Optional<Inode> node = meta.read(v -> v.inode(job.inodeId()));
    if (path == null || node.isEmpty() || node.get().persisted()) {
      done(job, null); // deleted or replaced meanwhile, or already there
      length.decrementAndGet();
      return;
    }
    Inode n = node.get();
    List<BlockRecord> records = meta.read(v -> v.blocksOf(n.id()));
    long cached = records.stream().mapToLong(BlockRecord::length).sum();
    if (cached != n.length()) {
      LOG.error("cannot persist {}: only {} of {} bytes are cached; dropping the job", path, cached, n.length());
      done(job, null);
      length.decrementAndGet();
      return;
    }
    Mount m = engine.mountFor(path);
    String rel = m.relative(NamespacePath.of(path));
    try (PathLocks.Held held = engine.pathLocks.lock(path)) {
      // under the lock, no write-through, delete or rename of this path runs: check that it still
      // names this unpersisted file, or an older upload could land after a newer change
      boolean pending = meta.read(v -> v.inode(n.id())).map(cur -> !cur.persisted()).orElse(false);
      if (!pending) {
        done(job, null); // deleted or replaced meanwhile, or already there
        length.decrementAndGet();
        return;
      }
      if (!path.equals(engine.pathOf(n.id()))) {
        return; // renamed since the job was read: the loop takes it again under the new name
      }
      // unpaced, the blocks go file to file in the kernel (a local under-storage copies them there)
      try (PutSource data = bandwidth > 0
          ? PutSource.replayable(() -> paced(engine.blockSource(records, n.length())), n.length())
          : engine.blockSource(records, n.length())) {
        m.ufs().put(rel, data, n.length());
      }
      UfsStatus s = m.ufs().stat(rel).orElseThrow(() -> new IOException("the under-storage lost " + rel + " right after the put"));
      done(job, n.withPersisted(true).withContent(n.length(), s.mtimeMs(), s.fingerprint()));
    }
    // the records changed in done()'s transaction; this updates the store's in-memory view
    boolean pinned = meta.read(v -> v.inode(n.id())).map(Inode::pinned).orElse(false);
    blocks.setFlags(n.id(), pinned, false);
    length.decrementAndGet();
    LOG.debug("persisted {} ({} bytes) to {}", path, n.length(), m.entry().uri());
  }

  /** Removes the job, and marks the file persisted if {@code persisted} is given and still current. */
  private void done(Job job, Inode persisted) {
    meta.write(txn -> {
      if (persisted != null) {
        txn.inode(persisted.id()).filter(cur -> !cur.persisted() && cur.length() == persisted.length())
            .ifPresent(cur -> {
              txn.putInode(cur.withPersisted(true)
                  .withContent(cur.length(), persisted.mtimeMs(), persisted.fingerprint())
                  .withSync(System.currentTimeMillis(), cur.childrenSyncMs()));
              for (BlockRecord b : txn.blocksOf(cur.id())) {
                txn.putBlock(b.withUnpersisted(false)); // evictable in the same commit
              }
            });
      }
      txn.delete(Table.PERSIST_QUEUE, job.key());
      return null;
    });
  }

  private InputStream paced(InputStream in) {
    return new FilterInputStream(in) {
      private long start = System.nanoTime();
      private long sent;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        long limit = bandwidth;
        int n = super.read(b, off, limit > 0 ? (int) Math.min(len, Math.max(1, limit / 10)) : len);
        if (n > 0 && limit > 0) {
          sent += n;
          long due = start + sent * 1_000_000_000L / limit;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
        }
        return n;
      }
    };
  }

  @Override
  public void close() {
    running = false;
    wake();
    if (thread != null) {
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
