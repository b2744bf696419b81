package io.granary.engine;

import io.granary.error.AlreadyExistsException;
import io.granary.error.CrossMountException;
import io.granary.error.DirectoryNotEmptyException;
import io.granary.error.InvalidArgumentException;
import io.granary.error.GranaryException;
import io.granary.error.IsADirectoryException;
import io.granary.error.NotADirectoryException;
import io.granary.error.NotFoundException;
import io.granary.error.OutOfSpaceException;
import io.granary.error.UnderStorageException;
import io.granary.metadata.BlockIds;
import io.granary.metadata.BlockRecord;
import io.granary.metadata.DirEntry;
import io.granary.metadata.Inode;
import io.granary.metadata.MetaView;
import io.granary.metadata.MetadataStore;
import io.granary.metadata.MountEntry;
import io.granary.storage.BlockLocation;
import io.granary.storage.BlockStore;
import io.granary.storage.TempBlock;
import io.granary.storage.ufs.MeteredUnderStorage;
import io.granary.storage.ufs.UfsListing;
import io.granary.storage.ufs.UfsStatus;
import io.granary.storage.ufs.support.PutSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where metadata, cached blocks and under-storages meet. Every front door (S3,
 * gRPC, FUSE) calls these methods; they block, so front doors call them from worker threads.
 *
 * <p>Why it is shaped like this: the under-storage is the source of truth for mounted data, so a
 * path unknown to the metadata store is looked up in the under-storage on demand and a known one
 * is re-checked when its mount's sync interval has passed; a changed fingerprint drops the cached
 * blocks. Data is written to temp blocks first and becomes visible in one metadata transaction
 * together with the new inode, so a reader never sees half a file. Missing blocks are fetched once
 * however many readers want them (see {@link ColdFetch}).
 */
