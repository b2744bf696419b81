package io.granary.storage.tiered;

import io.granary.error.OutOfSpaceException;
import io.granary.metadata.BlockIds;
import io.granary.metadata.BlockRecord;
import io.granary.metadata.MetadataStore;
import io.granary.storage.BlockLocation;
import io.granary.storage.BlockStore;
import io.granary.storage.TempBlock;
import io.granary.storage.TierSpec;
import io.granary.storage.TierUsage;
import io.granary.storage.policy.EvictionPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BlockStore} over ordered tier directories.
 *
 * <p>Why it is shaped like this: every byte in a tier is accounted before it is written (a
 * reservation that grows with the temp file), so a tier never overshoots its quota and running
 * out of room is an error at the writer, not a half-written block. Space decisions (reserve,
 * evict, demote) are made under one lock; reads never take it, because a block file unlinked by
 * eviction stays readable through descriptors already open. Eviction demotes to the next tier
 * when it has room and drops the block from the last tier.
 */
public final class TieredBlockStore implements BlockStore {
  static final Logger LOG = LoggerFactory.getLogger(TieredBlockStore.class);
  private static final int VICTIM_BATCH = 32;

  private final List<Tier> tiers = new ArrayList<>();
  private final MetadataStore meta;
  private final EvictionPolicy policy;
  private final LongSupplier clock;
  private final Object allocLock = new Object();
  /** Blocks eviction must not touch: pinned, or not yet in the under-storage. */
  private final Set<Long> protectedBlocks = ConcurrentHashMap.newKeySet();
  /** Blocks being moved between tiers. */
  private final Set<Long> moving = ConcurrentHashMap.newKeySet();
  private final AtomicLong tempSeq = new AtomicLong();
  private final AtomicBoolean watermarkScheduled = new AtomicBoolean();
  private final ExecutorService background = Executors.newSingleThreadExecutor(
      r -> Thread.ofPlatform().name("granary-evictor").daemon(true).unstarted(r));

  private TieredBlockStore(List<TierSpec> specs, MetadataStore meta, EvictionPolicy policy, LongSupplier clock) {
    this.meta = meta;
    this.policy = policy;
    this.clock = clock;
    for (TierSpec spec : specs) {
      tiers.add(new Tier(spec));
    }
  }

