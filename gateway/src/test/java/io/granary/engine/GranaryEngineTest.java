package io.granary.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.error.AlreadyExistsException;
import io.granary.error.CrossMountException;
import io.granary.error.DirectoryNotEmptyException;
import io.granary.error.InvalidArgumentException;
import io.granary.error.InvalidPathException;
import io.granary.error.IsADirectoryException;
import io.granary.error.NotFoundException;
import io.granary.error.OutOfSpaceException;
import io.granary.metadata.BlockIds;
import io.granary.storage.BlockLocation;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GranaryEngineTest {
  private static final int KB = 1024;
  private static final long BLOCK = 64 * KB;

  @TempDir Path dir;
  private EngineFixture fx;

  @AfterEach
  void close() {
    if (fx != null) {
      fx.close();
    }
  }

  private GranaryEngine engine(Map<String, String> rootOptions, long... quotas) throws IOException {
    fx = new EngineFixture(dir, BLOCK, rootOptions, quotas).open();
    return fx.engine;
  }

  private GranaryEngine engine() throws IOException {
    return engine(Map.of(), 4L << 20, 8L << 20);
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] readAll(GranaryEngine e, String path, ReadType rt) throws IOException {
    try (InputStream in = e.read(path, 0, -1, rt)) {
      return in.readAllBytes();
    }
  }

  private static FileInfo put(GranaryEngine e, String path, byte[] data, WriteType wt) throws IOException {
    return e.write(path, new ByteArrayInputStream(data), data.length, WriteOptions.defaults().withWriteType(wt));
  }

  private long cachedBlocks() {
    return fx.blocks.usage().stream().mapToLong(t -> t.blocks()).sum();
  }

  private long cachedBytes() {
    return fx.blocks.usage().stream().mapToLong(t -> t.used()).sum();
  }

  private long filesUnder(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  // ---- write types ---------------------------------------------------------------------------

  @Test
  void mustCacheWritesOnlyToTheCache() throws IOException {
    GranaryEngine e = engine();
    byte[] data = bytes(200 * KB, 1);
    FileInfo f = put(e, "/a/b/must.bin", data, WriteType.MUST_CACHE);
    assertFalse(f.persisted());
    assertFalse(Files.exists(fx.ufsDir.resolve("a/b/must.bin")));
    assertEquals(4, cachedBlocks(), "200 KiB in 64 KiB blocks");
    assertArrayEquals(data, readAll(e, "/a/b/must.bin", null));
    assertEquals(0, e.ufsOpens());
  }

  @Test
  void cacheThroughWritesToTheCacheAndTheUnderStorage() throws IOException {
    GranaryEngine e = engine();
    byte[] data = bytes(150 * KB, 2);
    FileInfo f = put(e, "/ct/file.bin", data, WriteType.CACHE_THROUGH);
    assertTrue(f.persisted());
    assertArrayEquals(data, Files.readAllBytes(fx.ufsDir.resolve("ct/file.bin")));
    assertEquals(3, cachedBlocks());
    assertArrayEquals(data, readAll(e, "/ct/file.bin", null));
    assertEquals(0, e.ufsOpens(), "a cached file is read without the under-storage");
    assertEquals(3, e.metrics().blockHits());
  }

  @Test
  void throughWritesOnlyToTheUnderStorage() throws IOException {
    GranaryEngine e = engine();
    byte[] data = bytes(100 * KB, 3);
    put(e, "/t/file.bin", data, WriteType.THROUGH);
    assertArrayEquals(data, Files.readAllBytes(fx.ufsDir.resolve("t/file.bin")));
    assertEquals(0, cachedBlocks());
    byte[] unknownLength = bytes(70 * KB, 4);
    e.write("/t/stream.bin", new ByteArrayInputStream(unknownLength), -1, WriteOptions.defaults().withWriteType(WriteType.THROUGH));
    assertArrayEquals(unknownLength, Files.readAllBytes(fx.ufsDir.resolve("t/stream.bin")));
  }

  @Test
  void mountDefaultWriteTypeAppliesWhenTheRequestHasNone() throws IOException {
    GranaryEngine e = engine(Map.of(Mount.WRITE_TYPE, "MUST_CACHE"), 4L << 20);
    FileInfo f = e.write("/x.bin", new ByteArrayInputStream(bytes(10, 5)), 10, WriteOptions.defaults());
    assertFalse(f.persisted());
    assertFalse(Files.exists(fx.ufsDir.resolve("x.bin")));
  }

  @Test
  void shortBodyLeavesNothingBehind() throws IOException {
    GranaryEngine e = engine();
    put(e, "/keep.bin", bytes(10 * KB, 6), WriteType.CACHE_THROUGH);
    long before = cachedBytes();
    for (WriteType wt : WriteType.values()) {
      byte[] data = bytes(100 * KB, 7);
      InvalidArgumentException ex = assertThrows(InvalidArgumentException.class, () -> e.write("/short-" + wt,
          new ByteArrayInputStream(data), 200 * KB, WriteOptions.defaults().withWriteType(wt)));
      assertTrue(ex.getMessage().contains("ended"), ex.getMessage());
      assertThrows(NotFoundException.class, () -> e.stat("/short-" + wt));
      assertFalse(Files.exists(fx.ufsDir.resolve("short-" + wt)));
    }
    assertEquals(before, cachedBytes());
    assertEquals(1, filesUnder(fx.ufsDir));
  }

  @Test
  void overwriteReplacesContentAndDropsOldBlocks() throws IOException {
    GranaryEngine e = engine();
    put(e, "/f.bin", bytes(200 * KB, 8), WriteType.CACHE_THROUGH);
    byte[] second = bytes(70 * KB, 9);
    put(e, "/f.bin", second, WriteType.CACHE_THROUGH);
    assertArrayEquals(second, readAll(e, "/f.bin", null));
    assertEquals(2, cachedBlocks());
    assertThrows(AlreadyExistsException.class, () -> e.write("/f.bin", new ByteArrayInputStream(second), second.length,
        WriteOptions.defaults().withOverwrite(false)));
  }

  @Test
  void outOfSpaceWriteFailsCleanly() throws IOException {
    GranaryEngine e = engine(Map.of(), 256 * KB);
    byte[] data = bytes(400 * KB, 10);
    assertThrows(OutOfSpaceException.class, () -> put(e, "/big.bin", data, WriteType.MUST_CACHE));
    assertThrows(NotFoundException.class, () -> e.stat("/big.bin"));
    assertEquals(0, cachedBytes());
    assertEquals(0, filesUnder(dir.resolve("tier-MEM")));
  }

  // ---- reads and read types ------------------------------------------------------------------

  @Test
  void rangedReadsCrossBlockBoundaries() throws IOException {
    GranaryEngine e = engine();
    byte[] data = bytes(300 * KB + 123, 11);
    Files.write(fx.ufsDir.resolve("ranged.bin"), data);
    long[][] ranges = {{0, 10}, {BLOCK - 5, 10}, {BLOCK, BLOCK}, {100, 3 * BLOCK}, {data.length - 7, 100}, {5, -1}};
    for (long[] r : ranges) {
      try (InputStream in = e.read("/ranged.bin", r[0], r[1], null)) {
        int end = r[1] < 0 ? data.length : (int) Math.min(data.length, r[0] + r[1]);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, (int) r[0], end), in.readAllBytes(), "range " + r[0] + "+" + r[1]);
      }
    }
    try (InputStream in = e.read("/ranged.bin", data.length + 10, 5, null)) {
      assertEquals(-1, in.read());
    }
  }

  @Test
  void noCacheReadsDoNotFillTheCache() throws IOException {
    GranaryEngine e = engine();
    byte[] data = bytes(130 * KB, 12);
    Files.write(fx.ufsDir.resolve("nc.bin"), data);
    assertArrayEquals(data, readAll(e, "/nc.bin", ReadType.NO_CACHE));
    assertArrayEquals(data, readAll(e, "/nc.bin", ReadType.NO_CACHE));
    assertEquals(0, cachedBlocks());
    assertEquals(6, e.ufsOpens());
    assertEquals(2L * data.length, e.ufsBytesRead());
  }

  @Test
  void cacheReadsFillTheCacheOnce() throws IOException {
    GranaryEngine e = engine();
    byte[] data = bytes(130 * KB, 13);
    Files.write(fx.ufsDir.resolve("c.bin"), data);
    assertArrayEquals(data, readAll(e, "/c.bin", ReadType.CACHE));
    assertEquals(3, cachedBlocks());
    assertEquals(3, e.ufsOpens());
    assertArrayEquals(data, readAll(e, "/c.bin", ReadType.CACHE));
    assertEquals(3, e.ufsOpens(), "second read served from cache");
    assertEquals(3, e.metrics().blockHits());
    assertEquals(3, e.metrics().blockMisses());
  }

  @Test
  void cachePromoteMovesBlocksToTheTopTier() throws IOException {
    GranaryEngine e = engine();
    byte[] data = bytes(100 * KB, 14);
    FileInfo f = put(e, "/p.bin", data, WriteType.CACHE_THROUGH);
    long b0 = BlockIds.of(f.id(), 0);
    assertTrue(fx.blocks.demote(b0, 1));
    assertArrayEquals(data, readAll(e, "/p.bin", ReadType.CACHE));
    assertEquals(1, fx.blocks.locate(b0).orElseThrow().tier(), "CACHE reads from the lower tier in place");
    assertArrayEquals(data, readAll(e, "/p.bin", ReadType.CACHE_PROMOTE));
    assertEquals(0, fx.blocks.locate(b0).orElseThrow().tier(), "CACHE_PROMOTE moved it up");
  }

  @Test
  void evictionKeepsTheCacheUnderQuotaAndRefetchesEvictedBlocks() throws IOException {
    GranaryEngine e = engine(Map.of(), 256 * KB);
    for (int i = 0; i < 8; i++) {
      Files.write(fx.ufsDir.resolve("e" + i + ".bin"), bytes(60 * KB, 100 + i));
    }
    for (int i = 0; i < 8; i++) {
      assertArrayEquals(bytes(60 * KB, 100 + i), readAll(e, "/e" + i + ".bin", null));
      assertTrue(cachedBytes() <= 256 * KB, "cache over quota: " + cachedBytes());
    }
    long opens = e.ufsOpens();
    assertArrayEquals(bytes(60 * KB, 100), readAll(e, "/e0.bin", null));
    assertEquals(opens + 1, e.ufsOpens(), "the evicted first file is fetched again");
    assertArrayEquals(bytes(60 * KB, 107), readAll(e, "/e7.bin", null));
    assertEquals(opens + 1, e.ufsOpens(), "the most recent file is still cached");
  }

  @Test
  void pinnedFilesSurviveEvictionPressure() throws IOException {
    GranaryEngine e = engine(Map.of(), 256 * KB);
    Files.write(fx.ufsDir.resolve("pinned.bin"), bytes(60 * KB, 200));
    e.setPinned("/pinned.bin", true);
    readAll(e, "/pinned.bin", null);
    for (int i = 0; i < 8; i++) {
      Files.write(fx.ufsDir.resolve("o" + i + ".bin"), bytes(60 * KB, i));
      readAll(e, "/o" + i + ".bin", null);
    }
    long opens = e.ufsOpens();
    readAll(e, "/pinned.bin", null);
    assertEquals(opens, e.ufsOpens(), "pinned file stayed cached");
    e.setPinned("/pinned.bin", false);
    assertTrue(e.free("/pinned.bin") > 0);
  }

  // ---- metadata from the under-storage -------------------------------------------------------

  @Test
  void filesAddedToTheUnderStorageAreLoadedOnDemand() throws IOException {
    GranaryEngine e = engine();
    Files.createDirectories(fx.ufsDir.resolve("ds/train"));
    for (int i = 0; i < 250; i++) {
      Files.write(fx.ufsDir.resolve("ds/train/img" + i + ".jpg"), bytes(100, i));
    }
    assertEquals(100, e.stat("/ds/train/img42.jpg").length());
    List<FileInfo> page1 = e.list("/ds/train", "", 200);
    List<FileInfo> page2 = e.list("/ds/train", page1.get(199).name(), 200);
    assertEquals(200, page1.size());
    assertEquals(50, page2.size());
    assertEquals("/ds/train/img0.jpg", page1.get(0).path());
    assertTrue(e.list("/", "", 10).stream().anyMatch(f -> f.path().equals("/ds") && f.isDirectory()));
  }

  @Test
  void syncIntervalNeverKeepsWhatItLoaded() throws IOException {
    GranaryEngine e = engine(Map.of(Mount.SYNC_INTERVAL, "-1"), 4L << 20);
    Path f = fx.ufsDir.resolve("s.bin");
    Files.write(f, bytes(10, 1));
    assertEquals(10, e.stat("/s.bin").length());
    Files.write(f, bytes(20, 2));
    fx.clock.addAndGet(3_600_000);
    assertEquals(10, e.stat("/s.bin").length(), "-1: never re-checked");
  }

  @Test
  void anExplicitSyncSeesChangesEvenWhenTheMountNeverRechecks() throws IOException {
    GranaryEngine e = engine(Map.of(Mount.SYNC_INTERVAL, "-1"), 4L << 20);
    Files.createDirectories(fx.ufsDir.resolve("d/sub"));
    Files.write(fx.ufsDir.resolve("d/sub/f.bin"), bytes(100 * KB, 1));
    Files.write(fx.ufsDir.resolve("d/gone.bin"), bytes(10, 2));
    assertArrayEquals(bytes(100 * KB, 1), readAll(e, "/d/sub/f.bin", null));
    assertEquals(2, e.list("/d", "", 10).size());
    Files.write(fx.ufsDir.resolve("d/sub/f.bin"), bytes(50 * KB, 3));
    Files.setLastModifiedTime(fx.ufsDir.resolve("d/sub/f.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
    Files.delete(fx.ufsDir.resolve("d/gone.bin"));
    Files.write(fx.ufsDir.resolve("d/new.bin"), bytes(10, 4));
    assertEquals(100 * KB, e.stat("/d/sub/f.bin").length(), "-1 never re-checks by itself");
    e.sync("/d", true);
    assertArrayEquals(bytes(50 * KB, 3), readAll(e, "/d/sub/f.bin", null), "never stale after a sync");
    assertEquals(List.of("new.bin", "sub"), e.list("/d", "", 10).stream().map(FileInfo::name).toList());
  }

  @Test
  void ttlFreesOrDeletesWhenTheInjectedClockPassesIt() throws IOException {
    GranaryEngine e = engine();
    put(e, "/ttl/free.bin", bytes(100 * KB, 1), WriteType.CACHE_THROUGH);
    put(e, "/ttl/delete.bin", bytes(10, 2), WriteType.CACHE_THROUGH);
    e.setTtl("/ttl/free.bin", 60_000, "FREE");
    e.setTtl("/ttl/delete.bin", 120_000, "DELETE");
    fx.clock.addAndGet(59_999);
    assertEquals(0, e.expireTtls());
    assertEquals(3, cachedBlocks(), "100 KiB in two 64 KiB blocks, and one block");
    fx.clock.addAndGet(2);
    assertEquals(1, e.expireTtls());
    assertEquals(1, cachedBlocks(), "the first file's blocks were freed");
    assertEquals(100 * KB, e.stat("/ttl/free.bin").length(), "the file stays");
    fx.clock.addAndGet(60_000);
    assertEquals(1, e.expireTtls());
    assertThrows(NotFoundException.class, () -> e.stat("/ttl/delete.bin"));
    assertFalse(Files.exists(fx.ufsDir.resolve("ttl/delete.bin")), "deleted in the under-storage too");
    assertEquals(0, e.expireTtls(), "nothing left to expire");
  }

  @Test
  void syncIntervalZeroSeesEveryChangeAndNeverServesStaleBlocks() throws IOException {
    GranaryEngine e = engine(Map.of(Mount.SYNC_INTERVAL, "0"), 4L << 20);
    Path f = fx.ufsDir.resolve("s.bin");
    Files.write(f, bytes(100 * KB, 1));
    assertArrayEquals(bytes(100 * KB, 1), readAll(e, "/s.bin", null));
    assertEquals(2, cachedBlocks());
    Files.write(f, bytes(90 * KB, 2));
    Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertArrayEquals(bytes(90 * KB, 2), readAll(e, "/s.bin", null));
    Files.delete(f);
    assertThrows(NotFoundException.class, () -> e.stat("/s.bin"));
    assertEquals(0, cachedBlocks(), "blocks of the deleted file are gone");
  }

  @Test
  void syncIntervalMillisRechecksOnlyAfterTheInterval() throws IOException {
    GranaryEngine e = engine(Map.of(Mount.SYNC_INTERVAL, "60000"), 4L << 20);
    Path f = fx.ufsDir.resolve("s.bin");
    Files.write(f, bytes(10, 1));
    assertEquals(10, e.stat("/s.bin").length());
    Files.write(f, bytes(30, 2));
    Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    fx.clock.addAndGet(59_000);
    assertEquals(10, e.stat("/s.bin").length(), "within the interval");
    fx.clock.addAndGet(2_000);
    assertEquals(30, e.stat("/s.bin").length(), "after the interval");
    Files.write(fx.ufsDir.resolve("new.bin"), bytes(5, 3));
    assertEquals(1, e.list("/", "", 100).stream().filter(x -> x.name().equals("new.bin")).count());
  }

  @Test
  void listingDropsFilesDeletedBehindTheCacheOnceDue() throws IOException {
    GranaryEngine e = engine(Map.of(Mount.SYNC_INTERVAL, "1000"), 4L << 20);
    Files.write(fx.ufsDir.resolve("a.bin"), bytes(5, 1));
    Files.write(fx.ufsDir.resolve("b.bin"), bytes(5, 2));
    assertEquals(2, e.list("/", "", 10).size());
    Files.delete(fx.ufsDir.resolve("a.bin"));
    fx.clock.addAndGet(1_001);
    assertEquals(List.of("b.bin"), e.list("/", "", 10).stream().map(FileInfo::name).toList());
  }

  // ---- namespace operations ------------------------------------------------------------------

  @Test
  void mkdirDeleteAndRenameFollowPosix() throws IOException {
    GranaryEngine e = engine();
    e.mkdir("/d1/d2", true);
    assertTrue(Files.isDirectory(fx.ufsDir.resolve("d1/d2")));
    assertThrows(AlreadyExistsException.class, () -> e.mkdir("/d1", false));
    put(e, "/d1/d2/f.bin", bytes(10, 1), WriteType.CACHE_THROUGH);
    assertThrows(DirectoryNotEmptyException.class, () -> e.delete("/d1", false));
    assertThrows(IsADirectoryException.class, () -> e.read("/d1", 0, -1, null));

    put(e, "/other.bin", bytes(20, 2), WriteType.CACHE_THROUGH);
    e.rename("/other.bin", "/d1/d2/f.bin"); // replaces
    assertEquals(20, e.stat("/d1/d2/f.bin").length());
    assertArrayEquals(bytes(20, 2), Files.readAllBytes(fx.ufsDir.resolve("d1/d2/f.bin")));
    assertThrows(NotFoundException.class, () -> e.stat("/other.bin"));

    e.rename("/d1", "/moved");
    assertArrayEquals(bytes(20, 2), readAll(e, "/moved/d2/f.bin", null));
    assertTrue(Files.exists(fx.ufsDir.resolve("moved/d2/f.bin")));
    assertThrows(InvalidArgumentException.class, () -> e.rename("/moved", "/moved/d2/inside"));

    e.delete("/moved", true);
    assertThrows(NotFoundException.class, () -> e.stat("/moved"));
    assertFalse(Files.exists(fx.ufsDir.resolve("moved")));
    assertEquals(0, cachedBlocks());
  }

  @Test
  void mountPolicyChoosesTierPinAndTtlOfNewFiles() throws IOException {
    GranaryEngine e = engine();
    Path other = Files.createDirectories(dir.resolve("policy-ufs"));
    Files.write(other.resolve("loaded.bin"), bytes(10 * KB, 1));
    e.mount("/p", "file://" + other, Map.of(Mount.TIER, "SSD", Mount.PIN, "true", Mount.TTL, "1m",
        Mount.TTL_ACTION, "DELETE"));
    put(e, "/p/written.bin", bytes(20 * KB, 2), WriteType.CACHE_THROUGH);
    readAll(e, "/p/loaded.bin", null);
    for (String f : List.of("/p/written.bin", "/p/loaded.bin")) {
      FileInfo info = e.stat(f);
      assertTrue(info.pinned(), f + " pinned by the mount");
      assertTrue(info.attributes().containsKey("granary.ttl"), f + " has the mount's TTL");
      assertEquals(1, fx.blocks.locate(BlockIds.of(info.id(), 0)).orElseThrow().tier(), f + " landed in SSD");
    }
    fx.clock.addAndGet(60_001);
    assertEquals(2, e.expireTtls());
    assertThrows(NotFoundException.class, () -> e.stat("/p/written.bin"));
    assertThrows(InvalidArgumentException.class, () -> e.mount("/q", "file://" + other, Map.of(Mount.TIER, "TAPE")));
    assertThrows(InvalidArgumentException.class, () -> e.mount("/q", "file://" + other, Map.of(Mount.TTL, "soon")));
  }

  @Test
  void completingAnAbortedUploadFailsAndUnchosenPartsAreFreed() throws IOException {
    GranaryEngine e = engine();
    String aborted = e.createUpload("/mp/a.bin", Map.of(), WriteType.CACHE_THROUGH);
    e.writePart(aborted, 1, new ByteArrayInputStream(bytes(100 * KB, 1)), 100 * KB, () -> "e1");
    List<Integer> one = List.of(1);
    List<MultipartUploads.Part> parts = e.uploadParts(aborted);
    assertEquals(1, parts.size());
    e.abortUpload(aborted);
    assertThrows(NotFoundException.class, () -> e.completeUpload(aborted, one, Map.of()));
    assertEquals(0, cachedBytes(), "nothing of the aborted upload is left");

    String id = e.createUpload("/mp/b.bin", Map.of(), WriteType.CACHE_THROUGH);
    e.writePart(id, 1, new ByteArrayInputStream(bytes(100 * KB, 2)), 100 * KB, () -> "e1");
    e.writePart(id, 2, new ByteArrayInputStream(bytes(50 * KB, 3)), 50 * KB, () -> "e2");
    e.completeUpload(id, one, Map.of());
    assertEquals(100 * KB, cachedBytes(), "the part left out of the object is freed at once");
    assertArrayEquals(bytes(100 * KB, 2), readAll(e, "/mp/b.bin", null));
    assertThrows(NotFoundException.class, () -> e.completeUpload(id, one, Map.of()), "a second complete fails");
    assertEquals(100 * KB, cachedBytes());
  }

  @Test
  void hostilePathsAreRejected() throws IOException {
    GranaryEngine e = engine();
    for (String p : List.of("/a/../etc/passwd", "/./x", "relative", "/a\0b", "/" + "n".repeat(300))) {
      assertThrows(InvalidPathException.class, () -> e.stat(p), p);
      assertThrows(InvalidPathException.class,
          () -> e.write(p, new ByteArrayInputStream(new byte[1]), 1, WriteOptions.defaults()), p);
    }
    assertEquals(0, filesUnder(fx.ufsDir));
  }

  @Test
  void mountsAreIndependentNamespacesAndRenameCannotCrossThem() throws IOException {
    GranaryEngine e = engine();
    Path second = Files.createDirectories(dir.resolve("second-ufs"));
    Files.write(second.resolve("inside.bin"), bytes(50, 1));
    e.mount("/mnt", "file://" + second, Map.of(Mount.READ_TYPE, "NO_CACHE"));
    assertEquals(50, e.stat("/mnt/inside.bin").length());
    assertArrayEquals(bytes(50, 1), readAll(e, "/mnt/inside.bin", null));
    assertEquals(0, cachedBlocks(), "the mount's default read type is NO_CACHE");
    put(e, "/root.bin", bytes(5, 2), WriteType.CACHE_THROUGH);
    assertThrows(CrossMountException.class, () -> e.rename("/root.bin", "/mnt/root.bin"));
    assertThrows(InvalidArgumentException.class, () -> e.delete("/mnt", true));
    assertEquals(2, e.mountTable().size());
    assertThrows(AlreadyExistsException.class, () -> e.mount("/mnt", "file://" + second, Map.of()));

    fx.reopen();
    GranaryEngine again = fx.engine;
    assertEquals(50, again.stat("/mnt/inside.bin").length(), "mounts survive a restart");
    again.unmount("/mnt");
    assertThrows(NotFoundException.class, () -> again.stat("/mnt/inside.bin"));
    assertTrue(Files.exists(second.resolve("inside.bin")), "unmount leaves the under-storage alone");
  }

  @Test
  void restartKeepsTheNamespaceAndCachedBlocks() throws IOException {
    GranaryEngine e = engine();
    byte[] data = bytes(150 * KB, 15);
    put(e, "/persist/must.bin", data, WriteType.MUST_CACHE);
    put(e, "/persist/ct.bin", data, WriteType.CACHE_THROUGH);
    fx.reopen();
    GranaryEngine again = fx.engine;
    assertArrayEquals(data, readAll(again, "/persist/must.bin", null));
    assertArrayEquals(data, readAll(again, "/persist/ct.bin", null));
    assertEquals(0, again.ufsOpens(), "both served from blocks found at startup");
  }

  @Test
  void blockFilesOfAFreedFileAreGone() throws IOException {
    GranaryEngine e = engine();
    FileInfo f = put(e, "/free.bin", bytes(130 * KB, 16), WriteType.CACHE_THROUGH);
    BlockLocation loc = fx.blocks.locate(BlockIds.of(f.id(), 0)).orElseThrow();
    assertEquals(130 * KB, e.free("/"));
    assertFalse(Files.exists(loc.path()));
    assertArrayEquals(bytes(130 * KB, 16), readAll(e, "/free.bin", null));
  }
}