public final class GranaryEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GranaryEngine.class);
  private static final int PAGE = 1000;

  /** Creates under-storage connectors; tests may wrap the real ones. */
  @FunctionalInterface
  public interface UfsFactory {
    MeteredUnderStorage create(String uri, Map<String, String> options);
  }

  private final MetadataStore meta;
  private final BlockStore blocks;
  private final EngineOptions opts;
  private final UfsFactory ufsFactory;
  private final MountTable mounts = new MountTable();
  private final EngineMetrics metrics = new EngineMetrics();
  private final ConcurrentHashMap<Long, ColdFetch> inflight = new ConcurrentHashMap<>();
  private final ExecutorService ufsPool;
  private final MultipartUploads uploads;
  private final Ttls ttls;
  private final Persister persister;
  final PathLocks pathLocks = new PathLocks();
  private final java.util.concurrent.ScheduledExecutorService ttlChecker;

  public GranaryEngine(MetadataStore meta, BlockStore blocks, EngineOptions opts, UfsFactory ufsFactory) {
    this.meta = meta;
    this.blocks = blocks;
    this.opts = opts;
    this.ufsFactory = ufsFactory;
    AtomicInteger n = new AtomicInteger();
    this.ufsPool = Executors.newFixedThreadPool(opts.ufsThreads(),
        r -> Thread.ofPlatform().name("granary-ufs-" + n.incrementAndGet()).daemon(true).unstarted(r));
    this.uploads = new MultipartUploads(this, meta, blocks);
    this.ttls = new Ttls(this, meta);
    this.persister = new Persister(this, meta, blocks);
    this.ttlChecker = Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().name("granary-ttl").daemon(true).unstarted(r));
  }

  /** Starts checking TTLs every second (tests with an injected clock call {@link #expireTtls()} instead). */
  public void startTtlChecks() {
    ttlChecker.scheduleWithFixedDelay(() -> {
      try {
        expireTtls();
      } catch (RuntimeException e) {
        LOG.warn("TTL check failed", e);
      }
    }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
  }

  /**
   * Opens the stored mount table, mounting {@code rootUri} at "/" the first time. A root URI that
   * differs from the stored one is reported and the stored one kept: the namespace belongs to it.
   */
  public void start(String rootUri, Map<String, String> rootOptions) {
    List<MountEntry> stored = meta.read(MetaView::mounts);
    Optional<MountEntry> root = stored.stream().filter(e -> e.path().equals("/")).findFirst();
    if (root.isEmpty()) {
      MountEntry entry = new MountEntry("/", rootUri, rootOptions);
      meta.write(txn -> {
        txn.putMount(entry);
        txn.putInode(txn.inode(Inode.ROOT_ID).orElseThrow().withMountPoint(true));
        return null;
      });
      stored = meta.read(MetaView::mounts);
    } else if (!root.get().uri().equals(rootUri)) {
      LOG.warn("configured root under-storage {} differs from the stored root mount {}; keeping the stored one",
          rootUri, root.get().uri());
    }
    for (MountEntry e : stored) {
      mounts.add(Mount.of(e, ufsFactory.create(e.uri(), e.options())));
      LOG.info("mounted {} at {}", e.uri(), e.path());
    }
    persister.start();
  }

  public EngineMetrics metrics() {
    return metrics;
  }

  public BlockStore blockStore() {
    return blocks;
  }

  public MetadataStore metadataStore() {
    return meta;
  }

  /** Bytes read from all under-storages, including unmounted ones. */
  public long ufsBytesRead() {
    return mounts.ufsBytesRead();
  }

  /** Ranged reads opened on all under-storages. */
  public long ufsOpens() {
    return mounts.ufsOpens();
  }

  private long now() {
    return opts.clock().getAsLong();
  }

  long clockMs() {
    return now();
  }

  long blockSize() {
    return opts.blockSize();
  }

  Mount mountOf(NamespacePath p) {
    return mounts.resolve(p);
  }

  Inode mkdirsFor(NamespacePath p, WriteType wt) {
    return mkdirs(p, wt);
  }

  Optional<Inode> childOf(Inode parent, NamespacePath p) {
    return lookupChild(parent, p);
  }

  // ---- namespace reads ---------------------------------------------------------------------

  /**
   * The file at {@code path} if the metadata store knows it and it is not due for a check against
   * its under-storage: LMDB reads only, never the under-storage, so an event loop may call it.
   */
  public Optional<FileInfo> statIfKnown(String path) {
    NamespacePath p;
    try {
      p = NamespacePath.of(path);
    } catch (GranaryException e) {
      return Optional.empty();
    }
    Inode n = resolveKnown(p);
    return n == null ? Optional.empty() : Optional.of(FileInfo.of(p, n));
  }

  /** The file or directory at {@code path}. */
  public FileInfo stat(String path) {
    NamespacePath p = NamespacePath.of(path);
    return FileInfo.of(p, resolve(p));
  }

  /**
   * Up to {@code limit} entries of a directory in UTF-8 byte order, after {@code startAfter}
   * (null or "": from the start). Loads or re-checks the listing from the under-storage first when
   * the mount's sync interval says so.
   */
  public List<FileInfo> list(String path, String startAfter, int limit) {
    NamespacePath p = NamespacePath.of(path);
    Inode dir = resolve(p);
    if (!dir.isDirectory()) {
      throw new NotADirectoryException(p + " is not a directory");
    }
    syncChildren(p, dir);
    return meta.read(v -> {
      List<FileInfo> out = new ArrayList<>();
      for (DirEntry e : v.list(dir.id(), startAfter, limit)) {
        v.inode(e.childId()).ifPresent(n -> out.add(FileInfo.of(childOf(p, e.name()), n)));
      }
      return out;
    });
  }

  private static NamespacePath childOf(NamespacePath parent, String name) {
    List<String> c = new ArrayList<>(parent.components().size() + 1);
    c.addAll(parent.components());
    c.add(name);
    return new NamespacePath(parent.isRoot() ? "/" + name : parent.path() + "/" + name, List.copyOf(c));
  }

  private Inode root() {
    return meta.read(v -> v.inode(Inode.ROOT_ID)).orElseThrow();
  }

  /** The inode at {@code p}, loaded or re-checked against its under-storage as needed. */
  private Inode resolve(NamespacePath p) {
    Inode known = resolveKnown(p);
    if (known != null) {
      return known;
    }
    Inode cur = root();
    NamespacePath curPath = NamespacePath.ROOT;
    for (String name : p.components()) {
      if (!cur.isDirectory()) {
        throw new NotADirectoryException(curPath + " is not a directory (resolving " + p + ")");
      }
      NamespacePath childPath = childOf(curPath, name);
      Optional<Inode> child = lookupChild(cur, childPath);
      if (child.isEmpty()) {
        throw new NotFoundException("no such file or directory: " + p);
      }
      cur = child.get();
      curPath = childPath;
    }
    return cur;
  }

  /**
   * The fast path: the whole walk in one read transaction, when every component is known and none
   * is due for a check against its under-storage. Null sends the caller to the slow path.
   */
  private Inode resolveKnown(NamespacePath p) {
    long now = now();
    return meta.read(v -> {
      Inode cur = v.inode(Inode.ROOT_ID).orElse(null);
      NamespacePath curPath = NamespacePath.ROOT;
      for (String name : p.components()) {
        if (cur == null || !cur.isDirectory()) {
          return null;
        }
        Inode child = v.child(cur.id(), name).orElse(null);
        if (child == null) {
          return null;
        }
        curPath = childOf(curPath, name);
        if (!child.mountPoint() && child.persisted() && mounts.resolve(curPath).due(child.lastSyncMs(), now)) {
          return null;
        }
        cur = child;
      }
      return cur;
    });
  }

  private Optional<Inode> lookupChild(Inode parent, NamespacePath childPath) {
    Optional<Inode> known = meta.read(v -> v.child(parent.id(), childPath.name()));
    Mount m = mounts.resolve(childPath);
    long now = now();
    if (known.isPresent()) {
      Inode c = known.get();
      if (c.mountPoint() || !c.persisted() || !m.due(c.lastSyncMs(), now)) {
        return known;
      }
      return refresh(parent, childPath, c, m, now);
    }
    if (!parent.persisted() || (parent.childrenSyncMs() >= 0 && !m.due(parent.childrenSyncMs(), now))) {
      return Optional.empty(); // nothing in the under-storage below it, or its fresh listing says no
    }
    Optional<UfsStatus> st = m.ufs().stat(m.relative(childPath));
    if (st.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(meta.write(txn -> {
      Optional<Inode> raced = txn.child(parent.id(), childPath.name());
      if (raced.isPresent()) {
        return raced.get();
      }
      if (txn.inode(parent.id()).isEmpty()) {
        throw new NotFoundException("no such file or directory: " + childPath.parent());
      }
      Inode n = withMountPolicy(txn, fromUfs(txn.newInodeId(), parent.id(), st.get(), now), m, now);
      txn.putInode(n);
      txn.link(parent.id(), n.name(), n.id());
      metrics.ufsMetadataLoads.increment();
      return n;
    }));
  }

  /** A new file under a mount gets the mount's pin and TTL. */
  private static Inode withMountPolicy(io.granary.metadata.MetaTxn txn, Inode n, Mount m, long now) {
    if (!n.isFile()) {
      return n;
    }
    Inode out = m.pin() ? n.withPinned(true) : n;
    return m.ttlMs() > 0 ? Ttls.schedule(txn, out, now + m.ttlMs(), Ttls.Action.valueOf(m.ttlAction())) : out;
  }

  /** Index of the tier a mount's new blocks land in. */
  int tierOf(Mount m) {
    if (m.tier().isEmpty()) {
      return 0;
    }
    List<io.granary.storage.TierUsage> tiers = blocks.usage();
    for (int i = 0; i < tiers.size(); i++) {
      if (tiers.get(i).name().equalsIgnoreCase(m.tier())) {
        return i;
      }
    }
    throw new InvalidArgumentException("no tier named " + m.tier() + " (tiers: "
        + tiers.stream().map(io.granary.storage.TierUsage::name).toList() + ")");
  }

  private Inode fromUfs(long id, long parentId, UfsStatus s, long now) {
    if (s.directory()) {
      return Inode.directory(id, parentId, s.name(), s.mtimeMs(), 0755)
          .withContent(0, s.mtimeMs(), s.fingerprint()).withSync(now, -1);
    }
    return Inode.file(id, parentId, s.name(), s.length(), s.mtimeMs(), opts.blockSize(), true)
        .withContent(s.length(), s.mtimeMs(), s.fingerprint()).withSync(now, -1);
  }

  /** A file whose under-storage content changed: new length and fingerprint, uniform blocks again. */
  private static Inode changedContent(Inode n, UfsStatus s) {
    Map<String, String> attrs = new java.util.HashMap<>(n.attributes());
    attrs.remove(Layout.ATTRIBUTE);
    attrs.remove("etag");
    return n.withContent(s.length(), s.mtimeMs(), s.fingerprint()).withAttributes(attrs);
  }

  /** Re-checks a known, persisted inode against the under-storage. */
  private Optional<Inode> refresh(Inode parent, NamespacePath p, Inode known, Mount m, long now) {
    Optional<UfsStatus> st = m.ufs().stat(m.relative(p));
    if (st.isEmpty() || st.get().directory() != known.isDirectory()) {
      LOG.info("{} is gone from {} or changed type: forgetting it", p, m.entry().uri());
      forgetTree(parent.id(), known);
      return st.isEmpty() ? Optional.empty() : lookupChild(parent, p);
    }
    UfsStatus s = st.get();
    boolean changed = known.isFile() && !s.fingerprint().equals(known.fingerprint());
    List<BlockRecord> dropped = new ArrayList<>();
    Inode updated = meta.write(txn -> {
      dropped.clear(); // a batch re-run after the map grew runs this again
      Optional<Inode> cur = txn.inode(known.id());
      if (cur.isEmpty()) {
        return null;
      }
      Inode n = changed ? changedContent(cur.get(), s) : cur.get();
      n = n.withSync(now, n.childrenSyncMs());
      if (changed) {
        dropped.addAll(txn.blocksOf(known.id()));
        txn.removeBlocksOf(known.id());
      }
      txn.putInode(n);
      return n;
    });
    if (changed) {
      blocks.removed(dropped);
      metrics.ufsMetadataLoads.increment();
      LOG.info("{} changed in {} ({} -> {}): dropped {} cached blocks", p, m.entry().uri(),
          known.fingerprint(), s.fingerprint(), dropped.size());
    }
    return Optional.ofNullable(updated);
  }

  /** Loads or re-checks a directory's children from the under-storage if its listing is due. */
  private void syncChildren(NamespacePath p, Inode dir) {
    Mount m = mounts.resolve(p);
    long start = now();
    if (!dir.persisted() || !m.due(dir.childrenSyncMs(), start)) {
      return;
    }
    String rel = m.relative(p);
    Set<String> seen = new HashSet<>();
    List<Inode> retyped = new ArrayList<>();
    List<BlockRecord> dropped = new ArrayList<>();
    String token = null;
    do {
      UfsListing page = m.ufs().list(rel, token, opts.listPageSize());
      List<Inode> pageRetyped = new ArrayList<>();
      List<BlockRecord> pageDropped = new ArrayList<>();
      meta.write(txn -> {
        pageRetyped.clear(); // a batch re-run after the map grew runs this again
        pageDropped.clear();
        for (UfsStatus s : page.entries()) {
          seen.add(s.name());
          Optional<Inode> c = txn.child(dir.id(), s.name());
          if (c.isEmpty()) {
            Inode n = withMountPolicy(txn, fromUfs(txn.newInodeId(), dir.id(), s, start), m, start);
            txn.putInode(n);
            txn.link(dir.id(), n.name(), n.id());
            metrics.ufsMetadataLoads.increment();
          } else if (c.get().mountPoint() || !c.get().persisted()) {
            continue; // Granary's own entries shadow the under-storage
          } else if (c.get().isDirectory() != s.directory()) {
            pageRetyped.add(c.get());
          } else if (c.get().isFile() && !s.fingerprint().equals(c.get().fingerprint())) {
            pageDropped.addAll(txn.blocksOf(c.get().id()));
            txn.removeBlocksOf(c.get().id());
            txn.putInode(changedContent(c.get(), s).withSync(start, c.get().childrenSyncMs()));
          } else {
            txn.putInode(c.get().withSync(start, c.get().childrenSyncMs()));
          }
        }
        return null;
      });
      retyped.addAll(pageRetyped);
      dropped.addAll(pageDropped);
      token = page.nextToken();
    } while (token != null);
    blocks.removed(dropped);
    // Persisted entries the under-storage no longer lists were deleted behind our back; entries
    // synced after the listing started were written through Granary meanwhile and stay.
    List<Inode> gone = new ArrayList<>(retyped);
    meta.read(v -> {
      v.scan(dir.id(), "", e -> {
        if (!seen.contains(e.name())) {
          v.inode(e.childId()).filter(n -> n.persisted() && !n.mountPoint() && n.lastSyncMs() < start)
              .ifPresent(gone::add);
        }
        return true;
      });
      return null;
    });
    for (Inode n : gone) {
      forgetTree(dir.id(), n);
    }
    if (!retyped.isEmpty()) {
      syncChildren(p, dir); // the new types are loaded by a fresh pass
    }
    meta.write(txn -> {
      txn.inode(dir.id()).ifPresent(d -> txn.putInode(d.withSync(d.lastSyncMs(), start)));
      return null;
    });
  }

  /** Removes an inode and everything below it from the metadata and the cache (not the under-storage). */
  private void forgetTree(long parentId, Inode node) {
    if (node.isDirectory()) {
      while (true) {
        List<Inode> page = meta.read(v -> {
          List<Inode> out = new ArrayList<>();
          for (DirEntry e : v.list(node.id(), "", PAGE)) {
            v.inode(e.childId()).ifPresent(out::add);
          }
          return out;
        });
        if (page.isEmpty()) {
          break;
        }
        for (Inode c : page) {
          forgetTree(node.id(), c);
        }
      }
    }
    List<BlockRecord> gone = meta.write(txn -> {
      if (txn.lookup(parentId, node.name()).orElse(-1) == node.id()) {
        txn.unlink(parentId, node.name());
      }
      txn.deleteInode(node.id());
      List<BlockRecord> b = txn.blocksOf(node.id());
      txn.removeBlocksOf(node.id());
      return b;
    });
    blocks.removed(gone);
  }

  // ---- reads -------------------------------------------------------------------------------

  /**
   * Bytes [offset, offset+length) of a file (length -1: to the end), as a stream that fetches
   * each block when the reader reaches it.
   *
   * @param readType null: the mount's default
   */
  public InputStream read(String path, long offset, long length, ReadType readType) {
    NamespacePath p = NamespacePath.of(path);
    Inode f = resolve(p);
    if (f.isDirectory()) {
      throw new IsADirectoryException(p + " is a directory");
    }
    if (offset < 0) {
      throw new InvalidArgumentException("negative offset " + offset + " reading " + p);
    }
    long end = length < 0 ? f.length() : Math.min(f.length(), offset + length);
    if (offset >= end) {
      return InputStream.nullInputStream();
    }
    Mount m = mounts.resolve(p);
    ReadType rt = readType != null ? readType : m.readType();
    String rel = m.relative(p);
    Layout layout = Layout.of(f);
    return new BlockChainStream((index, from, to) -> openBlock(p, f, layout, m, rel, rt, index, from, to),
        layout, offset, end);
  }

  /** Copies a whole file to {@code out}; returns the bytes copied. */
  public long readFully(String path, OutputStream out, ReadType readType) throws IOException {
    try (InputStream in = read(path, 0, -1, readType)) {
      return in.transferTo(out);
    }
  }

  private InputStream openBlock(NamespacePath p, Inode f, Layout layout, Mount m, String rel, ReadType rt, int index,
      long from, long to) throws IOException {
    long blockId = BlockIds.of(f.id(), index);
    long blockStart = layout.start(index);
    long blockLen = layout.length(index);
    for (int attempt = 0; attempt < 3; attempt++) {
      Optional<BlockLocation> loc = blocks.locate(blockId);
      if (loc.isPresent() && loc.get().length() == blockLen) {
        BlockLocation l = loc.get();
        if (rt == ReadType.CACHE_PROMOTE && l.tier() > 0 && blocks.promote(blockId, 0)) {
          continue; // look it up again in its new tier
        }
        InputStream s = openCached(l, from, to);
        if (s != null) {
          metrics.blockHits.increment();
          blocks.touch(l);
          return s;
        }
        continue; // evicted between lookup and open
      }
      if (!f.persisted()) {
        throw new NotFoundException("block " + index + " of " + p + " is not cached and the file was never persisted");
      }
      if (rt == ReadType.NO_CACHE) {
        break;
      }
      InputStream r = coldRead(f, blockId, m, rel, blockStart, blockLen, from, to);
      if (r == NO_ROOM) {
        break;
      }
      if (r != null) {
        metrics.blockMisses.increment();
        return r;
      }
      // the fetch finished as we joined it: the block is cached now
    }
    metrics.blockMisses.increment();
    return m.ufs().open(rel, blockStart + from, to - from);
  }

  private InputStream openCached(BlockLocation l, long from, long to) throws IOException {
    try {
      FileChannel ch = FileChannel.open(l.path(), StandardOpenOption.READ);
      return new ChannelRangeStream(ch, from, to, metrics.bytesFromCache);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Marks "the cache has no room for this block: read through". */
  private static final InputStream NO_ROOM = InputStream.nullInputStream();

  /**
   * A reader of bytes [from, to) of a block being fetched: joins the fetch under way or starts one
   * (the starter is attached before the fetch runs, so it cannot miss it). Null if the joined fetch
   * already finished; {@link #NO_ROOM} if the cache cannot take the block.
   */
  private InputStream coldRead(Inode file, long blockId, Mount m, String rel, long blockStart, long blockLen,
      long from, long to) {
    boolean[] created = {false};
    ColdFetch fetch;
    try {
      fetch = inflight.computeIfAbsent(blockId, id -> {
        try {
          ColdFetch f = new ColdFetch(blocks, meta, file, m.ufs(), rel, id, blockStart, blockLen, file.pinned(), tierOf(m),
              done -> inflight.remove(id, done));
          f.holdWhileRunning();
          created[0] = true;
          return f;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (OutOfSpaceException | UncheckedIOException e) {
      // expected when the eviction policy keeps what is cached (scan resistance): not a warning
      LOG.debug("not caching block {} of {}: {}; reading through", Long.toHexString(blockId), rel, e.getMessage());
      return NO_ROOM;
    }
    InputStream reader = fetch.reader(from, to);
    if (created[0]) {
      metrics.coldFetches.increment();
      try {
        ufsPool.execute(fetch);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        fetch.cancel(new IOException("the engine is shutting down", e)); // wakes the reader with the error
      }
    } else {
      metrics.coldFetchJoins.increment();
    }
    return reader;
  }

  // ---- writes ------------------------------------------------------------------------------

  /**
   * Writes a whole file from {@code data}. {@code length} is the exact size if known (-1 if not);
   * a stream that ends early or fails leaves nothing behind. The new file replaces an existing one
   * atomically.
   */
  public FileInfo write(String path, InputStream data, long length, WriteOptions o) throws IOException {
    NamespacePath p = NamespacePath.of(path);
    if (p.isRoot() || mounts.at(p).isPresent()) {
      throw new IsADirectoryException(p + " is a directory");
    }
    Mount m = mounts.resolve(p);
    WriteType wt = o.writeType() != null ? o.writeType() : m.writeType();
    Inode parent = o.createParents() ? mkdirs(p.parent(), wt) : resolve(p.parent());
    if (!parent.isDirectory()) {
      throw new NotADirectoryException(p.parent() + " is not a directory");
    }
    Optional<Inode> existing = lookupChild(parent, p);
    if (existing.isPresent() && existing.get().isDirectory()) {
      throw new IsADirectoryException(p + " is a directory");
    }
    if (existing.isPresent() && !o.overwrite()) {
      throw new AlreadyExistsException(p + " already exists");
    }
    long id = meta.newInodeId();
    String rel = m.relative(p);
    List<BlockRecord> written = new ArrayList<>();
    boolean committed = false;
    // a write that reaches the under-storage holds the path until its commit: an upload of an older
    // version by the persister cannot land after it
    PathLocks.Held held = wt.cacheFirst() ? null : pathLocks.lock(p.path());
    try {
      long total;
      if (wt == WriteType.THROUGH) {
        total = putThrough(m, rel, data, length);
      } else {
        total = writeBlocks(id, data, length, tierOf(m), m.pin(), wt.cacheFirst(), written);
        if (wt == WriteType.CACHE_THROUGH) {
          try (PutSource all = blockSource(written, total)) {
            m.ufs().put(rel, all, total);
          }
        }
      }
      long now = now();
      Map<String, String> attrs = new java.util.LinkedHashMap<>(o.attributes());
      if (o.lateAttributes() != null) {
        attrs.putAll(o.lateAttributes().get()); // the data is all read: digests are final
      }
      Inode n = Inode.file(id, parent.id(), p.name(), total, now, opts.blockSize(), !wt.cacheFirst())
          .withAttributes(attrs);
      if (!wt.cacheFirst()) {
        UfsStatus s = m.ufs().stat(rel).orElseThrow(() -> new UnderStorageException(
            UnderStorageException.Kind.OTHER, "under-storage lost " + rel + " right after writing it", null));
        n = n.withContent(total, s.mtimeMs(), s.fingerprint()).withSync(now, -1);
      }
      Inode made = m.pin() ? n.withPinned(true) : n;
      Inode[] createdRef = {made};
      List<BlockRecord> replaced = meta.write(txn -> {
        Inode created = m.ttlMs() > 0
            ? Ttls.schedule(txn, made, now + m.ttlMs(), Ttls.Action.valueOf(m.ttlAction())) : made;
        createdRef[0] = created;
        if (txn.inode(parent.id()).isEmpty()) {
          throw new NotFoundException("no such directory: " + p.parent());
        }
        Optional<Inode> cur = txn.child(parent.id(), p.name());
        List<BlockRecord> old = List.of();
        if (cur.isPresent()) {
          if (cur.get().isDirectory()) {
            throw new IsADirectoryException(p + " is a directory");
          }
          if (!o.overwrite()) {
            throw new AlreadyExistsException(p + " already exists");
          }
          old = txn.blocksOf(cur.get().id());
          txn.removeBlocksOf(cur.get().id());
          txn.deleteInode(cur.get().id());
        }
        txn.putInode(created);
        txn.link(parent.id(), p.name(), created.id());
        written.forEach(txn::putBlock);
        if (wt == WriteType.ASYNC_THROUGH) {
          persister.enqueue(txn, created.id(), now);
        }
        return old;
      });
      committed = true;
      blocks.committed(written);
      blocks.removed(replaced);
      if (wt == WriteType.ASYNC_THROUGH) {
        persister.enqueued();
      }
      LOG.debug("wrote {} ({} bytes, {})", p, total, wt);
      return FileInfo.of(p, createdRef[0]);
    } finally {
      if (held != null) {
        held.close();
      }
      if (!committed) {
        blocks.discardFinished(written);
      }
    }
  }

  /** Splits {@code data} into finished (not yet indexed) blocks of file {@code id}; returns the bytes. */
  long writeBlocks(long id, InputStream data, long length, boolean unpersisted, List<BlockRecord> out)
      throws IOException {
    return writeBlocks(id, data, length, 0, false, unpersisted, out);
  }

  /** The same into {@code tier}, pinned or not. */
  long writeBlocks(long id, InputStream data, long length, int tier, boolean pinned, boolean unpersisted,
      List<BlockRecord> out) throws IOException {
    long blockSize = opts.blockSize();
    if (length >= 0) {
      data = new EndCheckedStream(data, length);
      if (length == 0 && data.read() >= 0) { // an empty file still proves its source ended (and verified)
        throw new InvalidArgumentException("the data is longer than the declared 0 bytes");
      }
    }
    // no bigger than the data: a 100 KiB PUT should not allocate (and zero) a 1 MiB buffer
    byte[] buf = new byte[(int) Math.min(Math.min(1 << 20, blockSize), length >= 0 ? Math.max(length, 1) : Long.MAX_VALUE)];
    long total = 0;
    for (int index = 0; ; index++) {
      long want = length >= 0 ? Math.min(blockSize, length - total) : blockSize;
      if (want == 0) {
        break;
      }
      long n = 0;
      try (TempBlock t = blocks.create(BlockIds.of(id, index), tier, length >= 0 ? want : 0)) {
        while (n < want) {
          int r = data.read(buf, 0, (int) Math.min(buf.length, want - n));
          if (r < 0) {
            break;
          }
          t.write(ByteBuffer.wrap(buf, 0, r));
          n += r;
        }
        if (n > 0) {
          out.add(t.finish(pinned, unpersisted));
        }
      }
      total += n;
      if (n < want) {
        if (length >= 0) {
          throw new InvalidArgumentException("expected " + length + " bytes but the data ended after " + total);
        }
        break;
      }
    }
    return total;
  }

  /** The blocks' data as a put source that reopens the block files for a retried attempt. */
  PutSource blockSource(List<BlockRecord> records, long length) {
    return PutSource.ofFiles(records.stream().map(blocks::pathOf).toList(), length);
  }

  /** THROUGH: straight to the under-storage; a stream of unknown length is spooled to learn it. */
  private long putThrough(Mount m, String rel, InputStream data, long length) throws IOException {
    if (length >= 0) {
      InputStream exact = new EndCheckedStream(data, length);
      if (length == 0 && exact.read() >= 0) { // the put reads nothing: prove the source ended (and verified)
        throw new InvalidArgumentException("the data is longer than the declared 0 bytes");
      }
      m.ufs().put(rel, exact, length); // a short or failing stream fails the put
      return length;
    }
    Path spool = Files.createTempFile("granary-spool-", ".tmp");
    try {
      long n;
      try (OutputStream os = Files.newOutputStream(spool)) {
        n = data.transferTo(os);
      }
      try (PutSource in = PutSource.ofFiles(List.of(spool), n)) {
        m.ufs().put(rel, in, n);
      }
      return n;
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  /** Creates a directory. */
  public FileInfo mkdir(String path, boolean parents) {
    NamespacePath p = NamespacePath.of(path);
    Mount m = mounts.resolve(p);
    if (!parents) {
      Inode parent = resolve(p.parent());
      return FileInfo.of(p, mkdirOne(p, parent, m.writeType(), false));
    }
    return FileInfo.of(p, mkdirs(p, m.writeType()));
  }

  private Inode mkdirs(NamespacePath p, WriteType wt) {
    if (p.isRoot()) {
      return root();
    }
    Inode parent = mkdirs(p.parent(), wt);
    return mkdirOne(p, parent, wt, true);
  }

  private Inode mkdirOne(NamespacePath p, Inode parent, WriteType wt, boolean existingOk) {
    if (p.isRoot()) {
      if (existingOk) {
        return root();
      }
      throw new AlreadyExistsException("/ already exists");
    }
    if (!parent.isDirectory()) {
      throw new NotADirectoryException(p.parent() + " is not a directory");
    }
    Optional<Inode> existing = lookupChild(parent, p);
    if (existing.isPresent()) {
      if (existing.get().isDirectory() && existingOk) {
        return existing.get();
      }
      throw existing.get().isDirectory()
          ? new AlreadyExistsException(p + " already exists")
          : new NotADirectoryException(p + " exists and is not a directory");
    }
    Mount m = mounts.resolve(p);
    boolean persist = wt != WriteType.MUST_CACHE && parent.persisted();
    if (persist) {
      m.ufs().mkdirs(m.relative(p));
    }
    long now = now();
    return meta.write(txn -> {
      if (txn.inode(parent.id()).isEmpty()) {
        throw new NotFoundException("no such directory: " + p.parent());
      }
      Optional<Inode> raced = txn.child(parent.id(), p.name());
      if (raced.isPresent()) {
        if (raced.get().isDirectory() && existingOk) {
          return raced.get();
        }
        throw new AlreadyExistsException(p + " already exists");
      }
      Inode d = Inode.directory(txn.newInodeId(), parent.id(), p.name(), now, 0755)
          .withPersisted(persist).withSync(now, now);
      txn.putInode(d);
      txn.link(parent.id(), d.name(), d.id());
      return d;
    });
  }

  // ---- delete and rename --------------------------------------------------------------------

  /** Deletes a file, or a directory (with everything below it if {@code recursive}), here and in the under-storage. */
  public void delete(String path, boolean recursive) {
    NamespacePath p = NamespacePath.of(path);
    if (p.isRoot()) {
      throw new InvalidArgumentException("the root cannot be deleted");
    }
    if (mounts.at(p).isPresent()) {
      throw new InvalidArgumentException(p + " is a mount point: unmount it instead");
    }
    Inode n = resolve(p);
    Inode parent = resolve(p.parent());
    deleteTree(p, parent, n, recursive);
  }

  private void deleteTree(NamespacePath p, Inode parent, Inode n, boolean recursive) {
    if (n.mountPoint()) {
      throw new InvalidArgumentException(p + " contains mount point " + p + ": unmount it first");
    }
    if (n.isDirectory()) {
      syncChildren(p, n);
      boolean hasChildren = meta.read(v -> v.hasChildren(n.id()));
      if (hasChildren && !recursive) {
        throw new DirectoryNotEmptyException(p + " is not empty");
      }
      while (true) {
        List<FileInfo> page = meta.read(v -> {
          List<FileInfo> out = new ArrayList<>();
          for (DirEntry e : v.list(n.id(), "", PAGE)) {
            v.inode(e.childId()).ifPresent(c -> out.add(FileInfo.of(childOf(p, e.name()), c)));
          }
          return out;
        });
        if (page.isEmpty()) {
          break;
        }
        for (FileInfo c : page) {
          Inode child = meta.read(v -> v.inode(c.id())).orElse(null);
          if (child != null) {
            deleteTree(NamespacePath.of(c.path()), n, child, true);
          }
        }
      }
    }
    try (PathLocks.Held held = pathLocks.lock(p.path())) {
      // re-read under the lock: the persister may have put the file meanwhile
      boolean persisted = meta.read(v -> v.inode(n.id())).map(Inode::persisted).orElse(n.persisted());
      if (persisted) {
        Mount m = mounts.resolve(p);
        try {
          m.ufs().delete(m.relative(p));
        } catch (UnderStorageException e) {
          if (e.kind() != UnderStorageException.Kind.NOT_FOUND) {
            throw e;
          }
        }
      }
      forgetTree(parent.id(), n);
    }
  }

  /**
   * Moves {@code src} to {@code dst} within one mount, replacing an existing file or empty
   * directory at {@code dst} as POSIX rename does.
   */
  public FileInfo rename(String src, String dst) {
    NamespacePath s = NamespacePath.of(src);
    NamespacePath d = NamespacePath.of(dst);
    if (s.isRoot() || mounts.at(s).isPresent()) {
      throw new InvalidArgumentException(s + " is a mount point and cannot be renamed");
    }
    if (d.isRoot() || mounts.at(d).isPresent()) {
      throw new InvalidArgumentException(d + " is a mount point");
    }
    if (d.isWithin(s)) {
      throw new InvalidArgumentException("cannot move " + s + " into itself (" + d + ")");
    }
    Mount ms = mounts.resolve(s);
    Mount md = mounts.resolve(d);
    if (ms != md) {
      throw new CrossMountException("cannot rename across mounts: " + s + " -> " + d);
    }
    try (PathLocks.Held held = pathLocks.lock(s.path(), d.path())) {
      return renameLocked(s, d, ms, md);
    }
  }

  private FileInfo renameLocked(NamespacePath s, NamespacePath d, Mount ms, Mount md) {
    Inode node = resolve(s);
    Inode srcParent = resolve(s.parent());
    Inode dstParent = resolve(d.parent());
    if (!dstParent.isDirectory()) {
      throw new NotADirectoryException(d.parent() + " is not a directory");
    }
    Optional<Inode> target = lookupChild(dstParent, d);
    if (target.isPresent()) {
      Inode t = target.get();
      if (t.id() == node.id()) {
        return FileInfo.of(d, node);
      }
      if (t.isDirectory() && !node.isDirectory()) {
        throw new IsADirectoryException(d + " is a directory");
      }
      if (!t.isDirectory() && node.isDirectory()) {
        throw new NotADirectoryException(d + " is not a directory");
      }
      if (t.isDirectory()) {
        syncChildren(d, t);
        boolean nonEmpty = meta.read(v -> v.hasChildren(t.id()));
        if (nonEmpty) {
          throw new DirectoryNotEmptyException(d + " is not empty");
        }
      }
    }
    if (node.persisted()) {
      if (target.isPresent() && target.get().isDirectory() && target.get().persisted()) {
        ms.ufs().delete(md.relative(d));
      }
      ms.ufs().rename(ms.relative(s), md.relative(d));
    }
    long now = now();
    List<BlockRecord> replaced = new ArrayList<>();
    Inode moved = meta.write(txn -> {
      replaced.clear(); // a batch re-run after the map grew runs this again
      Inode cur = txn.inode(node.id()).orElseThrow(() -> new NotFoundException("no such file or directory: " + s));
      if (txn.inode(dstParent.id()).isEmpty()) {
        throw new NotFoundException("no such directory: " + d.parent());
      }
      Optional<Inode> t = txn.child(dstParent.id(), d.name());
      if (t.isPresent() && t.get().id() != cur.id()) {
        if (t.get().isDirectory() && txn.hasChildren(t.get().id())) {
          throw new DirectoryNotEmptyException(d + " is not empty");
        }
        replaced.addAll(txn.blocksOf(t.get().id()));
        txn.removeBlocksOf(t.get().id());
        txn.deleteInode(t.get().id());
      }
      txn.unlink(srcParent.id(), s.name());
      Inode n = cur.withParent(dstParent.id(), d.name()).withSync(cur.persisted() ? now : cur.lastSyncMs(), cur.childrenSyncMs());
      txn.putInode(n);
      txn.link(dstParent.id(), d.name(), n.id());
      return n;
    });
    blocks.removed(replaced);
    LOG.info("renamed {} to {}", s, d);
    return FileInfo.of(d, moved);
  }

  // ---- mounts ------------------------------------------------------------------------------

  /**
   * Mounts an under-storage at {@code path}, which must not exist yet and whose parent must be a
   * directory. The store is contacted once, so a wrong endpoint or bucket fails here.
   */
  public void mount(String path, String uri, Map<String, String> options) {
    NamespacePath p = NamespacePath.of(path);
    if (p.isRoot()) {
      throw new AlreadyExistsException("/ is already mounted");
    }
    Inode parent = resolve(p.parent());
    if (!parent.isDirectory()) {
      throw new NotADirectoryException(p.parent() + " is not a directory");
    }
    if (lookupChild(parent, p).isPresent()) {
      throw new AlreadyExistsException(p + " already exists: a mount point must be a new path");
    }
    MountEntry entry = new MountEntry(p.path(), uri, options);
    MeteredUnderStorage ufs = ufsFactory.create(uri, options);
    Mount mount;
    try {
      mount = Mount.of(entry, ufs);
      tierOf(mount); // an unknown tier fails the mount
      ufs.list("", null, 1); // fail now, not on first use, if the store is unreachable or wrong
    } catch (RuntimeException e) {
      ufs.close();
      throw e;
    }
    long now = now();
    meta.write(txn -> {
      if (txn.child(parent.id(), p.name()).isPresent()) {
        throw new AlreadyExistsException(p + " already exists");
      }
      Inode d = Inode.directory(txn.newInodeId(), parent.id(), p.name(), now, 0755).withMountPoint(true).withSync(now, -1);
      txn.putInode(d);
      txn.link(parent.id(), d.name(), d.id());
      txn.putMount(entry);
      return null;
    });
    mounts.add(mount);
    LOG.info("mounted {} at {}", uri, p);
  }

  /** Unmounts: forgets the metadata and cached blocks below {@code path}; the under-storage is untouched. */
  public void unmount(String path) {
    NamespacePath p = NamespacePath.of(path);
    if (p.isRoot()) {
      throw new InvalidArgumentException("the root mount cannot be unmounted");
    }
    Mount m = mounts.at(p).orElseThrow(() -> new NotFoundException(p + " is not a mount point"));
    for (Mount other : mounts.all()) {
      if (other != m && other.path().isWithin(p)) {
        throw new InvalidArgumentException(p + " has a nested mount at " + other.path() + ": unmount it first");
      }
    }
    Inode node = resolve(p);
    Inode parent = resolve(p.parent());
    forgetTree(parent.id(), node);
    meta.write(txn -> txn.removeMount(p.path()));
    mounts.remove(p);
    m.ufs().close();
    LOG.info("unmounted {} from {}", m.entry().uri(), p);
  }

  /** The mount table. */
  public List<MountEntry> mountTable() {
    return mounts.all().stream().map(Mount::entry)
        .sorted(java.util.Comparator.comparing(MountEntry::path)).toList();
  }

  /**
   * Re-checks {@code path} (and, if {@code recursive}, everything known below it) against its
   * under-storage now, whatever the sync interval: changed files drop their cached blocks, deleted
   * ones disappear, new ones appear.
   */
  public void sync(String path, boolean recursive) {
    NamespacePath p = NamespacePath.of(path);
    Inode n = resolve(p);
    markStale(n, recursive);
    Inode fresh;
    try {
      fresh = resolve(p);
    } catch (NotFoundException e) {
      return; // gone from the under-storage: forgotten
    }
    if (fresh.isDirectory()) {
      syncTree(p, recursive);
    }
  }

  private void markStale(Inode n, boolean recursive) {
    meta.write(txn -> {
      txn.inode(n.id()).ifPresent(cur -> txn.putInode(cur.withSync(-1, -1)));
      return null;
    });
    if (recursive && n.isDirectory()) {
      String after = "";
      while (true) {
        String from = after;
        List<DirEntry> page = meta.read(v -> v.list(n.id(), from, PAGE));
        for (DirEntry e : page) {
          meta.read(v -> v.inode(e.childId())).ifPresent(c -> markStale(c, true));
        }
        if (page.size() < PAGE) {
          return;
        }
        after = page.get(page.size() - 1).name();
      }
    }
  }

  private void syncTree(NamespacePath p, boolean recursive) {
    String after = "";
    while (true) {
      List<FileInfo> page = list(p.path(), after, PAGE); // listing a stale directory reloads it
      if (recursive) {
        for (FileInfo f : page) {
          if (f.isDirectory() && !f.mountPoint()) {
            syncTree(NamespacePath.of(f.path()), true);
          }
        }
      }
      if (page.size() < PAGE) {
        return;
      }
      after = page.get(page.size() - 1).name();
    }
  }

  // ---- attributes, zero copy, multipart ----------------------------------------------------

  /** Replaces a file's attributes (Granary's own "granary.*" attributes are kept). */
  public FileInfo updateAttributes(String path, Map<String, String> attributes) {
    NamespacePath p = NamespacePath.of(path);
    Inode n = resolve(p);
    Inode updated = meta.write(txn -> {
      Inode cur = txn.inode(n.id()).orElseThrow(() -> new NotFoundException("no such file or directory: " + p));
      Map<String, String> attrs = new java.util.LinkedHashMap<>();
      cur.attributes().forEach((k, v) -> {
        if (k.startsWith("granary.")) {
          attrs.put(k, v);
        }
      });
      attributes.forEach((k, v) -> {
        if (!k.startsWith("granary.")) {
          attrs.put(k, v);
        }
      });
      Inode u = cur.withAttributes(attrs);
      txn.putInode(u);
      return u;
    });
    return FileInfo.of(p, updated);
  }

  /**
   * Changes POSIX mode bits, owner, group or modification time (null: unchanged). They live in the
   * namespace; the under-storage keeps its own.
   */
  public FileInfo changePosix(String path, Integer mode, Integer uid, Integer gid, Long mtimeMs) {
    NamespacePath p = NamespacePath.of(path);
    Inode n = resolve(p);
    Inode updated = meta.write(txn -> {
      Inode cur = txn.inode(n.id()).orElseThrow(() -> new NotFoundException("no such file or directory: " + p));
      Inode u = cur.withOwner(mode != null ? mode & 07777 : cur.mode(), uid != null ? uid : cur.uid(),
          gid != null ? gid : cur.gid());
      if (mtimeMs != null) {
        u = u.withContent(u.length(), mtimeMs, u.fingerprint());
      }
      txn.putInode(u);
      return u;
    });
    return FileInfo.of(p, updated);
  }

  /**
   * Creates a symbolic link at {@code path} pointing to {@code target} (any string). Links live in
   * Granary's namespace only (as in JuiceFS); under-storages have no such thing.
   */
  public FileInfo symlink(String path, String target, int uid, int gid) {
    NamespacePath p = NamespacePath.of(path);
    if (target.isEmpty() || target.length() > 4096 || target.indexOf('\0') >= 0) {
      throw new InvalidArgumentException("bad symlink target for " + p);
    }
    Inode parent = resolve(p.parent());
    if (!parent.isDirectory()) {
      throw new NotADirectoryException(p.parent() + " is not a directory");
    }
    if (lookupChild(parent, p).isPresent()) {
      throw new AlreadyExistsException(p + " already exists");
    }
    long now = now();
    Inode link = meta.write(txn -> {
      if (txn.inode(parent.id()).isEmpty()) {
        throw new NotFoundException("no such directory: " + p.parent());
      }
      if (txn.child(parent.id(), p.name()).isPresent()) {
        throw new AlreadyExistsException(p + " already exists");
      }
      Inode l = Inode.symlink(txn.newInodeId(), parent.id(), p.name(), target, now).withOwner(0777, uid, gid);
      txn.putInode(l);
      txn.link(parent.id(), l.name(), l.id());
      return l;
    });
    return FileInfo.of(p, link);
  }

  /** A cached block of a file: its block file and the file bytes [start, start+length) it holds. */
  public record CachedBlock(Path file, long start, long length) {}

  /**
   * The cached block holding byte {@code offset} of a file just looked up, if cached, counted as one
   * access for the eviction policy. The file may be evicted before the caller opens it.
   */
  public Optional<CachedBlock> cachedBlock(FileInfo f, long offset) {
    if (f.isDirectory() || offset < 0 || offset >= f.length()) {
      return Optional.empty();
    }
    Layout layout = Layout.of(f.id(), f.blockSize(), f.length(), f.attributes());
    int index = layout.indexOf(offset);
    Optional<BlockLocation> loc = blocks.locate(BlockIds.of(f.id(), index));
    if (loc.isEmpty() || loc.get().length() != layout.length(index)) {
      return Optional.empty();
    }
    metrics.blockHits.increment();
    blocks.touch(loc.get());
    return Optional.of(new CachedBlock(loc.get().path(), layout.start(index), layout.length(index)));
  }

  /** Whether the block holding byte {@code offset} of a file is cached (not counted as an access). */
  public boolean isCached(FileInfo f, long offset) {
    if (f.isDirectory() || offset < 0 || offset >= f.length()) {
      return false;
    }
    Layout layout = Layout.of(f.id(), f.blockSize(), f.length(), f.attributes());
    int index = layout.indexOf(offset);
    Optional<BlockLocation> loc = blocks.locate(BlockIds.of(f.id(), index));
    return loc.isPresent() && loc.get().length() == layout.length(index);
  }

  /** The start and length of the block holding byte {@code offset} of a file. */
  public long[] blockSpan(FileInfo f, long offset) {
    Layout layout = Layout.of(f.id(), f.blockSize(), f.length(), f.attributes());
    int index = layout.indexOf(offset);
    return new long[] {layout.start(index), layout.length(index)};
  }

  /** Counts bytes a front door read from a cached block file itself (short circuit, FUSE). */
  public void countCachedBytes(long bytes) {
    metrics.bytesFromCache.add(bytes);
  }

  /** A cached block file holding bytes [offset, offset+length) of a file whole, for sendfile. */
  public record CachedRange(Path file, long offsetInFile) {}

  /**
   * The cached block file that holds a byte range whole, if any, counted as a cache hit. The file
   * may be evicted before the caller opens it; the caller then falls back to {@link #read}.
   */
  public Optional<CachedRange> cachedRange(String path, long offset, long length) {
    return cachedRange(stat(path), offset, length);
  }

  /** The same for a file just looked up (no second path resolution). */
  public Optional<CachedRange> cachedRange(FileInfo f, long offset, long length) {
    if (f.isDirectory() || length <= 0 || offset + length > f.length()) {
      return Optional.empty();
    }
    Layout layout = Layout.of(f.id(), f.blockSize(), f.length(), f.attributes());
    int index = layout.indexOf(offset);
    long start = layout.start(index);
    if (offset + length > start + layout.length(index)) {
      return Optional.empty();
    }
    Optional<BlockLocation> loc = blocks.locate(BlockIds.of(f.id(), index));
    if (loc.isEmpty() || loc.get().length() != layout.length(index)) {
      return Optional.empty();
    }
    metrics.blockHits.increment();
    metrics.bytesFromCache.add(length);
    blocks.touch(loc.get());
    return Optional.of(new CachedRange(loc.get().path(), offset - start));
  }

  /** The blocks of a file and where each is cached. */
  public List<BlockView> blocks(String path) {
    NamespacePath p = NamespacePath.of(path);
    Inode f = resolve(p);
    if (!f.isFile()) {
      throw new IsADirectoryException(p + " is a directory");
    }
    Layout layout = Layout.of(f);
    Map<Long, BlockRecord> cached = new java.util.HashMap<>();
    for (BlockRecord r : meta.read(v -> v.blocksOf(f.id()))) {
      cached.put(r.blockId(), r);
    }
    List<String> tierNames = blocks.usage().stream().map(io.granary.storage.TierUsage::name).toList();
    List<BlockView> out = new ArrayList<>(layout.count());
    for (int i = 0; i < layout.count(); i++) {
      BlockRecord r = cached.get(BlockIds.of(f.id(), i));
      boolean ok = r != null && r.length() == layout.length(i);
      out.add(new BlockView(i, layout.start(i), layout.length(i),
          ok ? Optional.of(tierNames.get(r.tier())) : Optional.empty(),
          ok ? Optional.of(blocks.pathOf(r)) : Optional.empty()));
    }
    return out;
  }

  /**
   * Sets a time to live on a file or tree: after {@code ttlMs} its cached blocks are freed
   * ({@code FREE}) or it is deleted ({@code DELETE}). 0 clears it.
   */
  public void setTtl(String path, long ttlMs, String action) {
    NamespacePath p = NamespacePath.of(path);
    ttls.set(p, resolve(p), ttlMs, Ttls.Action.parse(action), now());
  }

  void clearTtl(String path) {
    NamespacePath p = NamespacePath.of(path);
    ttls.set(p, resolve(p), 0, Ttls.Action.FREE, now());
  }

  /** Applies the TTLs that are due now; returns how many expired. */
  public int expireTtls() {
    return ttls.expire(now());
  }

  /** The current path of an inode, or null if it is gone. */
  String pathOf(long inodeId) {
    return meta.read(v -> {
      List<String> names = new ArrayList<>();
      long id = inodeId;
      while (id != Inode.ROOT_ID) {
        Optional<Inode> n = v.inode(id);
        if (n.isEmpty()) {
          return null;
        }
        names.add(n.get().name());
        id = n.get().parentId();
      }
      Collections.reverse(names);
      return "/" + String.join("/", names);
    });
  }

  /** Bytes of a file held in the cache. */
  public long cachedBytes(FileInfo f) {
    if (f.isDirectory()) {
      return 0;
    }
    return meta.read(v -> v.blocksOf(f.id())).stream().mapToLong(BlockRecord::length).sum();
  }

  /** Starts a multipart upload of {@code path}; returns its id. */
  public String createUpload(String path, Map<String, String> attributes, WriteType writeType) {
    NamespacePath p = NamespacePath.of(path);
    if (p.isRoot() || mounts.at(p).isPresent()) {
      throw new IsADirectoryException(p + " is a directory");
    }
    return uploads.create(p, attributes, writeType, now());
  }

  /** Stores one part (replacing an earlier part with the same number). */
  public MultipartUploads.Part writePart(String uploadId, int partNumber, InputStream data, long length,
      java.util.function.Supplier<String> etag) throws IOException {
    return uploads.writePart(uploadId, partNumber, data, length, etag, now());
  }

  /** Assembles the named parts, in this order, into the upload's file. */
  public FileInfo completeUpload(String uploadId, List<Integer> partNumbers, Map<String, String> attributes)
      throws IOException {
    return uploads.complete(uploadId, partNumbers, attributes);
  }

  public void abortUpload(String uploadId) {
    uploads.abort(uploadId);
  }

  public MultipartUploads.Upload upload(String uploadId) {
    return uploads.upload(uploadId);
  }

  public List<MultipartUploads.Part> uploadParts(String uploadId) {
    return uploads.parts(uploadId);
  }

  /** Uploads in progress whose path starts with {@code pathPrefix}. */
  public List<MultipartUploads.Upload> uploads(String pathPrefix) {
    return uploads.uploads(pathPrefix);
  }

  // ---- cache control -----------------------------------------------------------------------

  /** Drops the cached blocks of a file or of every persisted file below a directory; returns bytes freed. */
  public long free(String path) {
    NamespacePath p = NamespacePath.of(path);
    return freeTree(resolve(p));
  }

  private long freeTree(Inode n) {
    if (n.isFile()) {
      return n.persisted() ? blocks.free(n.id()) : 0;
    }
    long freed = 0;
    String after = "";
    while (true) {
      String from = after;
      List<DirEntry> slice = meta.read(v -> v.list(n.id(), from, PAGE));
      for (DirEntry e : slice) {
        Optional<Inode> c = meta.read(v -> v.inode(e.childId()));
        if (c.isPresent()) {
          freed += freeTree(c.get());
        }
      }
      if (slice.size() < PAGE) {
        return freed;
      }
      after = slice.get(slice.size() - 1).name();
    }
  }

  /** Pins or unpins a file, or every file below a directory: pinned blocks are never evicted. */
  public void setPinned(String path, boolean pinned) {
    pinTree(resolve(NamespacePath.of(path)), pinned);
  }

  private void pinTree(Inode n, boolean pinned) {
    meta.write(txn -> {
      txn.inode(n.id()).ifPresent(cur -> txn.putInode(cur.withPinned(pinned)));
      return null;
    });
    if (n.isFile()) {
      blocks.setFlags(n.id(), pinned, !n.persisted());
      return;
    }
    String after = "";
    while (true) {
      String from = after;
      List<DirEntry> slice = meta.read(v -> v.list(n.id(), from, PAGE));
      for (DirEntry e : slice) {
        meta.read(v -> v.inode(e.childId())).ifPresent(c -> pinTree(c, pinned));
      }
      if (slice.size() < PAGE) {
        break;
      }
      after = slice.get(slice.size() - 1).name();
    }
  }

  /** Limits background persistence to {@code bytesPerSecond} (0: unlimited). */
  public void persistBandwidth(long bytesPerSecond) {
    persister.bandwidth(bytesPerSecond);
  }

  /** Files written ASYNC_THROUGH that the under-storage does not have yet. */
  public long persistQueueLength() {
    return persister.length();
  }

  /** Age of the oldest file waiting to be persisted, ms (0 when the queue is empty). */
  public long persistOldestPendingMs() {
    return persister.oldestPendingMs(now());
  }

  void enqueuePersist(io.granary.metadata.MetaTxn txn, long inodeId, long now) {
    persister.enqueue(txn, inodeId, now);
  }

  void persistEnqueued() {
    persister.enqueued();
  }

  Mount mountFor(String path) {
    return mounts.resolve(NamespacePath.of(path));
  }

  @Override
  public void close() {
    persister.close();
    ttlChecker.shutdownNow();
    for (Runnable never : ufsPool.shutdownNow()) {
      if (never instanceof ColdFetch f) {
        f.cancel(new IOException("the engine is shutting down"));
      }
    }
    mounts.closeAll();
  }
}