  /**
   * Opens the tiers, creating their directories, and reconciles block files with the block index:
   * temp files and files the index does not know are deleted, records whose file is gone are
   * forgotten.
   */
  public static TieredBlockStore open(List<TierSpec> specs, MetadataStore meta, EvictionPolicy policy,
      LongSupplier clock) {
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("at least one tier is needed");
    }
    TieredBlockStore store = new TieredBlockStore(specs, meta, policy, clock);
    store.reconcile();
    return store;
  }

  long now() {
    return clock.getAsLong();
  }

  Path blockPath(int tier, long blockId) {
    long inode = BlockIds.inodeOf(blockId);
    return tiers.get(tier).fanDirs[(int) ((inode ^ (inode >>> 8)) & 0xff)].resolve(Long.toHexString(blockId));
  }

  private static long parseBlockFile(Path file) {
    try {
      return Long.parseUnsignedLong(file.getFileName().toString(), 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  // ---- reads ------------------------------------------------------------------------------

  @Override
  public Optional<BlockLocation> locate(long blockId) {
    return meta.read(v -> v.block(blockId))
        .map(r -> new BlockLocation(blockId, r.tier(), blockPath(r.tier(), blockId), r.length()));
  }

  @Override
  public Path pathOf(BlockRecord record) {
    return blockPath(record.tier(), record.blockId());
  }

  @Override
  public void touch(BlockLocation block) {
    policy.accessed(block.blockId(), block.tier());
  }

  @Override
  public List<TierUsage> usage() {
    return tiers.stream()
        .map(t -> new TierUsage(t.spec.name(), t.spec.quota(), t.used.get(), t.blocks.get()))
        .toList();
  }

  @Override
  public int tierCount() {
    return tiers.size();
  }

  // ---- writes -----------------------------------------------------------------------------

  @Override
  public TempBlock create(long blockId, int tier, long expectedLength) {
    return create(blockId, tier, expectedLength, -1);
  }

  @Override
  public TempBlock createForRead(long blockId, int tier, long expectedLength) {
    policy.missed(blockId);
    return create(blockId, tier, expectedLength, blockId);
  }

  /** @param candidate the block an eviction would admit (subject to the policy), -1 for writes */
  private TempBlock create(long blockId, int tier, long expectedLength, long candidate) {
    long reserve = Math.max(expectedLength, 0);
    int chosen = reserveFrom(Math.min(Math.max(tier, 0), tiers.size() - 1), reserve, blockId, candidate);
    Path tmp = tiers.get(chosen).tmpDir.resolve(Long.toHexString(blockId) + "-" + tempSeq.incrementAndGet());
    try {
      return new TieredTempBlock(this, blockId, chosen, tmp, reserve);
    } catch (IOException e) {
      release(chosen, reserve);
      throw new UncheckedIOException("cannot create temp block " + tmp, e);
    }
  }

  @Override
  public BlockRecord commit(TempBlock block, boolean pinned, boolean unpersisted) {
    BlockRecord record = block.finish(pinned, unpersisted);
    try {
      meta.write(txn -> {
        txn.putBlock(record);
        return null;
      });
    } catch (RuntimeException e) {
      discardFinished(List.of(record));
      throw e;
    }
    committed(List.of(record));
    return record;
  }

  @Override
  public BlockRecord link(BlockRecord source, long newBlockId, boolean unpersisted) {
    Path from = blockPath(source.tier(), source.blockId());
    Path to = blockPath(source.tier(), newBlockId);
    try {
      Files.deleteIfExists(to);
      Files.createLink(to, from);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot link block " + Long.toHexString(source.blockId()) + " as "
          + Long.toHexString(newBlockId), e);
    }
    // the link shares the bytes, but each name is accounted until the old one is removed
    tiers.get(source.tier()).used.addAndGet(source.length());
    return new BlockRecord(newBlockId, source.tier(), source.length(), now(), source.pinned(), unpersisted);
  }

  @Override
  public void committed(Collection<BlockRecord> records) {
    for (BlockRecord r : records) {
      Tier t = tiers.get(r.tier());
      t.blocks.incrementAndGet();
      if (!r.evictable()) {
        protectedBlocks.add(r.blockId());
      }
      policy.added(r.blockId(), r.tier(), r.lastAccessMs());
    }
    checkWatermarks();
  }

  @Override
  public void discardFinished(Collection<BlockRecord> records) {
    for (BlockRecord r : records) {
      deleteQuietly(blockPath(r.tier(), r.blockId()));
      release(r.tier(), r.length());
    }
  }

  @Override
  public void removed(Collection<BlockRecord> records) {
    for (BlockRecord r : records) {
      deleteQuietly(blockPath(r.tier(), r.blockId()));
      Tier t = tiers.get(r.tier());
      t.used.addAndGet(-r.length());
      t.blocks.decrementAndGet();
      protectedBlocks.remove(r.blockId());
      policy.removed(r.blockId(), r.tier());
    }
  }

  @Override
  public long free(long inodeId) {
    List<BlockRecord> gone = meta.write(txn -> {
      List<BlockRecord> list = txn.blocksOf(inodeId);
      txn.removeBlocksOf(inodeId);
      return list;
    });
    removed(gone);
    return gone.stream().mapToLong(BlockRecord::length).sum();
  }

  @Override
  public void setFlags(long inodeId, boolean pinned, boolean unpersisted) {
    List<BlockRecord> changed = meta.write(txn -> {
      List<BlockRecord> list = new ArrayList<>();
      for (BlockRecord r : txn.blocksOf(inodeId)) {
        BlockRecord n = r.withPinned(pinned).withUnpersisted(unpersisted);
        txn.putBlock(n);
        list.add(n);
      }
      return list;
    });
    for (BlockRecord r : changed) {
      if (r.evictable()) {
        protectedBlocks.remove(r.blockId());
      } else {
        protectedBlocks.add(r.blockId());
      }
    }
  }

  // ---- space ------------------------------------------------------------------------------

  /** Reserves {@code bytes} in the first tier from {@code first} down that has or can make room. */
  private int reserveFrom(int first, long bytes, long forBlock, long candidate) {
    synchronized (allocLock) {
      for (int t = first; t < tiers.size(); t++) {
        if (makeSpace(t, bytes, tiers.get(t).spec.quota(), candidate)) {
          tiers.get(t).used.addAndGet(bytes);
          return t;
        }
      }
    }
    throw outOfSpace(first, bytes, forBlock);
  }

  /** Reserves more room for a growing temp block in its own tier. */
  void reserveIn(int tier, long bytes, long forBlock) {
    synchronized (allocLock) {
      if (makeSpace(tier, bytes, tiers.get(tier).spec.quota())) {
        tiers.get(tier).used.addAndGet(bytes);
        return;
      }
    }
    throw outOfSpace(tier, bytes, forBlock);
  }

  void release(int tier, long bytes) {
    if (bytes != 0) {
      tiers.get(tier).used.addAndGet(-bytes);
    }
  }

  private OutOfSpaceException outOfSpace(int tier, long bytes, long forBlock) {
    Tier t = tiers.get(tier);
    return new OutOfSpaceException("no room for " + bytes + " bytes of block " + Long.toHexString(forBlock)
        + " from tier " + t.spec.name() + " down: " + t.used.get() + " of " + t.spec.quota()
        + " bytes used and nothing more can be evicted (pinned or not yet persisted)");
  }

  /**
   * Evicts from {@code tier} until {@code bytes} more fit under {@code limit}. Must hold allocLock.
   * Returns false if not enough is evictable.
   */
  private boolean makeSpace(int tier, long bytes, long limit) {
    return makeSpace(tier, bytes, limit, -1);
  }

  /**
   * Evicts from {@code tier} until {@code bytes} more fit under {@code limit}, asking the policy
   * before each eviction made for {@code candidate} (a block a read wants cached; -1: none).
   */
  private boolean makeSpace(int tier, long bytes, long limit, long candidate) {
    Tier t = tiers.get(tier);
    if (bytes > limit) {
      return false;
    }
    Set<Long> skipped = new HashSet<>();
    while (t.used.get() + bytes > limit) {
      List<Long> victims = policy.victims(tier, VICTIM_BATCH + skipped.size());
      boolean progress = false;
      for (Long id : victims) {
        if (t.used.get() + bytes <= limit) {
          break;
        }
        if (skipped.contains(id) || protectedBlocks.contains(id) || !moving.add(id)) {
          skipped.add(id);
          continue;
        }
        if (candidate >= 0 && !policy.admit(candidate, id)) {
          moving.remove(id);
          return false; // what is cached is worth more than the newcomer
        }
        try {
          progress |= evict(id, tier);
        } finally {
          moving.remove(id);
        }
      }
      if (!progress && victims.stream().allMatch(skipped::contains)) {
        return false;
      }
    }
    return true;
  }

  /** Demotes the block to the next tier with room, or drops it from the last. Holds allocLock. */
  private boolean evict(long blockId, int tier) {
    Optional<BlockRecord> current = meta.read(v -> v.block(blockId));
    if (current.isEmpty() || current.get().tier() != tier) {
      policy.removed(blockId, tier); // stale entry
      return true;
    }
    BlockRecord r = current.get();
    for (int lower = tier + 1; lower < tiers.size(); lower++) {
      if (makeSpace(lower, r.length(), tiers.get(lower).spec.quota())) {
        tiers.get(lower).used.addAndGet(r.length());
        if (moveFile(r, lower)) {
          return true;
        }
        release(lower, r.length());
        break;
      }
    }
    boolean removed = meta.write(txn -> {
      Optional<BlockRecord> now = txn.block(blockId);
      return now.isPresent() && now.get().tier() == tier && txn.removeBlock(blockId);
    });
    if (removed) {
      removed(List.of(r));
      LOG.debug("evicted block {} from tier {}", Long.toHexString(blockId), tiers.get(tier).spec.name());
    }
    return true;
  }

  /**
   * Copies a block file to {@code toTier} (space already reserved there), switches its record,
   * then deletes the old file. Returns false, releasing nothing, if the block changed meanwhile.
   */
  private boolean moveFile(BlockRecord r, int toTier) {
    Path from = blockPath(r.tier(), r.blockId());
    Path tmp = tiers.get(toTier).tmpDir.resolve(Long.toHexString(r.blockId()) + "-" + tempSeq.incrementAndGet());
    Path to = blockPath(toTier, r.blockId());
    try {
      Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (NoSuchFileException e) {
      deleteQuietly(tmp);
      return false;
    } catch (IOException e) {
      deleteQuietly(tmp);
      LOG.warn("could not move block {} from {} to {}", Long.toHexString(r.blockId()), from, to, e);
      return false;
    }
    boolean switched = meta.write(txn -> {
      Optional<BlockRecord> now = txn.block(r.blockId());
      if (now.isEmpty() || now.get().tier() != r.tier()) {
        return false;
      }
      txn.putBlock(now.get().inTier(toTier));
      return true;
    });
    if (!switched) {
      deleteQuietly(to);
      return false;
    }
    deleteQuietly(from);
    Tier old = tiers.get(r.tier());
    old.used.addAndGet(-r.length());
    old.blocks.decrementAndGet();
    tiers.get(toTier).blocks.incrementAndGet();
    policy.removed(r.blockId(), r.tier());
    policy.added(r.blockId(), toTier, now());
    return true;
  }

  @Override
  public boolean promote(long blockId, int toTier) {
    return move(blockId, toTier, true);
  }

  @Override
  public boolean demote(long blockId, int toTier) {
    return move(blockId, toTier, false);
  }

  private boolean move(long blockId, int toTier, boolean up) {
    if (toTier < 0 || toTier >= tiers.size() || !moving.add(blockId)) {
      return false;
    }
    try {
      Optional<BlockRecord> r = meta.read(v -> v.block(blockId));
      if (r.isEmpty() || (up ? r.get().tier() <= toTier : r.get().tier() >= toTier)) {
        return false;
      }
      long len = r.get().length();
      synchronized (allocLock) {
        if (!makeSpace(toTier, len, tiers.get(toTier).spec.quota())) {
          return false;
        }
        tiers.get(toTier).used.addAndGet(len);
      }
      if (!moveFile(r.get(), toTier)) {
        release(toTier, len);
        return false;
      }
      return true;
    } finally {
      moving.remove(blockId);
    }
  }

  private void checkWatermarks() {
    if (!policy.evictsAhead()) {
      return;
    }
    for (Tier t : tiers) {
      if (t.used.get() > t.spec.quota() * t.spec.highWatermark()) {
        if (watermarkScheduled.compareAndSet(false, true)) {
          background.execute(this::evictToLowWatermarks);
        }
        return;
      }
    }
  }

  private void evictToLowWatermarks() {
    watermarkScheduled.set(false);
    try {
      synchronized (allocLock) {
        for (int i = 0; i < tiers.size(); i++) {
          Tier t = tiers.get(i);
          if (t.used.get() > t.spec.quota() * t.spec.highWatermark()) {
            makeSpace(i, 0, (long) (t.spec.quota() * t.spec.lowWatermark()));
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("background eviction failed", e);
    }
  }

  // ---- startup ----------------------------------------------------------------------------

  private void reconcile() {
    Set<Long> found = new HashSet<>();
    for (int i = 0; i < tiers.size(); i++) {
      Tier t = tiers.get(i);
      int tierIndex = i;
      try {
        for (Path fanDir : t.fanDirs) {
          Files.createDirectories(fanDir);
        }
        Files.createDirectories(t.tmpDir);
        int temps = deleteAll(t.tmpDir);
        List<BlockRecord> kept = new ArrayList<>();
        int orphans = 0;
        try (Stream<Path> files = Files.walk(t.blocksDir)) {
          for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
            long id = parseBlockFile(f);
            Optional<BlockRecord> r = id < 0 ? Optional.empty() : meta.read(v -> v.block(id));
            if (r.isPresent() && r.get().tier() == tierIndex && r.get().length() == Files.size(f)
                && f.equals(blockPath(tierIndex, id))) {
              kept.add(r.get());
              found.add(id);
            } else {
              deleteQuietly(f);
              orphans++;
            }
          }
        }
        kept.sort(Comparator.comparingLong(BlockRecord::lastAccessMs));
        for (BlockRecord r : kept) {
          t.used.addAndGet(r.length());
          t.blocks.incrementAndGet();
          if (!r.evictable()) {
            protectedBlocks.add(r.blockId());
          }
          policy.added(r.blockId(), tierIndex, r.lastAccessMs());
        }
        LOG.info("cache tier {} at {}: {} blocks, {} bytes of {}; removed {} orphan and {} temp files",
            t.spec.name(), t.spec.dir(), kept.size(), t.used.get(), t.spec.quota(), orphans, temps);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open cache tier " + t.spec.name() + " at " + t.spec.dir(), e);
      }
    }
    List<Long> missing = new ArrayList<>();
    meta.read(v -> {
      v.scanBlocks(r -> {
        if (!found.contains(r.blockId())) {
          missing.add(r.blockId());
        }
        return true;
      });
      return null;
    });
    if (!missing.isEmpty()) {
      meta.write(txn -> {
        missing.forEach(txn::removeBlock);
        return null;
      });
      LOG.info("forgot {} cached blocks whose files are gone", missing.size());
    }
  }

  private static int deleteAll(Path dir) throws IOException {
    int n = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        deleteQuietly(f);
        n++;
      }
    }
    return n;
  }

  private static void deleteQuietly(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      LOG.warn("could not delete {}", f, e);
    }
  }

  @Override
  public void close() {
    background.shutdownNow();
  }

  /** A tier directory and its accounting (bytes include reservations of blocks being written). */
  private static final class Tier {
    final TierSpec spec;
    final Path blocksDir;
    /** blocks/00 to blocks/ff: a block file's directory comes from a hash of its inode id. */
    final Path[] fanDirs = new Path[256];
    final Path tmpDir;
    final AtomicLong used = new AtomicLong();
    final AtomicLong blocks = new AtomicLong();

    Tier(TierSpec spec) {
      this.spec = spec;
      this.blocksDir = spec.dir().resolve("blocks");
      for (int fan = 0; fan < fanDirs.length; fan++) {
        fanDirs[fan] = blocksDir.resolve(String.format("%02x", fan));
      }
      this.tmpDir = spec.dir().resolve("tmp");
    }
  }
}
