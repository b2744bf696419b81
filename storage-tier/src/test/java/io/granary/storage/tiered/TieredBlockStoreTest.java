package io.granary.storage.tiered;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.error.OutOfSpaceException;
import io.granary.metadata.BlockIds;
import io.granary.metadata.BlockRecord;
import io.granary.metadata.lmdb.LmdbMetadataStore;
import io.granary.storage.BlockLocation;
import io.granary.storage.TempBlock;
import io.granary.storage.TierSpec;
import io.granary.storage.policy.LruPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TieredBlockStoreTest {
  private static final int KB = 1024;

  @TempDir Path dir;
  private LmdbMetadataStore meta;
  private TieredBlockStore store;
  private final AtomicLong clock = new AtomicLong(1_000);

  @BeforeEach
  void openMeta() {
    meta = LmdbMetadataStore.open(dir.resolve("meta"));
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
    meta.close();
  }

  private TieredBlockStore open(TierSpec... specs) {
    if (store != null) {
      store.close();
    }
    store = TieredBlockStore.open(List.of(specs), meta, new LruPolicy(specs.length), clock::get);
    return store;
  }

  private TierSpec tier(String name, long quota) {
    return new TierSpec(name, dir.resolve(name), quota);
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private BlockRecord put(long inode, int index, byte[] data, boolean pinned) {
    TempBlock t = store.create(BlockIds.of(inode, index), 0, data.length);
    t.write(ByteBuffer.wrap(data));
    return store.commit(t, pinned, false);
  }

  private byte[] read(long blockId) throws IOException {
    BlockLocation loc = store.locate(blockId).orElseThrow();
    return Files.readAllBytes(loc.path());
  }

  private int tierOf(long blockId) {
    return store.locate(blockId).orElseThrow().tier();
  }

  private long filesUnder(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void committedBlockIsLocatedAndReadBack() throws IOException {
    open(tier("MEM", 1 << 20));
    byte[] data = bytes(100 * KB, 1);
    BlockRecord r = put(5, 0, data, false);
    assertEquals(100 * KB, r.length());
    assertArrayEquals(data, read(r.blockId()));
    assertEquals(100 * KB, store.usage().get(0).used());
    assertEquals(1, store.usage().get(0).blocks());
  }

  @Test
  void abortedBlockLeavesNoFileAndNoReservation() throws IOException {
    open(tier("MEM", 1 << 20));
    try (TempBlock t = store.create(BlockIds.of(5, 0), 0, 0)) {
      t.write(ByteBuffer.wrap(bytes(10 * KB, 2)));
      assertTrue(Files.exists(t.path()));
    }
    assertEquals(0, store.usage().get(0).used());
    assertEquals(0, filesUnder(dir.resolve("MEM")));
    assertTrue(store.locate(BlockIds.of(5, 0)).isEmpty());
  }

  @Test
  void outOfSpaceWhenEverythingIsPinnedAndNothingIsHalfWritten() throws IOException {
    open(tier("MEM", 1 << 20));
    put(1, 0, bytes(800 * KB, 3), true);
    TempBlock t = store.create(BlockIds.of(2, 0), 0, 0);
    OutOfSpaceException e = assertThrows(OutOfSpaceException.class, () -> t.write(ByteBuffer.wrap(bytes(500 * KB, 4))));
    assertTrue(e.getMessage().contains("MEM"), e.getMessage());
    t.close();
    assertEquals(800 * KB, store.usage().get(0).used());
    assertEquals(1, filesUnder(dir.resolve("MEM")));
    assertTrue(store.locate(BlockIds.of(1, 0)).isPresent());
  }

  @Test
  void leastRecentlyUsedBlockIsDemotedToTheNextTier() throws IOException {
    open(tier("MEM", 1 << 20), tier("SSD", 4 << 20));
    BlockRecord a = put(1, 0, bytes(400 * KB, 5), false);
    BlockRecord b = put(2, 0, bytes(400 * KB, 6), false);
    store.touch(store.locate(a.blockId()).orElseThrow()); // a is now more recent than b
    byte[] cData = bytes(400 * KB, 7);
    BlockRecord c = put(3, 0, cData, false);
    assertEquals(0, tierOf(a.blockId()));
    assertEquals(1, tierOf(b.blockId()), "b was least recently used");
    assertEquals(0, tierOf(c.blockId()));
    assertArrayEquals(bytes(400 * KB, 6), read(b.blockId()));
    assertEquals(800 * KB, store.usage().get(0).used());
    assertEquals(400 * KB, store.usage().get(1).used());
  }

  @Test
  void lastTierDropsBlocksButNeverPinnedOnes() {
    open(tier("MEM", 1 << 20));
    BlockRecord pinned = put(1, 0, bytes(400 * KB, 8), true);
    BlockRecord b = put(2, 0, bytes(400 * KB, 9), false);
    put(3, 0, bytes(400 * KB, 10), false);
    assertTrue(store.locate(pinned.blockId()).isPresent(), "pinned block must stay");
    assertTrue(store.locate(b.blockId()).isEmpty(), "unpinned LRU block is dropped");
  }

  @Test
  void unpinnedBlockBecomesEvictable() {
    open(tier("MEM", 1 << 20));
    BlockRecord a = put(1, 0, bytes(600 * KB, 11), true);
    assertThrows(OutOfSpaceException.class, () -> put(2, 0, bytes(600 * KB, 12), false));
    store.setFlags(1, false, false);
    put(2, 0, bytes(600 * KB, 12), false);
    assertTrue(store.locate(a.blockId()).isEmpty());
  }

  @Test
  void promoteMovesABlockUpAndDemoteDown() throws IOException {
    open(tier("MEM", 1 << 20), tier("SSD", 1 << 20));
    byte[] data = bytes(300 * KB, 13);
    BlockRecord r = put(1, 0, data, false);
    assertTrue(store.demote(r.blockId(), 1));
    assertEquals(1, tierOf(r.blockId()));
    assertFalse(store.demote(r.blockId(), 1));
    assertTrue(store.promote(r.blockId(), 0));
    assertEquals(0, tierOf(r.blockId()));
    assertArrayEquals(data, read(r.blockId()));
    assertEquals(0, store.usage().get(1).used());
    assertEquals(300 * KB, store.usage().get(0).used());
  }

  @Test
  void newBlockFallsToALowerTierWhenTheTopIsFullOfPinnedBlocks() {
    open(tier("MEM", 1 << 20), tier("SSD", 1 << 20));
    put(1, 0, bytes(900 * KB, 14), true);
    BlockRecord r = put(2, 0, bytes(500 * KB, 15), false);
    assertEquals(1, r.tier());
  }

  @Test
  void reconcileRemovesOrphansAndTempFilesAndForgetsMissingBlocks() throws IOException {
    open(tier("MEM", 1 << 20));
    BlockRecord keep = put(1, 0, bytes(10 * KB, 16), false);
    BlockRecord lost = put(2, 0, bytes(10 * KB, 17), false);
    Path lostFile = store.locate(lost.blockId()).orElseThrow().path();
    store.close();
    store = null;
    Path blocks = dir.resolve("MEM").resolve("blocks");
    Files.delete(lostFile);
    Path orphan = blocks.resolve("00").resolve(Long.toHexString(BlockIds.of(99, 0)));
    Files.write(orphan, bytes(5 * KB, 18));
    Path temp = dir.resolve("MEM").resolve("tmp").resolve("abc-1");
    Files.write(temp, bytes(5 * KB, 19));

    open(tier("MEM", 1 << 20));
    assertFalse(Files.exists(orphan));
    assertFalse(Files.exists(temp));
    assertTrue(store.locate(keep.blockId()).isPresent());
    assertTrue(store.locate(lost.blockId()).isEmpty());
    assertEquals(10 * KB, store.usage().get(0).used());
    assertEquals(1, meta.stats().blocks());
  }

  @Test
  void backgroundEvictionBringsATierBackUnderItsLowWatermark() {
    open(new TierSpec("MEM", dir.resolve("MEM"), 1 << 20, 0.5, 0.25));
    for (int i = 0; i < 6; i++) {
      put(10 + i, 0, bytes(100 * KB, i), false);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (store.usage().get(0).used() > (1 << 20) / 4 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertTrue(store.usage().get(0).used() <= (1 << 20) / 4, "used " + store.usage().get(0).used());
  }
}
